/**
 * Signed ServiceFlow_UserData for omnisep's own websheet (GSMA TS.43 §3.4;
 * TS43.md § websheet). The phone POSTs the UserData to ServiceFlow_URL; the
 * websheet trusts it only if the signature holds:
 *
 *   wstoken = base64url(JSON {imsi, app, exp, jti}) "." base64url(HMAC-SHA256(secret, "omnisep-ws/2." ‖ payload)[0..16))
 *
 * Canonical: each part must be the one base64url spelling of its bytes (the MAC's last character
 * has unused bits, so several strings would otherwise verify). `jti` names the grant the
 * websheet checks in the store on each use (websheet-grants.ts).
 *   ServiceFlow_UserData = "token=" wstoken "&entitlement_name=VoWiFi"
 *
 * base64url and "." keep it free of XML entities other than the one `&amp;`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../util/secret.js';

export interface ServiceFlowClaims {
  imsi: string;
  app: string;
  /** Unix seconds. */
  exp: number;
  /** The grant this link belongs to (WebsheetGrants). */
  jti: string;
}

const mac = (secret: Secret<string>, payload: string): Buffer =>
  createHmac('sha256', secret.reveal()).update(`omnisep-ws/2.${payload}`).digest().subarray(0, 16);

export function signServiceFlowToken(secret: Secret<string>, claims: ServiceFlowClaims): string {
  const payload = Buffer.from(JSON.stringify({ imsi: claims.imsi, app: claims.app, exp: claims.exp, jti: claims.jti })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

export function serviceFlowUserData(secret: Secret<string>, claims: ServiceFlowClaims, entitlementName: string): string {
  return `token=${signServiceFlowToken(secret, claims)}&entitlement_name=${encodeURIComponent(entitlementName)}`;
}

/** The claims of a valid, unexpired websheet token, else null. Constant-time MAC check. */
export function verifyServiceFlowToken(secret: Secret<string>, token: string, nowSeconds: number): ServiceFlowClaims | null {
  const m = /^([A-Za-z0-9_-]{1,512})\.([A-Za-z0-9_-]{22})$/.exec(token.trim());
  if (!m) return null;
  const given = Buffer.from(m[2]!, 'base64url');
  // One spelling per token: a string that decodes to the same bytes but is written differently is refused.
  if (given.toString('base64url') !== m[2] || Buffer.from(m[1]!, 'base64url').toString('base64url') !== m[1]) return null;
  const want = mac(secret, m[1]!);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  try {
    const c = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as Partial<ServiceFlowClaims>;
    if (typeof c.imsi !== 'string' || typeof c.app !== 'string' || typeof c.exp !== 'number' || typeof c.jti !== 'string') return null;
    if (c.exp <= nowSeconds) return null;
    return { imsi: c.imsi, app: c.app, exp: c.exp, jti: c.jti };
  } catch {
    return null;
  }
}
