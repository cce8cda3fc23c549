/**
 * jose (JWT signing and verification), imported on first use rather than when the daemon starts: only ODSA
 * operator tokens, ODSA issuer tokens and FCM push sign or verify JWTs, and a daemon that uses none of them
 * need not hold the library's ≈ 50 modules in memory (idle resident memory, docs/performance.md § Fifth round).
 */
type Jose = typeof import('jose');
let loaded: Jose | undefined;

export async function jose(): Promise<Jose> {
  return (loaded ??= await import('jose'));
}
