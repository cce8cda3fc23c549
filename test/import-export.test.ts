/**
 * `subscriber export` (keys only with --with-keys, control socket only) and `entitlement import|export`
 * through the real CLI against real daemons, with their round trips.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, runCli } from './cli-harness.js';
import type { ImportSummary } from '../src/cli/bulk-import.js';
import { KI, KI2, OPC, KEK_A, imsi, root, daemonAt, freshDir, cliOn, subs, type D } from './import-helpers.js';

let d: D;
before(async () => {
  d = await daemonAt(freshDir());
});
after(async () => {
  await d?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('subscriber export: no keys without --with-keys; with it a warning and a 0600 file; export → import → export round-trips', async () => {
  const csv = join(root, 'export-src.csv');
  writeFileSync(csv, `imsi,ki,opc,msisdn,sqn\n${imsi(1)},${KI},${OPC},+15550001,0\n${imsi(2)},${KI2},${OPC},,96\n${imsi(3)},${KI},${OPC},,0\n`);
  assert.equal((await cliOn(d, 'subscriber', 'import', csv)).code, 0);
  const plain = await cliOn(d, 'subscriber', 'export');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^imsi,msisdn,amf,sqn\n/);
  assert.equal(plain.stdout, `imsi,msisdn,amf,sqn\n${imsi(1)},+15550001,8000,0\n${imsi(2)},,8000,96\n${imsi(3)},,8000,0\n`);
  for (const k of [KI, OPC, KI2]) assert.ok(!plain.stdout.includes(k) && !plain.stderr.includes(k), 'a key without --with-keys');
  assert.equal(plain.stderr, '');

  const file = join(root, 'backup.csv');
  writeFileSync(file, 'old');
  chmodSync(file, 0o644);
  const withKeys = await cliOn(d, 'subscriber', 'export', '--with-keys', '-o', file, '--page-size', '2');
  assert.equal(withKeys.code, 0, withKeys.stderr + withKeys.stdout);
  assert.match(withKeys.stderr, /warning: this export holds every Ki and OPc in plain hex/, withKeys.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.match(text, new RegExp(`^${imsi(1)},\\+15550001,8000,0,${KI},${OPC}$`, 'm'));
  const count = await subs(d).count();
  assert.equal(text.trim().split('\n').length, count + 1);

  // Into a second daemon with a KEK: same export back, byte for byte.
  const d2 = await daemonAt(freshDir(), [`subscribers.kek=${KEK_A}`]);
  try {
    const imp = await cliOn(d2, 'subscriber', 'import', file, '--json');
    assert.equal(imp.code, 0, imp.stdout + imp.stderr);
    assert.equal(parseJson<ImportSummary>(imp).added, count);
    const back = await cliOn(d2, 'subscriber', 'export', '--with-keys');
    assert.equal(back.stdout, text);
  } finally {
    await d2.stop();
  }
  // The TCP admin API never serves keys.
  const tcp = await runCli(['subscriber', 'export', '--with-keys', '--url', `https://127.0.0.1:${d.daemon.addresses.admin.port}`, '--api-key', 'cli-test-key-0123456789abcdef', '--insecure']);
  assert.equal(tcp.code, 1);
  assert.match(tcp.stderr, /control socket only/);
});

test('entitlement import/export: JSON lines round-trip, bad lines by number, dry run writes nothing', async () => {
  const file = join(root, 'ents.jsonl');
  writeFileSync(file, [
    JSON.stringify({ imsi: imsi(1), apps: { ap2004: { entitlement_status: 1, addr_status: 1 } } }),
    JSON.stringify({ imsi: imsi(2), apps: { ap2003: { entries: [{ access_type: 1, home_roaming_nw_type: 1, entitlement_status: 0 }] } } }),
    '{not json',
    JSON.stringify({ imsi: imsi(3), apps: { ap2004: { entitlement_status: 7 } } }),
    JSON.stringify({ imsi: imsi(1), apps: { ap2004: { entitlement_status: 0 } } }),
    '',
    JSON.stringify({ imsi: '123', apps: { ap2004: {} } }),
  ].join('\n'));
  const dry = parseJson<ImportSummary>(await cliOn(d, 'entitlement', 'import', file, '--dry-run', '--json'));
  assert.equal(dry.added, 2);
  assert.equal((await cliOn(d, 'entitlement', 'export')).stdout, '');
  const r = await cliOn(d, 'entitlement', 'import', file, '--json');
  assert.equal(r.code, 1);
  const s = parseJson<ImportSummary>(r);
  assert.deepEqual(s.rejected.map((x) => [x.line, x.code]), [[3, 'json'], [4, 'invalid'], [5, 'duplicate'], [7, 'invalid']]);
  assert.equal(s.added, 2);
  const out = await cliOn(d, 'entitlement', 'export');
  assert.equal(out.code, 0);
  const rows = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((x) => [x.imsi, Object.keys(x.apps)]), [[imsi(1), ['ap2004']], [imsi(2), ['ap2003']]]);
  // Round trip: the export imported into an empty daemon exports the same apps.
  const d2 = await daemonAt(freshDir());
  try {
    const exported = join(root, 'ents-export.jsonl');
    writeFileSync(exported, out.stdout);
    const imp = parseJson<ImportSummary>(await cliOn(d2, 'entitlement', 'import', exported, '--json'));
    assert.equal(imp.added, 2);
    const back = (await cliOn(d2, 'entitlement', 'export')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(back.map((x) => [x.imsi, x.apps]), rows.map((x) => [x.imsi, x.apps]));
    const again = parseJson<ImportSummary>(await cliOn(d2, 'entitlement', 'import', exported, '--json'));
    assert.deepEqual([again.added, again.unchanged], [0, 2]);
  } finally {
    await d2.stop();
  }
});
