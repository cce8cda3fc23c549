/**
 * The local subscriber store (EAP-AKA.md § back-ends, `local`): IMSI, MSISDN,
 * Ki, OPc (or OP, turned into OPc on entry), AMF, kept in the `subscribers`
 * collection; SQN_HE per IMSI in the `sqn` collection (state), so an
 * authentication never rewrites the keys' record. Keys live only here: they are handed to
 * Milenage inside this module as Secret<Buffer> and never returned.
 *
 * LocalVectorSource implements AuthVectorSource: each vector takes the next
 * SQN (SEQ‖IND, TS 33.102 Annex C, src/aka/sqn.ts) through an atomic update
 * of the `sqn` record and is returned only once the new SQN_HE is durable, so
 * neither a crash nor a second daemon can re-issue an SQN. A resync
 * (AUTS) is verified with f1* and moves SQN_HE to SQN_MS (TS 33.102 §6.3.5).
 */
import { computeOpc, generateVector, recoverSqnFromAuts } from '../crypto/milenage.js';
import { nextSqn, sqnAfterResync, SQN_MAX } from '../aka/sqn.js';
import type { AuthVector } from '../aka/types.js';
import { AuthVectorError, type AuthVectorRequest, type AuthVectorSource, type Clock, type Collection, type Store } from '../ports.js';
import { openCollection } from '../store/collections.js';
import { Secret } from '../util/secret.js';
import { toE164 } from '../util/msisdn.js';
import { EMPTY_KEYRING, KeyWrapError, type Keyring } from '../crypto/key-wrap.js';
import { needsReseal, recordKeys, sameKeys, storedForm } from './subscriber-keys.js';
import type { BatchResult, RejectedLine, SubscriberBatchRow, SubscriberExportPage } from '../contracts/imports.js';
import { parseSubscriberCsv } from '../codec/subscriber-csv.js';
import type { SubscriberAddBody, SubscriberImportResult, SubscriberView } from '../contracts/subscribers.js';

/** As stored (the store is the secret-keeping place; nothing here is ever sent out). */
export interface StoredSubscriber {
  imsi: string;
  msisdn: string | null;
  ki: string;
  opc: string;
  opc_source: 'opc' | 'op';
  amf: string;
  /**
   * Decimal string: the provisioned SQN_HE floor (what add/import gave). SQN_HE itself lives in the `sqn`
   * collection; the effective SQN_HE is the larger of the two, so a data directory written before SQN moved
   * out of this record keeps its SQNs.
   */
  sqn: string;
  created_at: number;
  updated_at: number;
  /** Keys sealed under a KEK (src/services/subscriber-keys.ts): then `ki` and `opc` are ''. */
  kek_id?: string;
  keys_sealed?: string;
}

/** The `sqn` collection's record (key = IMSI): SQN_HE as a decimal string, advanced with `update()`. */
export interface SqnRecord {
  sqn: string;
  updated_at: number;
}

export class SubscriberError extends Error {
  override readonly name = 'SubscriberError';
  constructor(readonly code: 'OMNISEP_SUBSCRIBER_INVALID' | 'OMNISEP_SUBSCRIBER_EXISTS' | 'OMNISEP_SUBSCRIBER_NOT_FOUND', message: string) {
    super(message);
  }
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const EXISTS_WITH_OTHER = 'the subscriber exists with other keys or fields (--replace overwrites)';

const maxSqn = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The effective SQN_HE: the provisioned floor or the advanced value, whichever is larger (never backwards). */
export const effectiveSqn = (s: Pick<StoredSubscriber, 'sqn'> | undefined, r: SqnRecord | undefined): bigint =>
  maxSqn(BigInt(s?.sqn ?? '0'), BigInt(r?.sqn ?? '0'));

export const toView = (s: StoredSubscriber, r?: SqnRecord): SubscriberView => ({
  imsi: s.imsi, msisdn: s.msisdn, amf: s.amf, sqn: Number(effectiveSqn(s, r)), opc_source: s.opc_source, created_at: s.created_at,
  updated_at: Math.max(s.updated_at, r?.updated_at ?? 0),
});

export type SubscriberInput = Omit<SubscriberAddBody, 'replace'>;

export class SubscriberService {
  readonly #coll: Collection<StoredSubscriber>;
  readonly #sqn: Collection<SqnRecord>;

