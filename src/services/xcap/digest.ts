/**
 * HTTP Digest access authentication for direct XCAP access (RFC 7616):
 * MD5 and SHA-256, qop=auth, stateless nonces that carry their issue time
 * and an HMAC (so they expire and cannot be forged), a bounded nc replay
 * window. Pure: the key, the clock reading and the HA1 store come from the
 * caller. The password itself is never kept: only HA1 = H(username:realm:password)
 * (password-equivalent for this realm, so treated as a secret: never returned).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RecentMap } from '../../util/recent-map.js';

export type DigestAlgorithm = 'MD5' | 'SHA-256';
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

const H = (alg: DigestAlgorithm, s: string) => createHash(alg === 'MD5' ? 'md5' : 'sha256').update(s, 'utf8').digest('hex');

/** RFC 7616 §3.4.2: A1 = username ":" realm ":" passwd. */
export const ha1 = (alg: DigestAlgorithm, username: string, realm: string, password: string): string => H(alg, `${username}:${realm}:${password}`);

/** Usernames a subscriber may present (docs/xcap.md § Identity): the MSISDN as digits, as +digits, as a tel: URI. */
export const digestUsernames = (msisdn: string): string[] => [msisdn, `+${msisdn}`, `tel:+${msisdn}`];

/** HA1 per algorithm per accepted username. */
export type Ha1Table = Record<DigestAlgorithm, Record<string, string>>;

export function ha1Table(msisdn: string, realm: string, password: string): Ha1Table {
  const t: Ha1Table = { MD5: {}, 'SHA-256': {} };
  for (const alg of DIGEST_ALGORITHMS) for (const u of digestUsernames(msisdn)) t[alg][u] = ha1(alg, u, realm, password);
  return t;
}

/** A nonce: base64url(issued-ms "." hmac(key, issued-ms)). */
export function makeNonce(key: Buffer, nowMs: number): string {
  const t = String(nowMs);
  const mac = createHmac('sha256', key).update(t).digest('base64url').slice(0, 32);
  return Buffer.from(`${t}.${mac}`).toString('base64url');
}

/** 'ok', 'stale' (genuine but expired: re-challenge with stale=true) or 'bad'. */
export function checkNonce(key: Buffer, nonce: string, nowMs: number, lifetimeMs: number): 'ok' | 'stale' | 'bad' {
  const raw = Buffer.from(nonce, 'base64url').toString();
  const m = /^([0-9]{1,16})\.([A-Za-z0-9_-]{32})$/.exec(raw);
  if (!m) return 'bad';
  const want = Buffer.from(createHmac('sha256', key).update(m[1]!).digest('base64url').slice(0, 32));
  if (!timingSafeEqual(want, Buffer.from(m[2]!))) return 'bad';
  const age = nowMs - Number(m[1]);
  if (age < -5_000) return 'bad';
  return age > lifetimeMs ? 'stale' : 'ok';
}

/** `WWW-Authenticate` values, one per algorithm, strongest first (RFC 7616 §3.7). */
export function challenges(realm: string, nonce: string, stale = false): string[] {
  const q = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return DIGEST_ALGORITHMS.map(
    (alg) => `Digest realm="${q(realm)}", qop="auth", algorithm=${alg}, nonce="${nonce}", opaque="xcap"${stale ? ', stale=true' : ''}`,
  );
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: string;
  nc?: string;
  cnonce?: string;
  userhash?: boolean;
}

/** Parse `Authorization: Digest k=v, k="v"...`; null when not a usable Digest header. */
export function parseAuthorization(header: string | undefined): DigestCredentials | null {
  if (!header || header.length > 4096) return null;
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/gy;
  let mm: RegExpExecArray | null;
  let last = 0;
  while ((mm = re.exec(m[1]!))) {
    params[mm[1]!.toLowerCase()] = mm[2] !== undefined ? mm[2].replace(/\\(.)/g, '$1') : mm[3]!;
    last = re.lastIndex;
    if (last >= m[1]!.length) break;
  }
  const alg = (params.algorithm ?? 'MD5').toUpperCase();
  if (alg !== 'MD5' && alg !== 'SHA-256') return null;
  const { username, realm, nonce, uri, response } = params;
  if (!username || realm === undefined || !nonce || !uri || !response) return null;
  return {
    username, realm, nonce, uri, response: response.toLowerCase(), algorithm: alg,
    qop: params.qop, nc: params.nc, cnonce: params.cnonce, userhash: params.userhash === 'true',
  };
}

/**
 * RFC 7616 §3.4.1 with qop=auth:
 *   HA2 = H(method ":" request-uri)
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)
 * Without qop (RFC 2069 compatibility) is refused: qop=auth is required.
 */
export function verifyResponse(c: DigestCredentials, method: string, ha1Hex: string): boolean {
  if (c.qop !== 'auth' || !c.nc || !/^[0-9a-fA-F]{8}$/.test(c.nc) || !c.cnonce) return false;
  const ha2 = H(c.algorithm, `${method}:${c.uri}`);
  const want = H(c.algorithm, `${ha1Hex}:${c.nonce}:${c.nc}:${c.cnonce}:${c.qop}:${ha2}`);
  // Compare bytes: a response with non-ASCII characters has as many characters as the hex digest but more bytes
  // (found by the fuzz harness: timingSafeEqual threw, the request answered 500).
  const a = Buffer.from(want);
  const b = Buffer.from(c.response);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Remembers the highest nc seen per nonce (bounded), refusing replays. */
export class NonceCounter {
  readonly #seen: RecentMap<string, number>;
  /** `capacity` nonces are remembered at least (those used most recently), and at most twice as many. */
  constructor(readonly capacity = 10_000) {
    this.#seen = new RecentMap(capacity);
  }
  /** True when `nc` is fresh for `nonce` (and records it). */
  accept(nonce: string, nc: string): boolean {
    const n = parseInt(nc, 16);
    const prev = this.#seen.get(nonce);
    if (prev !== undefined && n <= prev) return false;
    this.#seen.set(nonce, n);
    return true;
  }
}
