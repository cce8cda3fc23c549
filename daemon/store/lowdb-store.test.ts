import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLowdbStore } from './lowdb-store.js';
import { StoreCorruptError, StoreLockedError } from './errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omnisep-store-'));

test('put is durable on disk when it resolves; reopen reads it back', async () => {
  const dir = tmp();
  const s = await createLowdbStore({ dataDir: dir, activity: { retentionIntervalMs: 0 } });
  const c = s.collection<{ v: number }>('entitlements');
  await Promise.all(Array.from({ length: 100 }, (_, i) => c.put(`k${i}`, { v: i })));
  const onDisk = JSON.parse(readFileSync(join(dir, 'db', 'entitlements.json'), 'utf8'));
  assert.equal(Object.keys(onDisk.items).length, 100, 'every resolved put is in the file');
  assert.equal(await c.delete('k5'), true);
  assert.equal(await c.delete('k5'), false);
  await s.close();
  const again = await createLowdbStore({ dataDir: dir, activity: { retentionIntervalMs: 0 } });
  const c2 = again.collection<{ v: number }>('entitlements');
  assert.equal(await c2.count(), 99);
  assert.deepEqual((await c2.get('k42')), { v: 42 });
  assert.equal(await c2.get('k5'), undefined);
  assert.ok(readdirSync(join(dir, 'db')).every((f) => !f.endsWith('.tmp')), 'no temp files left');
  await again.close();
});

test('a truncated or empty collection file refuses to open, naming the file and the recovery', async () => {
  for (const damage of [(t: string) => t.slice(0, Math.floor(t.length / 2)), () => '', () => '[]']) {
    const dir = tmp();
    const s = await createLowdbStore({ dataDir: dir, activity: { retentionIntervalMs: 0 } });
    await s.collection('entitlements').put('001010000000001', { imsi: '001010000000001' });
    await s.close();
    const file = join(dir, 'db', 'entitlements.json');
    writeFileSync(file, damage(readFileSync(file, 'utf8')));
    await assert.rejects(createLowdbStore({ dataDir: dir }), (e: unknown) => {
      assert.ok(e instanceof StoreCorruptError, String(e));
      assert.ok(e.message.includes(file));
      assert.match(e.message, /Recovery: .*mv '/);
      return true;
    });
  }
});

test('a leftover temp file from a crash mid-write is ignored and removed', async () => {
  const dir = tmp();
  const s = await createLowdbStore({ dataDir: dir, activity: { retentionIntervalMs: 0 } });
  await s.collection('tokens').put('a', { x: 1 });
  await s.close();
  writeFileSync(join(dir, 'db', '.tokens.json.999.1.tmp'), '{"format":1,"items":{"b"');
  const again = await createLowdbStore({ dataDir: dir, activity: { retentionIntervalMs: 0 } });
  assert.deepEqual((await again.collection('tokens').scan()).map(([k]) => k), ['a']);
  assert.ok(!existsSync(join(dir, 'db', '.tokens.json.999.1.tmp')));
  await again.close();
});

test('a data dir held by a live daemon is refused; a dead holder is taken over', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'omnisep.lock'), `${process.ppid}\n`); // a live process that is not us
  await assert.rejects(createLowdbStore({ dataDir: dir }), StoreLockedError);
  writeFileSync(join(dir, 'omnisep.lock'), '999999999\n'); // no such pid
  const s = await createLowdbStore({ dataDir: dir, activity: { retentionIntervalMs: 0 } });
  assert.equal(readFileSync(join(dir, 'omnisep.lock'), 'utf8').trim(), String(process.pid));
  await s.close();
  assert.ok(!existsSync(join(dir, 'omnisep.lock')));
});