  /** KEKs for keys at rest (docs/storage.md § Subscriber keys at rest); the empty ring keeps plain hex. */
  readonly #ring: Keyring;
  readonly #randomBytes: (n: number) => Buffer;

  /** `subscribers.country_code`: how an MSISDN without "+" is read ('' = as E.164 digits); src/util/msisdn.ts. */
  readonly #country: string;

  constructor(store: Store, private readonly clock: Clock = { now: Date.now }, opts: { keyring?: Keyring; randomBytes?: (n: number) => Buffer; countryCode?: string } = {}) {
    this.#ring = opts.keyring ?? EMPTY_KEYRING;
    this.#country = opts.countryCode ?? '';
    this.#randomBytes = opts.randomBytes ?? ((n) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))));
    this.#coll = openCollection<StoredSubscriber>(store, 'subscribers');
    this.#sqn = openCollection<SqnRecord>(store, 'sqn');
  }

  /** One page in IMSI order (keys greater than `after`), at most `limit`. */
  async list(opts: { after?: string; limit?: number } = {}): Promise<SubscriberView[]> {
    const page = await this.#coll.scan({ ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit ?? 1000 });
    return Promise.all(page.map(async ([, s]) => toView(s, await this.#sqn.get(s.imsi))));
  }

  async get(imsi: string): Promise<SubscriberView | undefined> {
    const s = await this.#coll.get(imsi);
    return s ? toView(s, await this.#sqn.get(imsi)) : undefined;
  }

  async has(imsi: string): Promise<boolean> {
    return (await this.#coll.get(imsi)) !== undefined;
  }

  /**
   * The subscribers with this MSISDN (indexed), normalised to E.164 as on input. A record stored before
   * MSISDNs were normalised keeps the string it was given: when the E.164 form finds nothing, the number as
   * given and its digits without "+" are looked up too (each one index lookup, docs/cli.md § MSISDNs).
   */
  async findByMsisdn(msisdn: string): Promise<SubscriberView[]> {
    const n = toE164(msisdn, this.#country);
    const raw = msisdn.trim();
    for (const form of new Set([...(n.ok ? [n.e164] : []), raw, ...(n.ok ? [n.e164.slice(1)] : [])])) {
      const hits = await this.#coll.find('msisdn', form);
      if (hits.length) return Promise.all(hits.map(async (s) => toView(s, await this.#sqn.get(s.imsi))));
    }
    return [];
  }

  count(): Promise<number> {
    return this.#coll.count();
  }

  /** Validates and stores one subscriber; OP is turned into OPc here (TS 35.206 §4.1: OPc = AES_K(OP) ⊕ OP). */
  /**
   * One `update()` of the record: the existence check and the write are one atomic step on every driver, so an
   * add racing an import (or another add) of the same IMSI on any daemon either wins or gets EXISTS.
   */
  async add(input: SubscriberInput, opts: { replace?: boolean } = {}): Promise<SubscriberView> {
    const rec = this.#validate(input);
    const iv = this.#ring.current ? this.#randomBytes(12) : null; // drawn outside the (pure, retryable) update
    const stored = await this.#coll.update<StoredSubscriber | null>(rec.imsi, (old) => {
      if (old && !opts.replace) return { result: null };
      const next = old ? this.#replacing(old, rec) : rec;
      return { result: next, put: this.#sealed(next, iv) };
    });
    if (!stored) throw new SubscriberError('OMNISEP_SUBSCRIBER_EXISTS', `subscriber ${rec.imsi} exists (use replace)`);
    return toView(stored, await this.#sqn.get(rec.imsi));
  }

  /** `rec` replacing `old`: keeps its creation time and never lowers the SQN floor (TS 33.102 Annex C). */
  #replacing(old: StoredSubscriber, rec: StoredSubscriber): StoredSubscriber {
    return { ...rec, created_at: old.created_at, sqn: maxSqn(BigInt(rec.sqn), BigInt(old.sqn ?? '0')).toString() };
  }

  /**
   * Removes the subscriber and its keys. Its SQN_HE record stays: the same SIM added again must not be
   * given an SQN it has seen (TS 33.102 Annex C: never reuse).
   */
  async remove(imsi: string): Promise<boolean> {
    return this.#coll.delete(imsi);
  }

  /** CSV: a header naming the columns (imsi, ki, opc or op required; msisdn, amf, sqn optional). */
  async importCsv(text: string, opts: { replace?: boolean } = {}): Promise<Omit<SubscriberImportResult, 'status'>> {
    const out = { added: 0, replaced: 0, skipped: 0, errors: [] as { line: number; error: string }[] };
    const csv = parseSubscriberCsv(text);
    if (!csv.ok) return { ...out, errors: [{ line: csv.line, error: csv.error }] };
    for (const { line, cells: row } of csv.rows) {
      try {
        const input: SubscriberInput = {
          imsi: row.imsi ?? '', ki: row.ki ?? '',
          ...(row.opc ? { opc: row.opc } : {}), ...(row.op ? { op: row.op } : {}),
          ...(row.amf ? { amf: row.amf } : {}), ...(row.msisdn ? { msisdn: row.msisdn } : {}),
          ...(row.sqn ? { sqn: Number(row.sqn) } : {}),
        };
        const exists = await this.has(input.imsi);
        if (exists && !opts.replace) { out.skipped++; continue; }
        await this.add(input, { replace: true });
        if (exists) out.replaced++;
        else out.added++;
      } catch (err) {
        out.errors.push({ line, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }

  /**
   * Issues the next vector for an IMSI (optionally after a resync). SQN_HE is advanced with one atomic
   * `update` of the `sqn` record (atomic across daemons sharing the store), and the vector is returned only
   * once that is durable, so a crash or a second daemon can never re-issue an SQN. The subscriber record
   * (keys) is only read. Throws AuthVectorError user_unknown / resync_failed.
   */
  async nextVector(imsi: string, rand: Buffer, resync?: { rand: Buffer; auts: Buffer }, opts: { akaPrime?: boolean } = {}): Promise<AuthVector> {
    const s = await this.#coll.get(imsi);
    if (!s) throw new AuthVectorError('user_unknown', `no subscriber ${imsi}`);
    const { ki: k, opc } = this.#keys(s);
    let sqnMs: bigint | undefined;
    if (resync) {
      const r = recoverSqnFromAuts({ k, opc, rand: resync.rand, auts: resync.auts });
      if (!r.ok) throw new AuthVectorError('resync_failed', 'AUTS MAC-S did not verify');
      sqnMs = r.sqnMs;
    }
    const now = this.clock.now();
    const sqn = await this.#sqn.update<bigint>(imsi, (cur) => {
      let base = effectiveSqn(s, cur);
      if (sqnMs !== undefined) base = sqnAfterResync(sqnMs, base);
      const next = nextSqn(base);
      return { result: next, put: { sqn: next.toString(), updated_at: now } };
    });
    return generateVector({ k, opc, amf: opts.akaPrime ? withSeparationBit(s.amf) : Buffer.from(s.amf, 'hex'), sqn, rand });
  }

  // ── Bulk import/export and keys at rest (helper `import`; docs/operations.md § Bulk import and export) ──

  /**
   * One import batch: every row validated on its own (a bad row is rejected by line, never the batch). New IMSIs
   * are written with one `insertMany` (create-if-absent, atomic per key against a concurrent `subscriber add`
   * on any daemon), replacements with one `putMany` — each one durable commit, so no record is half-written. A
   * row equal to the stored record (keys, AMF, MSISDN, SQN floor not raised) is `unchanged`; another one is
   * `exists` unless `replace`, which never lowers the SQN floor. An IMSI that appeared between the read and the
   * insert is judged again against what is now stored. `dryRun` checks the same and writes nothing.
   */
  async applyBatch(rows: readonly SubscriberBatchRow[], opts: { replace?: boolean; dryRun?: boolean } = {}): Promise<Omit<BatchResult, 'status'>> {
    const out = { dry_run: Boolean(opts.dryRun), added: 0, replaced: 0, unchanged: 0, rejected: [] as RejectedLine[] };
    const olds = await Promise.all(rows.map((r) => (/^[0-9]{15}$/.test(r.imsi) ? this.#coll.get(r.imsi) : Promise.resolve(undefined))));
    const puts: Array<[string, StoredSubscriber]> = [];
    const inserts: Array<[string, StoredSubscriber]> = [];
    const fresh = new Map<string, { line: number; rec: StoredSubscriber }>();
    const inBatch = new Set<string>();
    const same = (old: StoredSubscriber, rec: StoredSubscriber) =>
      old.amf === rec.amf && this.#sameMsisdn(old.msisdn, rec.msisdn) && BigInt(rec.sqn) <= BigInt(old.sqn ?? '0') && sameKeys(old, rec, this.#ring);
    rows.forEach((row, i) => {
      const reject = (code: RejectedLine['code'], error: string) => void out.rejected.push({ line: row.line, code, error });
      let rec: StoredSubscriber;
      try {
        if (row.sqn !== undefined && !/^[0-9]{1,15}$/.test(row.sqn)) throw new SubscriberError('OMNISEP_SUBSCRIBER_INVALID', 'sqn must be an integer from 0 to 2^48-1');
        const { line: _line, sqn, ...fields } = row;
        rec = this.#validate({ ...fields, ...(sqn !== undefined ? { sqn: Number(sqn) } : {}) });
      } catch (err) {
        return reject('invalid', err instanceof Error ? err.message : String(err));
      }
      if (inBatch.has(rec.imsi)) return reject('duplicate', 'the IMSI is twice in one batch');
      inBatch.add(rec.imsi);
      const old = olds[i];
      if (old) {
        if (same(old, rec)) return void out.unchanged++;
        if (!opts.replace) return reject('exists', EXISTS_WITH_OTHER);
        out.replaced++;
        puts.push([rec.imsi, opts.dryRun ? rec : this.#sealed(this.#replacing(old, rec))]);
        return;
      }
      out.added++;
      fresh.set(rec.imsi, { line: row.line, rec });
      inserts.push([rec.imsi, opts.dryRun ? rec : this.#sealed(rec)]);
    });
    if (opts.dryRun) return out;
    if (puts.length) await this.#coll.putMany(puts);
    const conflicts = inserts.length ? await this.#coll.insertMany(inserts) : [];
    for (const imsi of conflicts) {
      // Added by someone else since the read: judged again, and with --replace replaced atomically.
      const { line, rec } = fresh.get(imsi)!;
      out.added--;
      const iv = this.#ring.current ? this.#randomBytes(12) : null;
      const verdict = await this.#coll.update<'unchanged' | 'exists' | 'replaced' | 'added'>(imsi, (cur) => {
        if (!cur) return { result: 'added', put: this.#sealed(rec, iv) };
        if (same(cur, rec)) return { result: 'unchanged' };
        if (!opts.replace) return { result: 'exists' };
        return { result: 'replaced', put: this.#sealed(this.#replacing(cur, rec), iv) };
      });
      if (verdict === 'exists') out.rejected.push({ line, code: 'exists', error: EXISTS_WITH_OTHER });
      else out[verdict]++;
    }
    if (conflicts.length) out.rejected.sort((a, b) => a.line - b.line);
    return out;
  }

  /** One export page in IMSI order; Ki/OPc (opened from their seal) only with `withKeys`. SQN is SQN_HE. */
  async exportPage(after: string | undefined, limit: number, opts: { withKeys?: boolean } = {}): Promise<SubscriberExportPage> {
    const page = await this.#coll.scan({ ...(after ? { after } : {}), limit });
    const rows = await Promise.all(page.map(async ([, s]) => {
      const row: SubscriberExportPage['rows'][number] = { imsi: s.imsi, msisdn: s.msisdn, amf: s.amf, sqn: effectiveSqn(s, await this.#sqn.get(s.imsi)).toString() };
      if (opts.withKeys) {
        const k = recordKeys(s, this.#ring);
        row.ki = k.ki.reveal().toString('hex');
        row.opc = k.opc.reveal().toString('hex');
      }
      return row;
    }));
    return { rows, next: page.length === limit ? page[page.length - 1]![0] : null };
  }

  /**
   * Reseal one page (IMSI order) under the current KEK — or back to plain hex without one — each record with
   * one atomic `update`, so a concurrent write is never lost. The IV is drawn outside the (pure, retryable)
   * update function; a retry reuses it only for a seal that is then thrown away.
   */
  async rekeyPage(after: string | undefined, limit: number): Promise<{ kek_id: string | null; resealed: number; unchanged: number; next: string | null }> {
    const page = await this.#coll.scan({ ...(after ? { after } : {}), limit });
    let resealed = 0;
    let unchanged = 0;
    for (const [imsi, s] of page) {
      if (!needsReseal(s, this.#ring)) {
        unchanged++;
        continue;
      }
      const iv = this.#randomBytes(12);
      const done = await this.#coll.update<boolean>(imsi, (cur) =>
        cur && needsReseal(cur, this.#ring) ? { result: true, put: storedForm(cur, this.#ring, () => iv) } : { result: false });
      if (done) resealed++;
      else unchanged++;
    }
    return { kek_id: this.#ring.current?.id ?? null, resealed, unchanged, next: page.length === limit ? page[page.length - 1]![0] : null };
  }

  /** The record as stored: sealed under the current KEK when there is one (with `iv`, else a fresh one). */
  #sealed(rec: StoredSubscriber, iv: Buffer | null = null): StoredSubscriber {
    return this.#ring.current ? storedForm(rec, this.#ring, () => iv ?? this.#randomBytes(12)) : rec;
  }

  /** Ki and OPc of a stored record; a KEK problem is an `unavailable` back-end, its message names the KEK ids. */
  #keys(s: StoredSubscriber): { ki: Secret<Buffer>; opc: Secret<Buffer> } {
    try {
      return recordKeys(s, this.#ring);
    } catch (err) {
      if (err instanceof KeyWrapError) throw new AuthVectorError('unavailable', `${err.code}: ${err.message}`);
      throw err;
    }
  }

  /** A record stored before normalisation counts as the same number as its E.164 form (a re-import is `unchanged`). */
  #sameMsisdn(stored: string | null, given: string | null): boolean {
    if (stored === given) return true;
    if (stored === null || given === null) return false;
    const n = toE164(stored, this.#country);
    return n.ok && n.e164 === given;
  }

  #validate(i: SubscriberInput): StoredSubscriber {
    const bad = (m: string): never => { throw new SubscriberError('OMNISEP_SUBSCRIBER_INVALID', m); };
    if (!/^[0-9]{15}$/.test(i.imsi ?? '')) bad(`imsi must be 15 digits`);
    if (!HEX32.test(i.ki ?? '')) bad('ki must be 32 hex digits');
    if (i.opc !== undefined && !HEX32.test(i.opc)) bad('opc must be 32 hex digits');
    if (i.op !== undefined && !HEX32.test(i.op)) bad('op must be 32 hex digits');
    if (i.opc === undefined && i.op === undefined) bad('give opc or op');
    if (i.opc !== undefined && i.op !== undefined) bad('give opc or op, not both');
    const amf = i.amf ?? '8000';
    if (!/^[0-9a-fA-F]{4}$/.test(amf)) bad('amf must be 4 hex digits');
    const sqn = i.sqn ?? 0;
    if (!Number.isSafeInteger(sqn) || sqn < 0 || BigInt(sqn) > SQN_MAX) bad('sqn must be an integer from 0 to 2^48-1');
    let msisdn: string | null = null;
    if (i.msisdn !== undefined) {
      const n = toE164(i.msisdn, this.#country);
      if (!n.ok) bad(`msisdn ${n.error}`);
      else msisdn = n.e164;
    }
    const ki = i.ki.toLowerCase();
    const opc = i.opc ? i.opc.toLowerCase() : computeOpc(Buffer.from(ki, 'hex'), Buffer.from(i.op!, 'hex')).toString('hex');
    const now = this.clock.now();
    return {
      imsi: i.imsi, msisdn, ki, opc, opc_source: i.opc ? 'opc' : 'op', amf: amf.toLowerCase(),
      sqn: String(sqn), created_at: now, updated_at: now,
    };
  }
}

/**
 * RFC 5448 §3 and TS 33.402 §6.2: a vector for EAP-AKA' carries the AMF separation bit (bit 0, the most
 * significant) set to 1, whatever AMF is stored, and the peer refuses one without it. The stored AMF is
 * left as it is for EAP-AKA.
 */
export function withSeparationBit(amfHex: string): Buffer {
  const amf = Buffer.from(amfHex, 'hex');
  amf[0] = amf[0]! | 0x80;
  return amf;
}

/** The `local` back-end: Milenage vectors from the subscriber store. */
export class LocalVectorSource implements AuthVectorSource {
  constructor(private readonly subscribers: SubscriberService, private readonly randomBytes: (n: number) => Buffer) {}

  getVector(req: AuthVectorRequest): Promise<AuthVector> {
    return this.subscribers.nextVector(req.imsi, this.randomBytes(16), req.resync, { akaPrime: req.variant === 'aka-prime' });
  }
}
