/**
 * Operator tokens (GSMA TS.43 v12.0 §14.1, app ap2015 "App authentication"; docs/odsa.md § Operator tokens):
 * an external entity (an app's back end) sends `operator_token` with `app=ap2015` and an operation; omnisep
 * checks the token against the configured issuer before anything else:
 *
 *   - a JWS (compact JWT) signed with the shared HMAC secret (`operator_token.hmac_secret`: HS256/384/512)
 *     or by a key of the JWKS file (`operator_token.jwks_file`: RS*, PS*, ES*, EdDSA), checked by jose;
 *   - `iss` = operator_token.issuer, `aud` contains operator_token.audience, `exp` in the future and `nbf`
 *     (when present) in the past, both with operator_token.clock_skew_seconds of leeway;
 *   - `sub` = the subscriber's IMSI (the token stands for the subscriber whose device acquired it).
 *
 * Any failure is HTTP 401 (invalid or expired, as §2.8.6 Table 8 says of temporary tokens); the reason
 * goes to the activity log and the metrics, never the token. Ports only: the JWKS file is read through
 * `readJwks`, the clock is injected.
 */
import type { Clock } from '../../ports.js';
import { JwtIssuerVerifier, jwtIssuerConfigured, type JwtIssuerPolicy, type JwtIssuerReason } from './jwt-issuer.js';

export type OperatorTokenPolicy = JwtIssuerPolicy;

export type OperatorTokenReason = JwtIssuerReason | 'subject';

export interface OperatorTokenClaims {
  imsi: string;
  /** The app the token was issued to (`client_id`, else `azp`), if any. */
  client_id: string | null;
  /** Space-separated `scope` claim, split. */
  scopes: string[];
  expires_at: number;
}

export type OperatorTokenCheck = { ok: true; claims: OperatorTokenClaims } | { ok: false; status: 401; reason: OperatorTokenReason };

export const operatorTokensConfigured = (p: OperatorTokenPolicy): boolean => jwtIssuerConfigured(p);

export class OperatorTokenVerifier {
  readonly #issuer: JwtIssuerVerifier;

  constructor(deps: { policy: () => OperatorTokenPolicy; clock: Clock; readJwks: (file: string) => Promise<string> }) {
    this.#issuer = new JwtIssuerVerifier(deps);
  }

  async verify(token: string): Promise<OperatorTokenCheck> {
    const check = await this.#issuer.verify(token, ['exp', 'sub']);
    if (!check.ok) return { ok: false, status: 401, reason: check.reason };
    const payload = check.payload;
    const imsi = typeof payload.sub === 'string' && /^[0-9]{5,15}$/.test(payload.sub) ? payload.sub : null;
    if (imsi === null) return { ok: false, status: 401, reason: 'subject' };
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : null;
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return { ok: true, claims: { imsi, client_id: clientId, scopes, expires_at: payload.exp! } };
  }
}
