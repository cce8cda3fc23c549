/**
 * `subscriber import` through the real CLI against a real daemon: every bad line by number and reason with
 * nothing half-written, a 2 GiB line streamed on stdin, dry run, exists / unchanged / --replace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from './cli-harness.js';
import type { ImportSummary } from '../src/cli/bulk-import.js';
import { computeOpc } from '../src/crypto/milenage.js';
import { KI, KI2, OPC, OP, imsi, root, daemonPerFile, cliOn, subs, cliStdin, type D } from './import-helpers.js';

let d: D;
daemonPerFile((x) => { d = x; });

test('subscriber import: every bad line by number and reason, valid lines applied, nothing half-written', async () => {
  const csv = join(root, 'bad.csv');
  const lines = [
    '# test file', // 1
    'imsi,ki,opc,msisdn,amf', // 2
    `${imsi(1)},${KI},${OPC},+15555550001,8000`, // 3 ok
    `${imsi(2)},${KI.slice(2)},${OPC},,8000`, // 4 bad key (30 hex)
    `${imsi(3)},${KI},${OPC},`, // 5 wrong column count (4)
    `${imsi(1)},${KI2},${OPC},,8000`, // 6 duplicate of line 3
    `${imsi(4)},${KI},${OPC},,80g0`, // 7 bad amf
  ];
  const body = Buffer.concat([
    Buffer.from(`${lines.join('\n')}\n`),
    Buffer.from(`${imsi(5)},${KI},${OPC},,80`), Buffer.from([0xe9]), Buffer.from('0\n'), // 8 invalid UTF-8
    Buffer.from(`${imsi(6)},${KI},${OPC},${'9'.repeat(5000)},8000\n`), // 9 over 4 KiB
    Buffer.from(`${imsi(7)},${KI},,,8000\n`), // 10 no opc
    Buffer.from(`${imsi(8)},${KI},${OPC},,\n`), // 11 ok (amf default)
  ]);
  writeFileSync(csv, body);
  const r = await cliOn(d, 'subscriber', 'import', csv, '--json');
  assert.equal(r.code, 1, r.stderr);
  const s = parseJson<ImportSummary>(r);
  assert.deepEqual(s.rejected.map((x) => [x.line, x.code]), [[4, 'invalid'], [5, 'columns'], [6, 'duplicate'], [7, 'invalid'], [8, 'utf8'], [9, 'too_long'], [10, 'invalid']]);
  assert.match(s.rejected[0]!.error, /ki must be 32 hex/);
  assert.match(s.rejected[3]!.error, /amf/);
  assert.match(s.rejected[6]!.error, /opc or op/);
  assert.equal(s.added, 2);
  assert.equal(s.errors + s.skipped, 7);
  for (const k of [KI, OPC, KI2]) assert.ok(!r.stdout.includes(k) && !r.stderr.includes(k), 'a key in CLI output');
  const c = subs(d);
  assert.equal((await c.get(imsi(1)))?.ki, KI);
  assert.equal((await c.get(imsi(1)))?.msisdn, '+15555550001');
  assert.equal((await c.get(imsi(8)))?.amf, '8000');
  for (const i of [2, 3, 4, 5, 6, 7]) assert.equal(await c.get(imsi(i)), undefined, `line of ${imsi(i)} half-written`);
  // Human output names every line too, and the summary.
  const h = await cliOn(d, 'subscriber', 'import', csv, '--dry-run');
  assert.equal(h.code, 1);
  for (const l of [4, 5, 6, 7, 8, 9, 10]) assert.match(h.stdout, new RegExp(`^line ${l}: `, 'm'));
  assert.match(h.stdout, /dry run, nothing written: 9 CSV lines: 0 to add, 0 to replace, 2 unchanged, 1 skipped, 6 errors/);
});

test('subscriber import: a 2 GiB line streamed on stdin is reported by number and the lines around it are applied', async () => {
  const MiB = Buffer.alloc(1 << 20, 0x41);
  const r = await cliStdin(d, ['subscriber', 'import', '-', '--json'], async (w) => {
    await w(`imsi,ki,opc\n${imsi(100)},${KI},${OPC}\n`);
    for (let i = 0; i < 2048; i++) await w(MiB);
    await w(`\n${imsi(101)},${KI},${OPC}\n`);
  });
  assert.equal(r.code, 1, r.stderr);
  const s = parseJson<ImportSummary>(r);
  assert.deepEqual(s.rejected, [{ line: 3, code: 'too_long', error: `line of ${2 ** 31} bytes is over the bound (skipped without reading it whole)` }]);
  assert.equal(s.added, 2);
  assert.ok(await subs(d).get(imsi(101)));
});

test('subscriber import: dry run writes nothing; exists / unchanged / --replace; OP becomes OPc; SQN never goes back', async () => {
  const csv = join(root, 'replace.csv');
  writeFileSync(csv, `imsi,ki,op,sqn\n${imsi(200)},${KI},${OP},64\n${imsi(201)},${KI},${OP},0\n`);
  const before = await subs(d).count();
  const dry = await cliOn(d, 'subscriber', 'import', csv, '--dry-run', '--json');
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(parseJson<ImportSummary>(dry).added, 2);
  assert.equal(await subs(d).count(), before);
  assert.equal(await subs(d).get(imsi(200)), undefined);

  assert.equal((await cliOn(d, 'subscriber', 'import', csv)).code, 0);
  const rec = (await subs(d).get(imsi(200)))!;
  assert.equal(rec.opc, computeOpc(Buffer.from(KI, 'hex'), Buffer.from(OP, 'hex')).toString('hex'));
  assert.equal(rec.sqn, '64');
  // Same keys again: unchanged, not an error (the re-run after an interruption).
  const again = parseJson<ImportSummary>(await cliOn(d, 'subscriber', 'import', csv, '--json'));
  assert.deepEqual([again.added, again.unchanged, again.rejected.length], [0, 2, 0]);
  // Other keys: refused line by line without --replace, replaced with it; the SQN floor stays at 64.
  writeFileSync(csv, `imsi,ki,opc,sqn\n${imsi(200)},${KI2},${OPC},0\n`);
  const refused = await cliOn(d, 'subscriber', 'import', csv, '--json');
  assert.equal(refused.code, 1);
  assert.deepEqual(parseJson<ImportSummary>(refused).rejected.map((x) => [x.line, x.code]), [[2, 'exists']]);
  assert.equal((await subs(d).get(imsi(200)))!.ki, KI);
  const replaced = parseJson<ImportSummary>(await cliOn(d, 'subscriber', 'import', csv, '--replace', '--json'));
  assert.equal(replaced.replaced, 1);
  assert.equal((await subs(d).get(imsi(200)))!.ki, KI2);
  assert.equal((await subs(d).get(imsi(200)))!.sqn, '64');
});
