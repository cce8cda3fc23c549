/**
 * The bearer token of the FCM HTTP v1 requests (docs/odsa.md § Push): either `push.access_token` as
 * configured, or — with `push.service_account_file` — an OAuth 2.0 access token minted from a Google
 * service account (RFC 7523 JWT bearer grant, the flow Google documents for server-to-server calls):
 *
 *   assertion = RS256 JWT {iss: client_email, scope: firebase.messaging, aud: token URI, iat, exp: iat + 3600}
 *               signed with the account's private_key (jose), header kid = private_key_id
 *   POST <push.token_uri | the file's token_uri>
 *        grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>
 *   ← {"access_token": "...", "expires_in": 3599, "token_type": "Bearer"}
 *
 * The access token is cached until `refresh_margin` before it expires, then minted again; concurrent
 * sends share one exchange. A failed exchange throws `PushAuthError`: the worker counts and retries it
 * like a failed send. Neither the private key nor a token is ever logged or shown.
 */
import { readFile } from 'node:fs/promises';
import type { CryptoKey } from 'jose';
import { jose } from '../../src/util/jose.js';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Mint again this long before the access token expires (a send in flight must not carry a dead token); half the lifetime when shorter. */
export const REFRESH_MARGIN_MS = 120_000;

export class PushAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PushAuthError';
  }
}

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id: string | null;
  token_uri: string;
  project_id: string | null;
}

/** Parse a service-account JSON file's text; a clear error naming the missing field, never the key. */
export function parseServiceAccount(text: string, file: string): ServiceAccount {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new PushAuthError(`push.service_account_file ${file}: not JSON`);
  }
  const str = (k: string) => (typeof raw[k] === 'string' && raw[k] !== '' ? (raw[k] as string) : null);
  const missing = ['client_email', 'private_key'].filter((k) => str(k) === null);
  if (missing.length) throw new PushAuthError(`push.service_account_file ${file}: missing ${missing.join(', ')}`);
  return { client_email: str('client_email')!, private_key: str('private_key')!, private_key_id: str('private_key_id'), token_uri: str('token_uri') ?? 'https://oauth2.googleapis.com/token', project_id: str('project_id') };
}

export interface PushAuthConfig {
  access_token: string;
  service_account_file: string;
  token_uri: string;
  timeout_ms: number;
}

export interface BearerSource {
  /** The Authorization bearer value, or null when none is configured (local gateway without a token). */
  bearer(): Promise<string | null>;
  /** Forget a cached access token (the gateway answered 401). */
  invalidate(): void;
}

export function bearerSource(config: () => PushAuthConfig, clock: { now(): number } = Date): BearerSource {
  let cached: { file: string; token: string; refreshAt: number } | null = null;
  let inFlight: Promise<string> | null = null;
  let account: { file: string; sa: ServiceAccount; key: CryptoKey } | null = null;

  const loadAccount = async (file: string) => {
    if (account?.file === file) return account;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new PushAuthError(`push.service_account_file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    const sa = parseServiceAccount(text, file);
    let key: CryptoKey;
    try {
      key = await (await jose()).importPKCS8(sa.private_key, 'RS256');
    } catch {
      throw new PushAuthError(`push.service_account_file ${file}: private_key is not an RSA PKCS#8 PEM key`);
    }
    return (account = { file, sa, key });
  };

  const mint = async (cfg: PushAuthConfig): Promise<string> => {
    const { sa, key } = await loadAccount(cfg.service_account_file);
    const tokenUri = cfg.token_uri !== '' ? cfg.token_uri : sa.token_uri;
    const now = Math.floor(clock.now() / 1000);
    const { SignJWT } = await jose();
    const jwt = new SignJWT({ scope: FCM_SCOPE }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(sa.private_key_id ? { kid: sa.private_key_id } : {}) });
    const assertion = await jwt.setIssuer(sa.client_email).setAudience(tokenUri).setIssuedAt(now).setExpirationTime(now + 3600).sign(key);
    let r: Response;
    try {
      r = await fetch(tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
        signal: AbortSignal.timeout(cfg.timeout_ms),
      });
    } catch (e) {
      throw new PushAuthError(`token exchange: ${(e as Error).name === 'TimeoutError' ? 'timeout' : 'network error'}`);
    }
    const body = (await r.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
    if (!r.ok) throw new PushAuthError(`token exchange: HTTP ${r.status}`);
    if (!body || typeof body.access_token !== 'string' || body.access_token === '') throw new PushAuthError('token exchange: no access_token in the answer');
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    // Refreshed a margin before expiry: 2 minutes, or half the lifetime of a short-lived token.
    cached = { file: cfg.service_account_file, token: body.access_token, refreshAt: clock.now() + lifetime * 1000 - Math.min(REFRESH_MARGIN_MS, lifetime * 500) };
    return body.access_token;
  };

  return {
    async bearer() {
      const cfg = config();
      if (cfg.service_account_file === '') return cfg.access_token === '' ? null : cfg.access_token;
      if (cached && cached.file === cfg.service_account_file && clock.now() < cached.refreshAt) return cached.token;
      inFlight ??= mint(cfg).finally(() => (inFlight = null));
      return inFlight;
    },
    invalidate() {
      cached = null;
    },
  };
}
