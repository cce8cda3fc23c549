/**
 * ODSA temporary tokens (GSMA TS.43 v12.0 §2.8.6, §6.5 AcquireTemporaryToken; ODSA.md § Authentication).
 *
 * Minted for a subscriber who authenticated with a TS.43 token (or EAP-AKA), bound to that IMSI, the app
 * id and the operations named in `operation_targets`, valid `odsa.temporary_token_seconds`. Another device
 * (the new phone of an eSIM transfer) sends it alone, as `temporary_token`, instead of authenticating.
 *
 * The value is `base64url(token_id (16 bytes) ‖ tag (16 bytes))`,
 *   tag = HMAC-SHA256(token.signing_secret, "omnisep-temporary-token/1" ‖ token_id ‖ imsi ‖ app ‖ targets ‖ expires_at)[0..16),
 * and the store keeps only the record (never the value). Checking one answers with the HTTP status of
 * §2.8.6: 401 invalid or expired, 403 for an operation outside its targets or another subscriber/app,
 * 404 when no such token exists.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, Collection, EventSink, Random, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import type { TokenView } from '../../contracts/tokens.js';
import type { OdsaOperation } from '../../contracts/entitlement-apps.js';

/** What a temporary token may open: ODSA operations (ap2006/ap2009), or ap2015's AcquireOperatorToken (TS.43 §14.1.5). */
export type TemporaryTokenTarget = OdsaOperation | 'AcquireOperatorToken';
import { Secret } from '../../util/secret.js';
import { pages } from '../../util/pages.js';

export interface TemporaryTokenRecord {
  token_id: string;
  imsi: string;
  app: string;
  operation_targets: TemporaryTokenTarget[];
  created_at: number;
  expires_at: number;
  validity: number;
  /** The device that asked for it (terminal_id). */
  terminal_id: string | null;
}

export type TemporaryTokenCheck =
  | { ok: true; record: TemporaryTokenRecord }
  | { ok: false; status: 401 | 403 | 404; reason: 'malformed' | 'forged' | 'expired' | 'not_found' | 'wrong_operation' | 'wrong_subscriber' | 'wrong_app' };

const TAG_CONTEXT = 'omnisep-temporary-token/1';
const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const bytesUuid = (b: Buffer): string => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export function temporaryTokenView(r: TemporaryTokenRecord, nowMs: number): TokenView {
  return {
    token_id: r.token_id,
    imsi: r.imsi,
    created_at: r.created_at,
    expires_at: r.expires_at,
    expires_in_seconds: Math.max(0, r.expires_at - Math.floor(nowMs / 1000)),
    validity: r.validity,
    terminal_id: r.terminal_id,
    app_name: r.app,
    auth_method: 'TOKEN',
    kind: 'temporary',
    operation_targets: r.operation_targets,
  };
}

export class TemporaryTokenService {
  readonly #tokens: Collection<TemporaryTokenRecord>;
  readonly #secret: Secret<string>;

  constructor(private readonly deps: { store: Store; clock: Clock; random: Random; events?: EventSink | undefined; signingSecret: Secret<string> | string; validitySeconds: number }) {
    this.#tokens = openCollection<TemporaryTokenRecord>(deps.store, 'temporary_tokens');
    this.#secret = deps.signingSecret instanceof Secret ? deps.signingSecret : new Secret(deps.signingSecret);
  }

  get validitySeconds(): number {
    return this.deps.validitySeconds;
  }

  #tag(r: Pick<TemporaryTokenRecord, 'token_id' | 'imsi' | 'app' | 'operation_targets' | 'expires_at'>): Buffer {
    const h = createHmac('sha256', this.#secret.reveal());
    for (const part of [TAG_CONTEXT, r.token_id, r.imsi, r.app, r.operation_targets.join(','), String(r.expires_at)]) h.update(part).update('\0');
    return h.digest().subarray(0, 16);
  }

