/**
 * `subscriber export` (keys only with --with-keys, control socket only) through the real CLI against
 * real daemons, and its round trip through `subscriber import`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, runCli } from './cli-harness.js';
import type { ImportSummary } from '../src/cli/bulk-import.js';
import { KI, KI2, OPC, KEK_A, imsi, root, daemonAt, freshDir, daemonPerFile, cliOn, subs, type D } from './import-helpers.js';

let d: D;
daemonPerFile((x) => { d = x; });

test('subscriber export: no keys without --with-keys; with it a warning and a 0600 file; export → import → export round-trips', async () => {
  const csv = join(root, 'export-src.csv');
  writeFileSync(csv, `imsi,ki,opc,msisdn,sqn\n${imsi(1)},${KI},${OPC},+15555550001,0\n${imsi(2)},${KI2},${OPC},,96\n${imsi(3)},${KI},${OPC},,0\n`);
  assert.equal((await cliOn(d, 'subscriber', 'import', csv)).code, 0);
  const plain = await cliOn(d, 'subscriber', 'export');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^imsi,msisdn,amf,sqn\n/);
  assert.equal(plain.stdout, `imsi,msisdn,amf,sqn\n${imsi(1)},+15555550001,8000,0\n${imsi(2)},,8000,96\n${imsi(3)},,8000,0\n`);
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
  assert.match(text, new RegExp(`^${imsi(1)},\\+15555550001,8000,0,${KI},${OPC}$`, 'm'));
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
  assert.equal(tcp.code, 3, 'refused (403): exit 3');
  assert.match(tcp.stderr, /control socket only/);
});

