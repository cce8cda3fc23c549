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

  constructor(store: Store, private readonly clock: Clock = { now: Date.now }) {
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

  /** The subscribers with this MSISDN (indexed). */
  async findByMsisdn(msisdn: string): Promise<SubscriberView[]> {
    const hits = await this.#coll.find('msisdn', msisdn);
    return Promise.all(hits.map(async (s) => toView(s, await this.#sqn.get(s.imsi))));
  }

  count(): Promise<number> {
    return this.#coll.count();
  }

  /** Validates and stores one subscriber; OP is turned into OPc here (TS 35.206 §4.1: OPc = AES_K(OP) ⊕ OP). */
  async add(input: SubscriberInput, opts: { replace?: boolean } = {}): Promise<SubscriberView> {
    const rec = this.#validate(input);
    const old = await this.#coll.get(rec.imsi);
    if (old && !opts.replace) throw new SubscriberError('OMNISEP_SUBSCRIBER_EXISTS', `subscriber ${rec.imsi} exists (use replace)`);
    if (old) {
      rec.created_at = old.created_at;
      // A replace never lowers the floor: SQN_HE must not go backwards (TS 33.102 Annex C).
      rec.sqn = maxSqn(BigInt(rec.sqn), BigInt(old.sqn ?? '0')).toString();
    }
    await this.#coll.put(rec.imsi, rec);
    return toView(rec, await this.#sqn.get(rec.imsi));
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
  async nextVector(imsi: string, rand: Buffer, resync?: { rand: Buffer; auts: Buffer }): Promise<AuthVector> {
    const s = await this.#coll.get(imsi);
    if (!s) throw new AuthVectorError('user_unknown', `no subscriber ${imsi}`);
    const k = new Secret(Buffer.from(s.ki, 'hex'));
    const opc = new Secret(Buffer.from(s.opc, 'hex'));
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
    return generateVector({ k, opc, amf: Buffer.from(s.amf, 'hex'), sqn, rand });
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
