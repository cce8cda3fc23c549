/**
 * Cookie handling as Android's TS.43 client does it (TS43.md § Client
 * contract): the cookies of the *first* response are kept and sent on every
 * later POST of the exchange, one `Cookie:` line each; a later `Set-Cookie`
 * is ignored. Only `name=value` is kept (attributes dropped); a value in
 * double quotes is sent without them.
 */

/** `Set-Cookie` header values → the `Cookie` lines to send back (`name=value`, quotes stripped). */
export function cookiesFromSetCookie(setCookie: string | readonly string[] | undefined): string[] {
  if (setCookie === undefined) return [];
  const lines = typeof setCookie === 'string' ? [setCookie] : setCookie;
  const out: string[] = [];
  for (const line of lines) {
    const pair = line.split(';', 1)[0]!.trim();
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.push(`${name}=${value}`);
  }
  return out;
}
