/**
 * A database restart under load with two daemons on one PostgreSQL database (test/pg-daemons.ts): only 200 or
 * 503 + Retry-After is answered, /health answers 503 in the gap, no daemon crashes, service resumes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDaemon } from './daemon-helpers.js';
import type { PgCluster } from './pg-cluster.js';
import { pub, startTwoDaemons, type TwoDaemons } from './pg-daemons.js';
import { ANDROID_UA, SIM1 } from './ts43-harness.js';

let two: TwoDaemons;
let cluster: PgCluster;
let A: TestDaemon;
let B: TestDaemon;
before(async () => { two = await startTwoDaemons(); ({ cluster, A, B } = two); }, { timeout: 300_000 });
after(async () => { await two?.stop(); });

test('a database restart under load: 503 with Retry-After in the gap, no crash, service resumes', { timeout: 600_000 }, async () => {
  let stop = false;
  const seen = new Map<number, number>();
  let retryAfter = 0;
  const worker = async (d: TestDaemon) => {
    while (!stop) {
      try {
        const r = await fetch(`${pub(d)}?EAP_ID=0${SIM1.imsi}%40nai.epc.mnc001.mcc001.3gppnetwork.org&terminal_id=t&app=ap2004&entitlement_version=2`, { headers: { 'user-agent': ANDROID_UA } });
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        if (r.status === 503 && r.headers.get('retry-after')) retryAfter++;
        await r.arrayBuffer();
      } catch (e) {
        seen.set(-1, (seen.get(-1) ?? 0) + 1);
        throw e;
      }
    }
  };
  const until = async (what: string, ok: () => boolean) => {
    const end = Date.now() + 60_000;
    while (!ok()) { if (Date.now() > end) throw new Error(`timed out: ${what} (${JSON.stringify([...seen])})`); await new Promise((r) => setTimeout(r, 20)); }
  };
  const workers = [worker(A), worker(B), worker(A), worker(B)];
  try {
    await until('200s before the restart', () => (seen.get(200) ?? 0) >= 20);
    await cluster.stop('fast');
    await until('503s with Retry-After while the database is down', () => retryAfter >= 20);
    const health = await fetch(`${pub(A)}health`);
    assert.equal(health.status, 503, 'health reports the store down');
    await cluster.start();
    const ok = seen.get(200)!;
    await until('200s after the restart', () => (seen.get(200) ?? 0) >= ok + 20);
  } finally {
    stop = true;
    await Promise.allSettled(workers);
  }
  assert.equal(seen.get(-1), undefined, 'no connection ever failed: the daemons stayed up');
  assert.deepEqual([...seen.keys()].sort(), [200, 503], `only 200 and 503 were answered: ${JSON.stringify([...seen])}`);
  assert.equal((await A.call('GET', '/api/status')).status, 200);
  assert.equal((await B.call('GET', '/api/status')).status, 200);
});
