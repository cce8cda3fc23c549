/**
 * The local subscriber store (EAP-AKA.md § back-ends, `local`): IMSI, MSISDN,
 * Ki, OPc (or OP, turned into OPc on entry), AMF and SQN_HE, kept in
 * `Store.collection('subscribers')`. Keys live only here: they are handed to
 * Milenage inside this module as Secret<Buffer> and never returned.
 *
 * LocalVectorSource implements AuthVectorSource: each vector takes the next
 * SQN (SEQ‖IND, TS 33.102 Annex C, src/aka/sqn.ts) and is returned only once
 * the new SQN_HE is durable, so a crash can never re-issue an SQN. A resync
 * (AUTS) is verified with f1* and moves SQN_HE to SQN_MS (TS 33.102 §6.3.5).
 */
import { computeOpc, generateVector, recoverSqnFromAuts } from '../crypto/milenage.js';
import { nextSqn, sqnAfterResync, SQN_MAX } from '../aka/sqn.js';
import type { AuthVector } from '../aka/types.js';
import { AuthVectorError, type AuthVectorRequest, type AuthVectorSource, type Clock, type Collection, type Store } from '../ports.js';
import { Secret } from '../util/secret.js';
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
  /** Decimal string: SQN_HE as a 48-bit integer. */
  sqn: string;
  created_at: number;
  updated_at: number;
}

export class SubscriberError extends Error {
  override readonly name = 'SubscriberError';
  constructor(readonly code: 'OMNISEP_SUBSCRIBER_INVALID' | 'OMNISEP_SUBSCRIBER_EXISTS' | 'OMNISEP_SUBSCRIBER_NOT_FOUND', message: string) {
    super(message);
  }
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

export const toView = (s: StoredSubscriber): SubscriberView => ({
  imsi: s.imsi, msisdn: s.msisdn, amf: s.amf, sqn: Number(s.sqn), opc_source: s.opc_source, created_at: s.created_at, updated_at: s.updated_at,
});

export type SubscriberInput = Omit<SubscriberAddBody, 'replace'>;

export class SubscriberService {
  readonly #coll: Collection<StoredSubscriber>;
  /** Per-IMSI chain: SQN read-advance-write never interleaves for one subscriber. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(store: Store, private readonly clock: Clock = { now: Date.now }) {
    this.#coll = store.collection<StoredSubscriber>('subscribers');
  }

  list(): SubscriberView[] {
    return this.#coll.values().map(toView).sort((a, b) => a.imsi.localeCompare(b.imsi));
  }

  get(imsi: string): SubscriberView | undefined {
    const s = this.#coll.get(imsi);
    return s ? toView(s) : undefined;
  }

  has(imsi: string): boolean {
    return this.#coll.has(imsi);
  }

  get size(): number {
    return this.#coll.size;
  }

  /** Validates and stores one subscriber; OP is turned into OPc here (TS 35.206 §4.1: OPc = AES_K(OP) ⊕ OP). */
  async add(input: SubscriberInput, opts: { replace?: boolean } = {}): Promise<SubscriberView> {
    const rec = this.#validate(input);
    const old = this.#coll.get(rec.imsi);
    if (old && !opts.replace) throw new SubscriberError('OMNISEP_SUBSCRIBER_EXISTS', `subscriber ${rec.imsi} exists (use replace)`);
    if (old) rec.created_at = old.created_at;
    await this.#coll.put(rec.imsi, rec);
    return toView(rec);
  }

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
        const exists = this.#coll.has(input.imsi);
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
   * Issues the next vector for an IMSI (optionally after a resync), persisting SQN_HE first.
   * Throws AuthVectorError user_unknown / resync_failed.
   */
  async nextVector(imsi: string, rand: Buffer, resync?: { rand: Buffer; auts: Buffer }): Promise<AuthVector> {
    return this.#withLock(imsi, async () => {
      const s = this.#coll.get(imsi);
      if (!s) throw new AuthVectorError('user_unknown', `no subscriber ${imsi}`);
      const k = new Secret(Buffer.from(s.ki, 'hex'));
      const opc = new Secret(Buffer.from(s.opc, 'hex'));
      let sqn = BigInt(s.sqn);
      if (resync) {
        const r = recoverSqnFromAuts({ k, opc, rand: resync.rand, auts: resync.auts });
        if (!r.ok) throw new AuthVectorError('resync_failed', 'AUTS MAC-S did not verify');
        sqn = sqnAfterResync(r.sqnMs, sqn);
      }
      sqn = nextSqn(sqn);
      const vector = generateVector({ k, opc, amf: Buffer.from(s.amf, 'hex'), sqn, rand });
      await this.#coll.put(imsi, { ...s, sqn: sqn.toString(), updated_at: this.clock.now() });
      return vector;
    });
  }

  #withLock<T>(imsi: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(imsi) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(imsi, tail);
    void tail.then(() => { if (this.#locks.get(imsi) === tail) this.#locks.delete(imsi); });
    return run;
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
    if (i.msisdn !== undefined && !/^\+?[0-9]{3,15}$/.test(i.msisdn)) bad('msisdn must be 3 to 15 digits');
    const ki = i.ki.toLowerCase();
    const opc = i.opc ? i.opc.toLowerCase() : computeOpc(Buffer.from(ki, 'hex'), Buffer.from(i.op!, 'hex')).toString('hex');
    const now = this.clock.now();
    return {
      imsi: i.imsi, msisdn: i.msisdn ?? null, ki, opc, opc_source: i.opc ? 'opc' : 'op', amf: amf.toLowerCase(),
      sqn: String(sqn), created_at: now, updated_at: now,
    };
  }
}

/** The `local` back-end: Milenage vectors from the subscriber store. */
export class LocalVectorSource implements AuthVectorSource {
  constructor(private readonly subscribers: SubscriberService, private readonly randomBytes: (n: number) => Buffer) {}

  getVector(req: AuthVectorRequest): Promise<AuthVector> {
    return this.subscribers.nextVector(req.imsi, this.randomBytes(16), req.resync);
  }
}
