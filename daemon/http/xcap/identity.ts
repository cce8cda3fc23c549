/**
 * Who is asking (XCAP.md § Identity and access, docs/xcap.md § Identity):
 * `X-3GPP-Asserted-Identity` (TS 24.109 §5.2.3) only when the TCP peer is one
 * of `xcap.trusted_proxies`, otherwise HTTP Digest (RFC 7616) against the
 * subscriber's HA1. A subscriber reaches only their own document.
 */
import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { normaliseMsisdn, xuiToMsisdn } from '../../../src/codec/xcap/uri.js';
import {
  challenges, checkNonce, makeNonce, NonceCounter, parseAuthorization, verifyResponse,
} from '../../../src/services/xcap/digest.js';
import type { XcapService } from '../../../src/services/xcap/service.js';
import type { FailureLimiter } from '../../../src/util/failure-limiter.js';

export type AuthOutcome =
  | { ok: true; method: 'asserted-identity' | 'digest'; identity: string }
  | { ok: false; status: 401 | 403 | 429; reason: string; wwwAuthenticate?: string[]; retryAfterSeconds?: number };

const NONCE_LIFETIME_MS = 300_000;

/** `1.2.3.4`, `10.0.0.0/8`, `::1`, `fd00::/8` → a BlockList. */
export function proxyList(entries: readonly string[]): BlockList {
  const bl = new BlockList();
  for (const e of entries) {
    const [addr, bits] = e.trim().split('/');
    const family = isIP(addr ?? '');
    if (!family) continue;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits !== undefined) bl.addSubnet(addr!, Number(bits), type);
    else bl.addAddress(addr!, type);
  }
  return bl;
}

/** What authentication reads of a request: fastify's, or the lean path's (../lean.ts). */
export type XcapAuthRequest = Pick<FastifyRequest, 'headers' | 'method'> & { readonly raw: IncomingMessage };

/** The TCP peer, with IPv4-mapped IPv6 unwrapped. */
export function peerAddress(req: XcapAuthRequest): string {
  const a = req.raw.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** URIs in an asserted-identity header: `"Alice" <sip:+1555...@x>, <tel:+1555...>` or bare URIs. */
export function assertedIdentities(header: string): string[] {
  // The usual header, one URI in angle brackets, read without the pattern (what the pattern gives for it).
  if (header.length > 2 && header.charCodeAt(0) === 60 && header.indexOf('>') === header.length - 1) {
    return [header.slice(1, -1).trim()];
  }
  const out: string[] = [];
  for (const m of header.matchAll(/<([^>]+)>|(?:^|,)\s*((?:sips?|tel):[^\s,<>]+)/gi)) out.push((m[1] ?? m[2])!.trim());
  return out;
}

/**
 * Verdicts "is this peer a trusted proxy", per proxy list: the same few proxies ask on every request. A reload
 * builds a new list (daemon/http/xcap/index.ts), so a changed xcap.trusted_proxies starts afresh; bounded.
 */
const trustVerdicts = new WeakMap<BlockList, Map<string, boolean>>();
function trustedPeer(list: BlockList, peer: string): boolean {
  let m = trustVerdicts.get(list);
  if (!m) trustVerdicts.set(list, (m = new Map()));
  let v = m.get(peer);
  if (v === undefined) {
    const family = isIP(peer);
    v = family !== 0 && list.check(peer, family === 6 ? 'ipv6' : 'ipv4');
    if (m.size < 1024) m.set(peer, v);
  }
  return v;
}

export class XcapAuthenticator {
  readonly #key: Buffer;
  readonly #nc = new NonceCounter();
  constructor(
    readonly service: XcapService,
    readonly trusted: () => BlockList,
    readonly now: () => number,
    key: Buffer,
    /** Digest failures per user (xcap.max_digest_failures / digest_lockout_seconds; docs/security.md § Lock-outs). */
    readonly lockout?: { limiter: FailureLimiter; onFailure?: (lockedOut: boolean) => void; onRefused?: () => void },
  ) {
    this.#key = key;
  }

  #challenge(reason: string, stale = false): AuthOutcome {
    return { ok: false, status: 401, reason, wwwAuthenticate: challenges(this.service.digestRealm, makeNonce(this.#key, this.now()), stale) };
  }

  /**
   * The outcome for a request whose identity a trusted proxy asserted, decided without waiting for anything (the
   * network's usual case: no promise and no turn of the microtask queue); undefined when the request has none, and
   * `authenticate` decides.
   */
  asserted(req: XcapAuthRequest, msisdn: string): AuthOutcome | undefined {
    const asserted = req.headers['x-3gpp-asserted-identity'];
    if (asserted === undefined || !trustedPeer(this.trusted(), peerAddress(req))) return undefined;
    const ids = assertedIdentities(Array.isArray(asserted) ? asserted.join(',') : asserted);
    if (ids.some((id) => xuiToMsisdn(id) === msisdn)) return { ok: true, method: 'asserted-identity', identity: ids[0]! };
    return { ok: false, status: 403, reason: 'the asserted identity is not the owner of this document' };
  }

  /** The request's outcome: a trusted proxy's asserted identity (`asserted`), else Digest (`digest`). */
  async authenticate(req: XcapAuthRequest, msisdn: string): Promise<AuthOutcome> {
    return this.asserted(req, msisdn) ?? this.digest(req, msisdn);
  }

  /** Digest authentication (RFC 7616), for a request `asserted` left undecided. */
  async digest(req: XcapAuthRequest, msisdn: string): Promise<AuthOutcome> {
    // An asserted identity from anyone else is ignored: it proves nothing.
    const creds = parseAuthorization(req.headers.authorization);
    if (!creds) return this.#challenge(req.headers.authorization ? 'unusable Authorization header' : 'authentication required');
    if (creds.realm !== this.service.digestRealm || creds.userhash) return this.#challenge('wrong realm');
    const nonce = checkNonce(this.#key, creds.nonce, this.now(), NONCE_LIFETIME_MS);
    if (nonce === 'bad') return this.#challenge('unknown nonce');
    if (nonce === 'stale') return this.#challenge('stale nonce', true);
    if (creds.uri !== req.raw.url) return this.#challenge('digest uri does not match the request');
    const who = xuiToMsisdn(creds.username) ?? normaliseMsisdn(creds.username);
    const user = who ?? creds.username.slice(0, 128);
    const wait = this.lockout?.limiter.lockedFor(user, this.now()) ?? 0;
    if (wait > 0) {
      this.lockout?.onRefused?.();
      return { ok: false, status: 429, reason: 'too many failed Digest attempts for this user: try again later', retryAfterSeconds: Math.ceil(wait / 1000) };
    }
    const ha1 = who ? await this.service.ha1For(who, creds.algorithm, creds.username) : null;
    if (!who || !ha1 || !verifyResponse(creds, req.method, ha1)) {
      if (this.lockout) this.lockout.onFailure?.(this.lockout.limiter.fail(user, this.now()));
      return this.#challenge('wrong credentials');
    }
    this.lockout?.limiter.succeed(user);
    if (!this.#nc.accept(creds.nonce, creds.nc!)) return this.#challenge('replayed nonce count', true);
    if (who !== msisdn) return { ok: false, status: 403, reason: 'a subscriber may only reach their own document' };
    return { ok: true, method: 'digest', identity: creds.username };
  }
}
