/**
 * TS.43 fast re-authentication tokens (GSMA TS.43 §2.8.5, §2.9.6; TS43.md § Tokens).
 *
 * A token is `base64url(token_id (16 bytes) ‖ tag (16 bytes))` where
 *   tag = HMAC-SHA256(token.signing_secret, "omnisep-token/1" ‖ token_id ‖ imsi ‖ terminal_id ‖ app_name ‖ expires_at)[0..16).
 * The store keeps the record keyed by token_id with `digest` = hex
 * HMAC-SHA256(secret, token value) — never the value. Verification recomputes
 * both and compares them in constant time; a forged, expired, revoked (record
 * gone) or mis-bound token is refused. base64url keeps the value safe in query
 * strings and XML without escaping.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Clock, Collection, EventSink, Random, Store, Tally } from '../ports.js';
import { openCollection } from '../store/collections.js';
import type { TokenView } from '../contracts/tokens.js';
import { Secret } from '../util/secret.js';
import { pages } from '../util/pages.js';
import { RecentMap } from '../util/recent-map.js';

/**
 * What the `tokens` collection holds (key = token_id): the view without `expires_in_seconds`, plus the
 * digest and the `binding` (indexed: one live token per IMSI + terminal_id + app_name, found without a scan).
 */
export type TokenRecord = Omit<TokenView, 'expires_in_seconds'> & {
  digest: string;
  binding: string;
  /** Issued since `token_bindings` tracks the live token of a binding; a record without it is from before. */
  tracked?: true;
  /** The minute its expiry falls in (`expires_at` / 60, indexed): the purge looks up the minutes passed, no scan. */
  expires_slot?: string;
};

/** The `expires_slot` index value of a token expiring at `expiresAt` (Unix seconds). */
export const expirySlot = (expiresAt: number): string => String(Math.floor(expiresAt / 60));

/**
 * What `token_bindings` holds (key = the binding digest): the binding's live token, and the one it replaced,
 * which the next issue deletes again in case the daemon that swapped them died before deleting it.
 */
export interface BindingRecord {
  token_id: string;
  replaced: string | null;
}

export type TokenCheck =
  | { ok: true; record: Readonly<TokenRecord> }
  | { ok: false; reason: 'malformed' | 'forged' | 'revoked' | 'expired' | 'wrong_binding' };

export interface TokenServiceDeps {
  store: Store;
  clock: Clock;
  random: Random;
  events?: EventSink | undefined;
  signingSecret: Secret<string> | string;
  validitySeconds: number;
}

export interface TokenBinding {
  imsi: string;
  terminal_id: string | null;
  app_name: string | null;
}

const TAG_CONTEXT = 'omnisep-token/1';
/**
 * Tokens the purge reads and drops together (one page of the store): one `deleteMany` of the tokens, one of their
 * binding records, each one commit on the embedded store and one transaction on PostgreSQL.
 */
const PURGE_PAGE = 250;
/** The purge's `job_progress` record: the last expiry minute walked by any daemon of the store. */
const PURGE_JOB = 'tokens.purge';
interface PurgeProgress { walked_up_to: number }
/** A start more minutes after the last walk than this (a week) scans every token rather than walk them one by one. */
const MAX_WALK_MINUTES = 7 * 24 * 60;
const norm = (s: string | null | undefined): string => (s ?? '').trim().toLowerCase();

/** The `binding` index value: hex SHA-256 of the normalised IMSI, terminal_id and app_name. */
export const bindingKey = (b: TokenBinding): string =>
  createHash('sha256').update([b.imsi, norm(b.terminal_id), norm(b.app_name)].join('\0')).digest('hex');

export function tokenView(r: TokenRecord, nowMs: number): TokenView {
  const { digest: _digest, binding: _binding, tracked: _tracked, expires_slot: _slot, ...rest } = r;
  return { ...rest, expires_in_seconds: Math.max(0, r.expires_at - Math.floor(nowMs / 1000)) };
}

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const bytesUuid = (b: Buffer): string => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * The stored fields a token's two HMACs are computed over (the tag: IMSI, terminal_id, app_name, expires_at; the
 * token_id is the token's own first half) and compared with (the digest). A token that passed both checks against a
 * record with these same fields passes them again: the memo below skips the HMACs then (docs/performance.md).
 */
