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
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Clock } from '../../ports.js';

export interface OperatorTokenPolicy {
  issuer: string;
  audience: string;
  hmac_secret: string;
  jwks_file: string;
  clock_skew_seconds: number;
}

export type OperatorTokenReason = 'not_configured' | 'malformed' | 'signature' | 'algorithm' | 'expired' | 'not_yet_valid' | 'issuer' | 'audience' | 'subject' | 'jwks_unreadable';

export interface OperatorTokenClaims {
  imsi: string;
  /** The app the token was issued to (`client_id`, else `azp`), if any. */
  client_id: string | null;
  /** Space-separated `scope` claim, split. */
  scopes: string[];
  expires_at: number;
}

export type OperatorTokenCheck = { ok: true; claims: OperatorTokenClaims } | { ok: false; status: 401; reason: OperatorTokenReason };

const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];
const KEY_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const operatorTokensConfigured = (p: OperatorTokenPolicy): boolean => p.issuer !== '' && p.audience !== '' && (p.hmac_secret !== '' || p.jwks_file !== '');

/** jose's error → the reason reported (never its message: it may quote claims). */
function reasonOf(e: unknown): OperatorTokenReason {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed) return e.claim === 'iss' ? 'issuer' : e.claim === 'aud' ? 'audience' : e.claim === 'nbf' ? 'not_yet_valid' : 'malformed';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) return 'signature';
  return 'malformed';
}

export class OperatorTokenVerifier {
  #jwks: { file: string; set: ReturnType<typeof createLocalJWKSet> } | null = null;

  constructor(private readonly deps: { policy: () => OperatorTokenPolicy; clock: Clock; readJwks: (file: string) => Promise<string> }) {}

  /** The key set of a JWKS file, read at first use and again when the configured path changes (SIGHUP). */
  async #keySet(file: string): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (this.#jwks?.file === file) return this.#jwks.set;
    const set = createLocalJWKSet(JSON.parse(await this.deps.readJwks(file)) as JSONWebKeySet);
    this.#jwks = { file, set };
    return set;
  }

  async verify(token: string): Promise<OperatorTokenCheck> {
    const pol = this.deps.policy();
    if (!operatorTokensConfigured(pol)) return { ok: false, status: 401, reason: 'not_configured' };
    if (token.length > 8192 || !COMPACT_JWS.test(token)) return { ok: false, status: 401, reason: 'malformed' };
    const options = {
      issuer: pol.issuer,
      audience: pol.audience,
      clockTolerance: pol.clock_skew_seconds,
      currentDate: new Date(this.deps.clock.now()),
      requiredClaims: ['exp', 'sub'],
    };
    let payload: JWTPayload;
    try {
      if (pol.hmac_secret !== '') {
        ({ payload } = await jwtVerify(token, new TextEncoder().encode(pol.hmac_secret), { ...options, algorithms: HMAC_ALGS }));
      } else {
        let keys: ReturnType<typeof createLocalJWKSet>;
        try {
          keys = await this.#keySet(pol.jwks_file);
        } catch {
          return { ok: false, status: 401, reason: 'jwks_unreadable' };
        }
        ({ payload } = await jwtVerify(token, keys, { ...options, algorithms: KEY_ALGS }));
      }
    } catch (e) {
      return { ok: false, status: 401, reason: reasonOf(e) };
    }
    const imsi = typeof payload.sub === 'string' && /^[0-9]{5,15}$/.test(payload.sub) ? payload.sub : null;
    if (imsi === null) return { ok: false, status: 401, reason: 'subject' };
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : null;
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return { ok: true, claims: { imsi, client_id: clientId, scopes, expires_at: payload.exp! } };
  }
}
