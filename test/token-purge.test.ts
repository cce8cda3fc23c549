/**
 * The token purge on the store users run (src/services/tokens.ts § #purge): an expiry minute holding more tokens than
 * one page, read and dropped a page at a time; a restart walks the minutes since the store's last walk; a store
 * without that record is scanned once, page by page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { openCollection } from '../src/store/collections.js';
import { TokenService, type BindingRecord, type TokenRecord } from '../src/services/tokens.js';
import type { DaemonEvent } from '../src/contracts/events.js';

test('purge: a minute of many tokens, over several pages, on the embedded store; the part of the minute still to come stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-purge-'));
  const store = await createEmbeddedStore({ dataDir: dir });
  try {
    let now = 1_700_000_040_000; // a minute's first second
    const events: DaemonEvent[] = [];
    const make = () => new TokenService({ store, clock: { now: () => now }, random: { bytes: (n) => randomBytes(n), uuid: () => randomUUID() }, events: { emit: (e) => events.push(e) }, signingSecret: 'test-secret-0123456789', validitySeconds: 3600 });
    const svc = make();
    assert.equal(await svc.purgeExpired(), 0);
    const issue = (from: number, n: number) => Promise.all(Array.from({ length: n }, (_, i) => svc.issue({ imsi: String(1010000000000 + from + i).padStart(15, '0'), terminal_id: `t${from + i}`, app_name: 'ap2004', auth_method: 'EAP-AKA' })));
    const early = await issue(0, 700);
    now += 30_000;
    const late = await issue(700, 300);
    assert.equal(new Set([...early, ...late].map((t) => t.record.expires_slot)).size, 1, 'one expiry minute');
    const coll = openCollection<TokenRecord>(store, 'tokens');
    const bindings = openCollection<BindingRecord>(store, 'token_bindings');
    // One early token's binding record names another token by the time of the purge (a newer one took it over): it stays.
    const taken = early[0]!.record.binding;
    await bindings.put(taken, { ...(await bindings.get(taken))!, token_id: randomUUID() });
    now += 3600_000 - 30_000 + 10_000; // the early ones expired 10 s ago, the late ones expire in 20 s
    assert.equal(await svc.purgeExpired(), 700, 'the early tokens, three pages of the minute');
    assert.equal(await coll.count(), 300);
    assert.equal(await bindings.count(), 301, "each dropped token's binding record went with it, but the one naming another token");
    assert.ok(await bindings.get(taken));
    await bindings.delete(taken);
    assert.equal(events.filter((e) => e.kind === 'token' && e.change === 'expired').length, 700, 'one event per dropped token');
    for (const t of late) assert.ok(await coll.get(t.record.token_id));
    now += 30_000;
    assert.equal(await svc.purgeExpired(), 300, 'the minute walked again: the late tokens');
    assert.equal(await coll.count(), 0);
    // A restarted daemon walks the minutes since the last walk of the store (job_progress), no scan: a record
    // without an expiry minute (from a build before it) is not found that way.
    const progress = openCollection<{ walked_up_to: number }>(store, 'job_progress');
    const walked = (await progress.get('tokens.purge'))!.walked_up_to;
    assert.equal(walked, Math.floor(now / 60_000) - 1, 'the last minute walked, kept in the store');
    await issue(2000, 600);
    const { expires_slot: _s, ...legacy } = { ...(await coll.get((await coll.scan({ limit: 1 }))[0]![0]))!, token_id: randomUUID() };
    await coll.put(legacy.token_id, legacy);
    now += 3600_000 + 60_000;
    assert.equal(await make().purgeExpired(), 600, 'the minutes it was down for, walked');
    assert.deepEqual((await coll.scan()).map(([k]) => k), [legacy.token_id]);
    assert.ok((await progress.get('tokens.purge'))!.walked_up_to > walked, 'advanced');
    // With no progress record (a store from before it), the first purge pages through every token, once.
    await progress.delete('tokens.purge');
    assert.equal(await make().purgeExpired(), 1, 'the scan finds the record no minute names');
    assert.equal(await coll.count(), 0);
    assert.equal(await bindings.count(), 0);
    // A record over a week old is not walked minute by minute: the purge scans instead.
    const three = await issue(3000, 3);
    await coll.put(legacy.token_id, { ...legacy, expires_at: three[0]!.record.expires_at });
    now += 8 * 86_400_000;
    assert.equal(await make().purgeExpired(), 4, 'the three, and the record no minute names: a scan');
    assert.equal(await coll.count(), 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