const signedFields = (r: TokenRecord): string => `${r.digest}\0${r.imsi}\0${norm(r.terminal_id)}\0${norm(r.app_name)}\0${r.expires_at}`;
/**
 * `a === b` in time that depends on the lengths only, as `timingSafeEqual` over their bytes was, without two buffers
 * per check (docs/performance.md § Twentieth round).
 */
export const sameText = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
};
/** Verified tokens remembered (oldest dropped beyond it): a few hundred KB, whatever the number of tokens. */
const VERIFIED_MEMO = 4096;

export class TokenService {
  readonly #tokens: Collection<TokenRecord>;
  readonly #bindings: Collection<BindingRecord>;
  readonly #progress: Collection<PurgeProgress>;
  readonly #secret: Secret<string>;
  /**
   * Token value → `signedFields` of the record it was verified against. Only successful checks go in; the record
   * is still read on every verify (revoked = gone, expired = its `expires_at`, binding = its fields), so the memo
   * changes no answer, only skips recomputing HMACs whose inputs and expected values are unchanged.
   */
  readonly #verified = new RecentMap<string, string>(VERIFIED_MEMO);
  /** The last expiry minute the purge has finished (null: none yet in this process, the first purge scans). */
  #purgedUpTo: number | null = null;
  /** The purge in progress (the timer's and an explicit call run one after the other). */
  #purging: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: TokenServiceDeps) {
    this.#tokens = openCollection<TokenRecord>(deps.store, 'tokens');
    this.#bindings = openCollection<BindingRecord>(deps.store, 'token_bindings');
    this.#progress = openCollection<PurgeProgress>(deps.store, 'job_progress');
    this.#secret = deps.signingSecret instanceof Secret ? deps.signingSecret : new Secret(deps.signingSecret);
  }

  get validitySeconds(): number {
    return this.deps.validitySeconds;
  }

  /** The signing secret imported once (every check computes two HMACs with it: no key copy per request). */
  #keyObject: KeyObject | undefined;
  get #key(): KeyObject {
    return (this.#keyObject ??= createSecretKey(Buffer.from(this.#secret.reveal(), 'utf8')));
  }

  #tag(tokenId: string, b: TokenBinding, expiresAt: number): Buffer {
    // Each part followed by NUL, in one update (the same bytes as one update per part).
    const input = `${TAG_CONTEXT}\0${tokenId}\0${b.imsi}\0${norm(b.terminal_id)}\0${norm(b.app_name)}\0${expiresAt}\0`;
    return createHmac('sha256', this.#key).update(input).digest().subarray(0, 16);
  }

  #digest(value: string): Buffer {
    return createHmac('sha256', this.#key).update(value).digest();
  }

  /**
   * Tokens this process is issuing whose `issued` event is not out yet, and the revoke that took one first, if any. A
   * concurrent issue of the same binding (one SIM authenticated by several sessions at once) can delete a token before
   * its own issue has announced it; its `revoked` is then held here and sent right after its `issued`, so no reader of
   * the event stream sees a token revoked and then issued (the monitor would list it as active for good).
   */
  readonly #announcing = new Map<string, { revoked?: { r: TokenRecord; replaced: boolean } }>();

  #emit(change: 'issued' | 'revoked' | 'expired', r: TokenRecord, replaced = false): void {
    this.deps.events?.emit({ kind: 'token', at: new Date(this.deps.clock.now()).toISOString(), change, token: tokenView(r, this.deps.clock.now()), ...(replaced ? { replaced: true as const } : {}) });
  }

  /**
   * Issue a token bound to IMSI + terminal_id + app_name. Older tokens with the
   * same binding are replaced (one live token per client on a device), atomically
   * across daemons (docs/storage.md § Tokens):
   *
   * 1. the new record is put (under its own, fresh token_id), and at the same time
   * 2. one `update()` of the binding's `token_bindings` record swaps in the new
   *    token_id and returns what it held — updates of one key are serialised on
   *    every driver, so of two concurrent issues exactly one sees the other's token;
   * 3. once both are durable, the tokens the swap returned are deleted, and the binding is read again: if another
   *    issue swapped this token out meanwhile, this token is deleted too (its issuer's delete may have run before
   *    this record's put was committed: two daemons on PostgreSQL; test/pg-two-daemons-tokens.test.ts).
   *
   * A crash before both are durable leaves nothing anyone was given: a record
   * alone expires; a swap alone names a token that never was, with the replaced
   * one still named beside it (the next issue of the binding deletes both; the
   * replaced token meanwhile stays valid, as it was). After 2, the replaced token
   * is still named in the binding record and the next issue of the binding
   * deletes it. A binding without a record (tokens issued before this scheme)
   * falls back once to the `binding` index, deleting only untracked records.
   * Until 2026-12-06 the swap waited for the record's commit: one commit wait
   * more per authentication (docs/performance.md § Twenty-sixth round).
   */
  async issue(b: TokenBinding & { auth_method: string }): Promise<{ token: Secret<string>; record: TokenRecord }> {
    const issued = await this.issueAlong(b);
    await issued.replaced;
    return issued;
  }

  /**
   * `issue` without waiting for step 3: `replaced` settles once the replaced tokens are durably gone. The caller
   * awaits it before handing the token out, alongside its own last writes (the TS.43 handler: the activity record),
   * so their commits are waited for together (docs/performance.md § Twenty-sixth round).
   */
  async issueAlong(b: TokenBinding & { auth_method: string }): Promise<{ token: Secret<string>; record: TokenRecord; replaced: Promise<void> }> {
    const now = Math.floor(this.deps.clock.now() / 1000);
    const tokenId = this.deps.random.uuid();
    const expiresAt = now + this.deps.validitySeconds;
    const value = Buffer.concat([uuidBytes(tokenId), this.#tag(tokenId, b, expiresAt)]).toString('base64url');
    const record: TokenRecord = {
      token_id: tokenId,
      imsi: b.imsi,
      created_at: now,
      expires_at: expiresAt,
      validity: this.deps.validitySeconds,
      terminal_id: b.terminal_id,
      app_name: b.app_name,
      auth_method: b.auth_method,
      digest: this.#digest(value).toString('hex'),
      binding: bindingKey(b),
      tracked: true,
      expires_slot: expirySlot(expiresAt),
    };
    // The record and the swap are written together (two logs, their commits in parallel: one wait, not two).
    const announcing: { revoked?: { r: TokenRecord; replaced: boolean } } = {};
    this.#announcing.set(tokenId, announcing);
    // Told once this token's `issued` is out (or its issue failed): a revoke that came before it.
    const announced = () => {
      this.#announcing.delete(tokenId);
      if (announcing.revoked) this.#emit('revoked', announcing.revoked.r, announcing.revoked.replaced);
    };
    const stale = new Set<string>();
    try {
      const [, prev] = await Promise.all([
        this.#tokens.put(tokenId, record),
        this.#bindings.update<BindingRecord | undefined>(record.binding, (cur) => ({
          result: cur,
          put: { token_id: tokenId, replaced: cur?.token_id ?? null },
        })),
      ]);
      if (prev) {
        for (const id of [prev.token_id, prev.replaced]) if (id && id !== tokenId) stale.add(id);
      } else {
        for (const old of await this.#tokens.find('binding', record.binding)) if (!old.tracked) stale.add(old.token_id);
      }
    } catch (e) {
      announced();
      throw e;
    }
    // The events in the order of before: the replaced tokens' `revoked`, then this one's `issued` (then its own
    // `revoked`, if a concurrent issue took it meanwhile).
    const replaced = (async () => {
      try {
        // The binding's replaced tokens in one take (one statement on PostgreSQL, where a take each was one each):
        // the one it named, and the one before, in case the daemon that replaced that one died before deleting it.
        if (stale.size) for (const [id, r] of await this.#tokens.takeMany([...stale])) this.#revoked(id, r, true);
        this.#emit('issued', record);
      } finally {
        announced();
      }
      // Superseded already? An issue on another daemon may have swapped this token out and deleted it before this
      // record's put was committed (the put and the swap run side by side): its delete found nothing, and the record
      // would live on beside the binding's newer token. Both writes are committed now, so a swap read after them that
      // no longer names this token means its delete may have missed: delete it here (a delete that finds nothing is
      // harmless); a swap made after this read finds the record and deletes it itself.
      if ((await this.#bindings.get(record.binding))?.token_id !== tokenId) await this.#remove(tokenId, true);
    })();
    replaced.catch(() => undefined); // awaited by the caller, maybe a step later: not unhandled meanwhile
    return { token: new Secret(value), record, replaced };
  }

  /**
   * Deletes one token record (atomically: it is emitted as revoked only by whoever deleted it). `replaced`: a
   * newer token of the same binding took its place (the event says so; the websheet grant stays, websheet.ts).
   */
  async #remove(tokenId: string, replaced = false): Promise<TokenRecord | undefined> {
    const r = await this.#tokens.take(tokenId);
    if (r) this.#revoked(tokenId, r, replaced);
    return r;
  }

  /** A token record this daemon took: `revoked` now, or once its own `issued` is out. */
  #revoked(tokenId: string, r: TokenRecord, replaced: boolean): void {
    const announcing = this.#announcing.get(tokenId);
    if (announcing) announcing.revoked = { r, replaced };
    else this.#emit('revoked', r, replaced);
  }

  /** After its token went (revoke, expiry): drop the binding record if it still names it. */
  async #forget(r: TokenRecord): Promise<void> {
    await this.#bindings.update(r.binding, (cur) => (cur?.token_id === r.token_id ? { result: null, delete: true } : { result: null }));
  }

  /** Check a token presented with `IMSI` (+ the request's terminal_id and app_name). Constant-time comparisons. */
  async verify(token: string, b: TokenBinding): Promise<TokenCheck> {
    const raw = /^[A-Za-z0-9_-]{43}$/.test(token) ? Buffer.from(token, 'base64url') : null;
    if (!raw || raw.length !== 32) return { ok: false, reason: 'malformed' };
    const tokenId = bytesUuid(raw.subarray(0, 16));
    // A phone's poll reads its token again and again (each app's query, each retry): the parsed record is shared.
    const record = await this.#tokens.getShared(tokenId);
    if (!record) return { ok: false, reason: 'revoked' };
    const checked = signedFields(record);
    if (this.#verified.get(token) !== checked) {
      const expected = this.#tag(tokenId, record, record.expires_at);
      const digest = this.#digest(token);
      const stored = Buffer.from(record.digest, 'hex');
      const tagOk = timingSafeEqual(expected, raw.subarray(16));
      const digestOk = stored.length === digest.length && timingSafeEqual(stored, digest);
      if (!tagOk || !digestOk) return { ok: false, reason: 'forged' };
      this.#verified.set(token, checked);
    }
    if (record.expires_at <= Math.floor(this.deps.clock.now() / 1000)) return { ok: false, reason: 'expired' };
    const want = `${record.imsi}\0${norm(record.terminal_id)}\0${norm(record.app_name)}`;
    const got = `${b.imsi}\0${norm(b.terminal_id)}\0${norm(b.app_name)}`;
    if (!sameText(want, got)) return { ok: false, reason: 'wrong_binding' };
    return { ok: true, record };
  }

  /** Live tokens of one IMSI (indexed), newest first. */
  async listByImsi(imsi: string): Promise<TokenView[]> {
    return this.#live(await this.#tokens.find('imsi', imsi));
  }

  /** One page of live tokens in token_id order (keys greater than `after`), at most `limit` records looked at. */
  async list(opts: { after?: string; limit?: number } = {}): Promise<TokenView[]> {
    const page = await this.#tokens.scan({ ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit ?? 1000 });
    return this.#live(page.map(([, r]) => r));
  }

  #live(records: TokenRecord[]): TokenView[] {
    const now = this.deps.clock.now();
    return records
      .filter((r) => r.expires_at > Math.floor(now / 1000))
      .sort((a, b) => b.created_at - a.created_at)
      .map((r) => tokenView(r, now));
  }

  async get(tokenId: string): Promise<TokenView | undefined> {
    const r = await this.#tokens.get(tokenId);
    const now = this.deps.clock.now();
    return r && r.expires_at > Math.floor(now / 1000) ? tokenView(r, now) : undefined;
  }

  /** Stored records (tokens), counted by the store (not a scan). */
  count(): Promise<number> {
    return this.#tokens.count();
  }

  /** As count, for `status`: an estimate past 100,000 on PostgreSQL (src/ports.ts Tally). */
  tally(): Promise<Tally> {
    return this.#tokens.tally();
  }

  /**
   * Revoke = remove; the next request with it gets 511 and does EAP-AKA again. Emits the `revoked` event.
   * Returns the view of what was revoked (an expired one too), or undefined when there was none.
   */
  async revoke(tokenId: string): Promise<TokenView | undefined> {
    const r = await this.#remove(tokenId);
    if (!r) return undefined;
    await this.#forget(r);
    return tokenView(r, this.deps.clock.now());
  }

  /**
   * Drop expired records (call periodically, off the request path); returns how many went. Pages through the
   * collection with `scan`, so memory stays bounded however many tokens there are.
   */
  async purgeExpired(): Promise<number> {
    const run = this.#purging.then(() => this.#purge());
    this.#purging = run.catch(() => undefined);
    return run;
  }

  /**
   * The purge pages through the `expires_slot` index for each minute since the last one walked, so its cost follows
   * how many tokens expired, not how many exist. The current minute is looked at again next time (part of it is still
   * to come). How far it has walked is kept in `job_progress` (every daemon of the store advances the one record), so
   * a restarted daemon walks the minutes it was down for and no more. With no record (a store from before it, the
   * first purge of a new store) or one over a week old, the purge pages through every token instead, once: that also
   * takes the records issued before `expires_slot` existed, which no minute names.
   *
   * One page (PURGE_PAGE records) at a time: its expired tokens deleted together, then the binding records that
   * still name them (a compare-and-delete: a binding a newer token took over stays). Until 2026-12-06 a minute was
   * read whole and dropped one token after another, each waiting for its own commits: ≈ 2,000 tokens a second on the
   * embedded store, below the 2,800 a second of 10,000,000 SIMs' tokens issued in an hour's storm expiring a validity
   * later; a minute of 200,000 tokens held the event loop 1.6 s while it was read; and every start paged through
   * every token, ≈ 17 µs of the main thread each (docs/performance.md § Twenty-fifth round). Then 16 tokens at a
   * time, one delete and one binding update each: PostgreSQL still purged ≈ 2,000 a second (§ Twenty-sixth round).
   */
  async #purge(): Promise<number> {
    const now = Math.floor(this.deps.clock.now() / 1000);
    const minute = Math.floor(now / 60);
    let n = 0;
    const dropAll = async (page: Array<[string, TokenRecord]>): Promise<void> => {
      const due = page.filter(([, r]) => r.expires_at <= now);
      if (!due.length) return;
      // Who deleted a token emits it (another daemon's purge may take some of the page).
      const taken = new Set(await this.#tokens.deleteMany(due.map(([key]) => key)));
      const gone = due.filter(([key]) => taken.has(key)).map(([, r]) => r);
      for (const r of gone) this.#emit('expired', r);
      n += gone.length;
      if (gone.length) await this.#bindings.deleteMany(gone.map((r) => r.binding), { field: 'token_id', values: gone.map((r) => r.token_id) });
    };
    if (this.#purgedUpTo === null) {
      const saved = (await this.#progress.get(PURGE_JOB))?.walked_up_to;
      if (typeof saved === 'number' && Number.isInteger(saved) && saved <= minute && minute - saved <= MAX_WALK_MINUTES) this.#purgedUpTo = saved;
    }
    if (this.#purgedUpTo === null) {
      for await (const page of pages((o) => this.#tokens.scan(o), PURGE_PAGE)) await dropAll(page);
    } else {
      for (let slot = this.#purgedUpTo + 1; slot <= minute; slot++) {
        for await (const page of pages((o) => this.#tokens.findPage('expires_slot', String(slot), o), PURGE_PAGE)) await dropAll(page);
      }
    }
    this.#purgedUpTo = minute - 1;
    await this.#progress.update(PURGE_JOB, (cur) =>
      (cur?.walked_up_to ?? -Infinity) >= minute - 1 ? { result: null } : { result: null, put: { walked_up_to: minute - 1 } });
    return n;
  }

}
