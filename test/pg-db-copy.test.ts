/**
 * `omnisep db copy`, run as the real CLI process against a real PostgreSQL 15
 * (test/pg-cluster.ts) and the embedded driver's data directory: PostgreSQL → data dir → PostgreSQL keeps
 * every record of every collection (keys included) and the activity log in order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgStore } from '../daemon/store/pg/pg-store.js';
import { COLLECTIONS, openCollection, type CollectionId } from '../src/store/collections.js';
import type { Store } from '../src/ports.js';
import { parseJson, runCli } from './cli-harness.js';
import { startPgCluster, PG_PASSWORD, type PgCluster } from './pg-cluster.js';
import { activityRecord } from './pg-conformance.js';

let cluster: PgCluster;
const dirs: string[] = [];
before(async () => { cluster = await startPgCluster(); }, { timeout: 300_000 });
after(async () => {
  await cluster?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function dump(s: Store): Promise<Record<string, Array<[string, unknown]>>> {
  const out: Record<string, Array<[string, unknown]>> = {};
  for (const name of Object.keys(COLLECTIONS) as CollectionId[]) {
    const c = openCollection(s, name);
    const all: Array<[string, unknown]> = [];
    for (let after: string | undefined; ;) {
      const page = await c.scan({ after, limit: 1000 });
      if (!page.length) break;
      all.push(...page);
      after = page[page.length - 1]![0];
    }
    out[name] = all;
  }
  return out;
}

let data = '';
let dst = '';

// Four CLI runs on a shared 2-core host: a bound well above the ≈ 45 s this takes alone.
test('db copy: PostgreSQL → data directory → PostgreSQL keeps every record and the activity log', { timeout: 600_000 }, async () => {
  const src = await cluster.createDatabase('copy_src');
  const s = await createPgStore({ url: src, nodeName: 'site-a' });
  const imsi = (i: number) => `0010100${String(i).padStart(8, '0')}`;
  try {
    await openCollection(s, 'subscribers').putMany(Array.from({ length: 2500 }, (_, i) =>
      [imsi(i), { imsi: imsi(i), msisdn: `+1555${i}`, ki: `ki-${i}`.padEnd(32, '0'), opc: `opc-${i}`.padEnd(32, '0'), amf: '8000' }] as const));
    await openCollection(s, 'sqn').putMany(Array.from({ length: 100 }, (_, i) => [imsi(i), { sqn: String(1000 + i) }] as const));
    await openCollection(s, 'entitlements').put(imsi(1), { ap2003: { entitlement_status: 0 } });
    await openCollection(s, 'xcap_profiles').put(imsi(2), { imsi: imsi(2), etag: 'e1', xml: '<simservs/>' });
    await openCollection(s, 'tokens').put('tok1', { imsi: imsi(3), binding: 'b1', expires_at: 1 });
    for (let i = 0; i < 1200; i += 200)
      await Promise.all(Array.from({ length: 200 }, (_, k) => s.activity.append(activityRecord(`act-${String(i + k).padStart(5, '0')}`, { imsi: imsi((i + k) % 7), timestamp: new Date(Date.now() - 100_000 + i + k).toISOString() }))));
  } finally {
    await s.close();
  }
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-copy-'));
  dirs.push(dir);
  data = join(dir, 'data');
  const r1 = await runCli(['db', 'copy', '--from', src, '--to', data, '--batch', '500', '--json'], { timeoutMs: 300_000 });
  assert.equal(r1.code, 0, r1.stderr);
  const b1 = parseJson<{ collections: Array<{ name: string; records: number }>; activity_records: number; from: string }>(r1);
  assert.deepEqual(Object.fromEntries(b1.collections.map((c) => [c.name, c.records])),
    { subscribers: 2500, sqn: 100, entitlements: 1, xcap_profiles: 1, websheet: 0, websheet_grants: 0, sh_repository: 0, tokens: 1, sessions: 0, eap_state: 0, vvm_accounts: 0, vvm_mailboxes: 0, vvm_messages: 0, vvm_sms_outbox: 0 });
  assert.equal(b1.activity_records, 1200);
  assert.ok(!r1.stdout.includes(PG_PASSWORD), 'the summary shows the URL without its password');

  dst = await cluster.createDatabase('copy_dst');
  const r2 = await runCli(['db', 'copy', '--from', data, '--to', dst], { timeoutMs: 300_000 });
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /copied .* 2603 records, 1200 activity records/);

  const a = await createPgStore({ url: src });
  const b = await createPgStore({ url: dst });
  try {
    assert.deepEqual(await dump(b), await dump(a), 'every collection, key and value');
    const pa = await a.activity.query({ limit: 2000 });
    const pb = await b.activity.query({ limit: 2000 });
    assert.equal(pb.total, 1200);
    assert.deepEqual(pb.records.map((r) => r.id), pa.records.map((r) => r.id), 'activity in the same newest-first order');
    assert.deepEqual(pb.records.map((r) => (r as { node?: string }).node), pa.records.map(() => 'site-a'), 'the origin daemon is kept');
  } finally {
    await a.close();
    await b.close();
  }

});

test('db copy refuses a target that holds data unless --force; the same store on both sides is a usage error', { timeout: 600_000 }, async () => {
  const r3 = await runCli(['db', 'copy', '--from', data, '--to', dst]);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /already holds data \(2500 subscribers, .*1200 activity records\).*--force/s);
  const r4 = await runCli(['db', 'copy', '--from', data, '--to', dst, '--force', '--json'], { timeoutMs: 300_000 });
  assert.equal(r4.code, 0, r4.stderr);
  const r5 = await runCli(['db', 'copy', '--from', dst, '--to', dst]);
  assert.equal(r5.code, 2, 'the same store on both sides is a usage error');
});
