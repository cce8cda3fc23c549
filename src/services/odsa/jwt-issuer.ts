/**
 * A JWT issuer omnisep trusts (docs/odsa.md § Operator tokens, § ap2011): one verifier shared by operator
 * tokens (ap2015, TS.43 §14) and the access tokens of app servers (ap2011, TS.43 §2.8.3). Checks, with jose:
 *
 *   - a compact JWS of at most 8 KiB, signed with the shared HMAC secret (HS256/384/512) or by a key of the
 *     JWKS file (RS*, PS*, ES*, EdDSA; `kid` picks the key) — one of the two, so an HMAC token is never
 *     accepted where the issuer publishes keys;
 *   - `iss` = issuer, `aud` contains audience, `exp` in the future and `nbf` (when present) in the past,
 *     both with clock_skew_seconds of leeway; the claims the caller requires are present.
 *
 * What the token stands for (`sub` = an IMSI, or = a client id) is the caller's check. A failure gives a
 * reason for the activity log, never jose's message (it may quote claims). Ports only: the JWKS file is
 * read through `readJwks`, the clock is injected.
 */
import type { JSONWebKeySet, JWTPayload, createLocalJWKSet } from 'jose';
import { jose } from '../../util/jose.js';
import type { Clock } from '../../ports.js';

export interface JwtIssuerPolicy {
  issuer: string;
  audience: string;
  hmac_secret: string;
  jwks_file: string;
  clock_skew_seconds: number;
}

export type JwtIssuerReason = 'not_configured' | 'malformed' | 'signature' | 'algorithm' | 'expired' | 'not_yet_valid' | 'issuer' | 'audience' | 'jwks_unreadable';

export type JwtIssuerCheck = { ok: true; payload: JWTPayload } | { ok: false; reason: JwtIssuerReason };

const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];
export const KEY_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** An issuer is usable when it has `issuer`, `audience` and a key (`config check` says which is missing). */
export const jwtIssuerConfigured = (p: JwtIssuerPolicy): boolean => p.issuer !== '' && p.audience !== '' && (p.hmac_secret !== '' || p.jwks_file !== '');

/** jose's error → the reason reported (never its message: it may quote claims). */
function reasonOf(e: unknown, errors: Awaited<ReturnType<typeof jose>>['errors']): JwtIssuerReason {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed) return e.claim === 'iss' ? 'issuer' : e.claim === 'aud' ? 'audience' : e.claim === 'nbf' ? 'not_yet_valid' : 'malformed';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) return 'signature';
  return 'malformed';
}

export class JwtIssuerVerifier {
  #jwks: { file: string; set: ReturnType<typeof createLocalJWKSet> } | null = null;

  constructor(private readonly deps: { policy: () => JwtIssuerPolicy; clock: Clock; readJwks: (file: string) => Promise<string> }) {}

  /** The key set of a JWKS file, read at first use and again when the configured path changes (SIGHUP). */
  async #keySet(file: string): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (this.#jwks?.file === file) return this.#jwks.set;
    const set = (await jose()).createLocalJWKSet(JSON.parse(await this.deps.readJwks(file)) as JSONWebKeySet);
    this.#jwks = { file, set };
    return set;
  }

  async verify(token: string, requiredClaims: readonly string[] = ['exp']): Promise<JwtIssuerCheck> {
    const pol = this.deps.policy();
    if (!jwtIssuerConfigured(pol)) return { ok: false, reason: 'not_configured' };
    if (token.length > 8192 || !COMPACT_JWS.test(token)) return { ok: false, reason: 'malformed' };
    const options = {
      issuer: pol.issuer,
      audience: pol.audience,
      clockTolerance: pol.clock_skew_seconds,
      currentDate: new Date(this.deps.clock.now()),
      requiredClaims: ['exp', ...requiredClaims.filter((c) => c !== 'exp')],
    };
    const { jwtVerify, errors } = await jose();
    try {
      if (pol.hmac_secret !== '') return { ok: true, payload: (await jwtVerify(token, new TextEncoder().encode(pol.hmac_secret), { ...options, algorithms: HMAC_ALGS })).payload };
      let keys: ReturnType<typeof createLocalJWKSet>;
      try {
        keys = await this.#keySet(pol.jwks_file);
      } catch {
        return { ok: false, reason: 'jwks_unreadable' };
      }
      return { ok: true, payload: (await jwtVerify(token, keys, { ...options, algorithms: KEY_ALGS })).payload };
    } catch (e) {
      return { ok: false, reason: reasonOf(e, errors) };
    }
  }
}
