/**
 * Operator tokens (GSMA TS.43 v12.0 §14.1, app ap2015 "App authentication"; docs/odsa.md § Operator tokens):
 * an external entity (an app's back end) sends `operator_token` with `app=ap2015` and an operation; omnisep
 * checks the token against the configured issuer before anything else:
 *
 *   - a JWS (compact JWT) signed with the shared HMAC secret (`operator_token.hmac_secret`: HS256/384/512)
 *     or by a key of the JWKS file (`operator_token.jwks_file`: RS*, PS*, ES*, EdDSA), checked by jose
 *     (the checks shared with ap2011's access tokens live in jwt-issuer.ts);
 *   - `iss` = operator_token.issuer, `aud` contains operator_token.audience, `exp` in the future and `nbf`
 *     (when present) in the past, both with operator_token.clock_skew_seconds of leeway;
 *   - `sub` = the subscriber's IMSI (the token stands for the subscriber whose device acquired it).
 *
 * Any failure is HTTP 401 (invalid or expired, as §2.8.6 Table 8 says of temporary tokens); the reason
 * goes to the activity log and the metrics, never the token.
 *
 * `mint` is the device side (AcquireOperatorToken, §14.1.2): a token the checks above accept, signed with
 * the HMAC secret or, for an issuer that publishes keys, the private JWK of `operator_token.signing_key_file`.
 * Ports only: the JWKS and key files are read through `readJwks`/`readSigningKey`, the clock is injected.
 */
import type { JWK, importJWK } from 'jose';
import { jose } from '../../util/jose.js';
import type { Clock } from '../../ports.js';
import { JwtIssuerVerifier, KEY_ALGS, jwtIssuerConfigured, type JwtIssuerPolicy, type JwtIssuerReason } from './jwt-issuer.js';

export interface OperatorTokenPolicy extends JwtIssuerPolicy {
  /** Minting (AcquireOperatorToken): lifetime of a token, and the private JWK that signs when the issuer publishes keys. */
  lifetime_seconds: number;
  signing_key_file: string;
}

/** Why AcquireOperatorToken could not mint (the device gets OperationResult 100 naming it). */
export type OperatorTokenMintRefusal = 'not_configured' | 'no_signing_key' | 'signing_key_unreadable';
export type OperatorTokenMint = { ok: true; token: string; expires_at: number } | { ok: false; reason: OperatorTokenMintRefusal };

/** The JWS algorithm of a private JWK: its `alg`, else the usual one for its key type. */
function algOf(jwk: JWK): string | null {
  if (typeof jwk.alg === 'string' && KEY_ALGS.includes(jwk.alg)) return jwk.alg;
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  return null;
}

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

interface Signer {
  file: string;
  key: Awaited<ReturnType<typeof importJWK>>;
  alg: string;
  kid: string | undefined;
}

export class OperatorTokenVerifier {
  readonly #issuer: JwtIssuerVerifier;
  #signer: Signer | null = null;

  constructor(private readonly deps: { policy: () => OperatorTokenPolicy; clock: Clock; readJwks: (file: string) => Promise<string>; readSigningKey?: (file: string) => Promise<string>; randomId?: () => string }) {
    this.#issuer = new JwtIssuerVerifier(deps);
  }

  /** The private signing key (a JWK file), read at first use and again when the configured path changes. */
  async #signingKey(file: string): Promise<Signer> {
    if (this.#signer?.file === file) return this.#signer;
    const jwk = JSON.parse(await (this.deps.readSigningKey ?? this.deps.readJwks)(file)) as JWK;
    const alg = algOf(jwk);
    if (alg === null || jwk.d === undefined) throw new Error('not a private signing JWK');
    this.#signer = { file, key: await (await jose()).importJWK(jwk, alg), alg, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
    return this.#signer;
  }

  /**
   * Mint an operator token for a subscriber's app (AcquireOperatorToken, TS.43 §14.1.2): a JWT this verifier
   * accepts — `iss`, `aud`, `sub` = IMSI, `client_id`, `scope` (when asked), `iat`, `exp` = now + lifetime,
   * `jti` — signed HS256 with `hmac_secret`, or with `signing_key_file` when the issuer publishes keys.
   */
  async mint(input: { imsi: string; client_id: string; scope: string | null }): Promise<OperatorTokenMint> {
    const pol = this.deps.policy();
    if (!operatorTokensConfigured(pol)) return { ok: false, reason: 'not_configured' };
    const now = Math.floor(this.deps.clock.now() / 1000);
    const exp = now + pol.lifetime_seconds;
    const { SignJWT } = await jose();
    const jwt = new SignJWT({ client_id: input.client_id, ...(input.scope ? { scope: input.scope } : {}) })
      .setIssuer(pol.issuer).setAudience(pol.audience).setSubject(input.imsi).setIssuedAt(now).setExpirationTime(exp);
    if (this.deps.randomId) jwt.setJti(this.deps.randomId());
    if (pol.hmac_secret !== '') return { ok: true, token: await jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(pol.hmac_secret)), expires_at: exp };
    if (pol.signing_key_file === '') return { ok: false, reason: 'no_signing_key' };
    let signer: Signer;
    try {
      signer = await this.#signingKey(pol.signing_key_file);
    } catch {
      return { ok: false, reason: 'signing_key_unreadable' };
    }
    const token = await jwt.setProtectedHeader({ alg: signer.alg, typ: 'JWT', ...(signer.kid !== undefined ? { kid: signer.kid } : {}) }).sign(signer.key);
    return { ok: true, token, expires_at: exp };
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