  async issue(input: { imsi: string; app: string; operation_targets: TemporaryTokenTarget[]; terminal_id: string | null }): Promise<{ token: Secret<string>; record: TemporaryTokenRecord }> {
    const now = Math.floor(this.deps.clock.now() / 1000);
    const record: TemporaryTokenRecord = {
      token_id: this.deps.random.uuid(),
      imsi: input.imsi,
      app: input.app,
      operation_targets: input.operation_targets,
      created_at: now,
      expires_at: now + this.deps.validitySeconds,
      validity: this.deps.validitySeconds,
      terminal_id: input.terminal_id,
    };
    const value = Buffer.concat([uuidBytes(record.token_id), this.#tag(record)]).toString('base64url');
    await this.#tokens.put(record.token_id, record);
    this.deps.events?.emit({ kind: 'token', at: new Date(this.deps.clock.now()).toISOString(), change: 'issued', token: temporaryTokenView(record, this.deps.clock.now()) });
    return { token: new Secret(value), record };
  }

  /** Check a presented token for one operation of one app (and, when the request names one, one IMSI). `operation` null = not an operation at all: the caller answers OperationResult 101/102. */
  async verify(token: string, use: { app: string; operation: TemporaryTokenTarget | null; imsi: string | null }): Promise<TemporaryTokenCheck> {
    const raw = /^[A-Za-z0-9_-]{43}$/.test(token) ? Buffer.from(token, 'base64url') : null;
    if (!raw || raw.length !== 32) return { ok: false, status: 401, reason: 'malformed' };
    const record = await this.#tokens.get(bytesUuid(raw.subarray(0, 16)));
    if (!record) return { ok: false, status: 404, reason: 'not_found' };
    if (!timingSafeEqual(this.#tag(record), raw.subarray(16))) return { ok: false, status: 401, reason: 'forged' };
    if (record.expires_at <= Math.floor(this.deps.clock.now() / 1000)) return { ok: false, status: 401, reason: 'expired' };
    if (use.imsi !== null && use.imsi !== record.imsi) return { ok: false, status: 403, reason: 'wrong_subscriber' };
    if (use.app !== record.app) return { ok: false, status: 403, reason: 'wrong_app' };
    if (use.operation !== null && !record.operation_targets.includes(use.operation)) return { ok: false, status: 403, reason: 'wrong_operation' };
    return { ok: true, record };
  }

  /** Spent: the transfer it was for is done (§8.9). */
  async revoke(tokenId: string): Promise<TokenView | undefined> {
    const r = await this.#tokens.take(tokenId);
    if (!r) return undefined;
    this.deps.events?.emit({ kind: 'token', at: new Date(this.deps.clock.now()).toISOString(), change: 'revoked', token: temporaryTokenView(r, this.deps.clock.now()) });
    return temporaryTokenView(r, this.deps.clock.now());
  }

  async get(tokenId: string): Promise<TokenView | undefined> {
    const r = await this.#tokens.get(tokenId);
    const now = this.deps.clock.now();
    return r && r.expires_at > Math.floor(now / 1000) ? temporaryTokenView(r, now) : undefined;
  }

  /** One page of live temporary tokens (key order). */
  async list(opts: { limit?: number } = {}): Promise<TokenView[]> {
    const now = this.deps.clock.now();
    const page = await this.#tokens.scan({ limit: opts.limit ?? 1000 });
    return page.map(([, r]) => r).filter((r) => r.expires_at > Math.floor(now / 1000)).map((r) => temporaryTokenView(r, now));
  }

  /**
   * Drop expired records, page by page (off the request path), each page's in one `deleteMany`. A scan: these
   * tokens live minutes, so the collection holds only the last minutes' (the TS.43 tokens' purge walks an index).
   */
  async purgeExpired(): Promise<number> {
    const now = Math.floor(this.deps.clock.now() / 1000);
    let n = 0;
    for await (const page of pages((o) => this.#tokens.scan(o), 1000)) {
      const due = page.filter(([, r]) => r.expires_at <= now).map(([key]) => key);
      if (due.length) n += (await this.#tokens.deleteMany(due)).length;
    }
    return n;
  }
}
