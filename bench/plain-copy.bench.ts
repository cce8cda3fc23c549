/**
 * What the volatile collections' copies cost (src/store/plain-copy.ts; docs/performance.md § Tenth round): an
 * in-process microbenchmark, no daemon and no store — a figure of the copy alone, not of any request.
 *
 *   npx tsc && node dist/bench/plain-copy.bench.js [--rounds 4] [--n 20000]
 *
 * Cases: one SIM's per-IMSI EAP slot record with 32 sessions in flight (a map keyed by session ids, new keys on
 * every claim), the same shape with the same 32 keys every time, and a session-sized record of fixed keys; each
 * copied with `plainCopy` and with a JSON round trip (what the collections did before the ninth round), and a
 * claim + release cycle of the slot record as the collection runs it (copy out, `claimSlot`/`releaseSlot`, copy in).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { plainCopy } from '../src/store/plain-copy.js';
import { claimSlot, releaseSlot, type ImsiSlots } from '../src/services/eap-auth/limits.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '4' }, n: { type: 'string', default: '20000' } } });
const N = Number(values.n);
const ROUNDS = Number(values.rounds);

const slots = (unique: boolean): ImsiSlots => {
  const live: Record<string, number> = {};
  for (let i = 0; i < 32; i++) live[unique ? randomUUID() : `session-${i}`] = 1e12 + i;
  return { kind: 'imsi', live };
};
const session = () => ({
  session_id: randomUUID(), imsi: '001010000000001', state: 'challenge', created_at: Date.now(), eap_id: 2, aaa_session_id: 'omnisep;1;2',
  completed_at: null, backend: 'swm', terminal_id: '356938035643809', app_ids: ['ap2004', 'ap2003'], failure_reason: null,
});

/** µs per call of `f` over `inputs` (each input once). */
function time<T>(inputs: T[], f: (x: T) => unknown): number {
  const t0 = process.hrtime.bigint();
  for (const x of inputs) f(x);
  return Number(process.hrtime.bigint() - t0) / inputs.length / 1000;
}

/** Claim + release cycles of one slot record kept as an object, 32 sessions in flight, copies as VolatileCollection makes them. */
function cycles(n: number): number {
  let stored: ImsiSlots | undefined;
  const inflight: string[] = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const r = claimSlot(stored === undefined ? undefined : plainCopy(stored), id, 1e15, 1000, 100_000);
    stored = plainCopy(r.next);
    inflight.push(id);
    if (inflight.length > 32) {
      const next = releaseSlot(plainCopy(stored), inflight.shift()!, 1000);
      stored = next ? plainCopy(next) : undefined;
    }
  }
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
const rows = new Map<string, number[]>();
const add = (k: string, us: number) => { if (!rows.has(k)) rows.set(k, []); rows.get(k)!.push(us); };
for (let r = 0; r < ROUNDS; r++) {
  const uniq = Array.from({ length: N }, () => slots(true));
  const same = Array.from({ length: N }, () => slots(false));
  const sess = Array.from({ length: N }, session);
  add('slot record, 32 new session ids\tplainCopy', time(uniq, plainCopy));
  add('slot record, 32 new session ids\tJSON round trip', time(uniq, json));
  add('slot record, the same 32 keys\tplainCopy', time(same, plainCopy));
  add('slot record, the same 32 keys\tJSON round trip', time(same, json));
  add('session record (11 fixed keys)\tplainCopy', time(sess, plainCopy));
  add('session record (11 fixed keys)\tJSON round trip', time(sess, json));
  add('slot claim + release with its four copies\tplainCopy', cycles(N));
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
console.log(`plain-copy bench: in-process, no daemon, no store; ${ROUNDS} rounds of ${N} inputs, node ${process.version}, ${new Date().toISOString()}\n`);
console.log('| case | copy | µs per call (median of rounds) |');
console.log('|---|---|---:|');
for (const [k, xs] of rows) { const [c, how] = k.split('\t'); console.log(`| ${c} | ${how} | ${med(xs).toFixed(2)} |`); }
