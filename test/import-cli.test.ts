/**
 * Bulk import/export and keys at rest through the real CLI (`node bin/run.js`)
 * against real daemons (`startDaemon`, embedded store in a temp data dir,
 * control socket): bad lines reported by number with nothing half-written,
 * dry run, round trips, keys only with --with-keys, KEK sealing, rekey and an
 * unknown KEK, and an import whose daemon stops midway finished by a re-run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgv, cliEnv, parseJson, runCli, type CliResult } from './cli-harness.js';
import { daemonSets } from './cli-daemon.js';
import { resolveConfig } from '../src/contracts/config.js';
import { startDaemon, type RunningDaemon } from '../daemon/main.js';
import { openCollection } from '../src/store/collections.js';
import type { StoredSubscriber } from '../src/services/subscribers.js';
import type { ImportSummary } from '../src/cli/bulk-import.js';
import { computeOpc } from '../src/crypto/milenage.js';

const KI = '465b5ce8b199b49faa5f0a2ee238a6bc';
const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';
const OP = 'cdc202d5123e20f62b6d676ac72cb318';
const KI2 = 'fec86ba6eb707ed08905757b1bb44b8f';
const KEK_A = '11'.repeat(32);
const KEK_B = Buffer.alloc(32, 0x22).toString('base64');
const imsi = (n: number) => `00101${String(n).padStart(10, '0')}`;
const root = mkdtempSync(join(tmpdir(), 'omnisep-import-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface D {
  daemon: RunningDaemon;
  dir: string;
  socket: string;
  stop(): Promise<void>;
}

let n = 0;
async function daemonAt(dir: string, extra: string[] = []): Promise<D> {
  const socket = join(dir, 'omnisep.sock');
  const config = resolveConfig({ env: {}, sets: [...daemonSets(dir, socket), ...extra] });
  const daemon = await startDaemon(config, { env: {} });
  return { daemon, dir, socket, stop: async () => void (await daemon.close()) };
}
const freshDir = () => mkdtempSync(join(root, `d${++n}-`));
const cliOn = (d: D, ...args: string[]): Promise<CliResult> => runCli([...args, '--socket', d.socket], { timeoutMs: 300_000 });
const subs = (d: D) => openCollection<StoredSubscriber>(d.daemon.ctx.store, 'subscribers');

/** The CLI with bytes on its stdin (`import -`), streamed in chunks, never on disk. */
function cliStdin(d: D, args: string[], feed: (w: (b: Buffer | string) => Promise<void>) => Promise<void>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgv(), ...args, '--socket', d.socket], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    const w = (b: Buffer | string) => new Promise<void>((res) => (child.stdin.write(b) ? res() : child.stdin.once('drain', () => res())));
    feed(w).then(() => child.stdin.end(), reject);
  });
}

let d: D;
before(async () => {
  d = await daemonAt(freshDir());
});
after(async () => {
  await d?.stop();
});

test('subscriber import: every bad line by number and reason, valid lines applied, nothing half-written', async () => {
  const csv = join(root, 'bad.csv');
  const lines = [
    '# test file', // 1
    'imsi,ki,opc,msisdn,amf', // 2
    `${imsi(1)},${KI},${OPC},+15550001,8000`, // 3 ok
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
  assert.equal((await c.get(imsi(1)))?.msisdn, '+15550001');
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

test('subscriber export: no keys without --with-keys; with it a warning and a 0600 file; export → import → export round-trips', async () => {
  const plain = await cliOn(d, 'subscriber', 'export');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^imsi,msisdn,amf,sqn\n/);
  assert.match(plain.stdout, new RegExp(`^${imsi(1)},\\+15550001,8000,0$`, 'm'));
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

test('keys at rest: sealed per record under the KEK, vectors still work, rekey rotates, an unknown KEK is a clear error', async () => {
  const dir = freshDir();
  const kekFile = join(root, 'kek-b');
  writeFileSync(kekFile, `${KEK_B}\n`, { mode: 0o600 });
  const csv = join(root, 'kek.csv');
  writeFileSync(csv, `imsi,ki,opc\n${imsi(300)},${KI},${OPC}\n${imsi(301)},${KI2},${OPC}\n`);
  let k = await daemonAt(dir, [`subscribers.kek=${KEK_A}`]);
  try {
    assert.equal((await cliOn(k, 'subscriber', 'import', csv)).code, 0);
    const rec = (await subs(k).get(imsi(300)))!;
    assert.equal(rec.ki, '');
    assert.equal(rec.opc, '');
    assert.match(String((rec as unknown as { kek_id: string }).kek_id), /^[0-9a-f]{8}$/);
    const v = await k.daemon.ctx.services.subscribers!.nextVector(imsi(300), Buffer.alloc(16, 1));
    assert.equal(v.xres.length, 8);
  } finally {
    await k.stop();
  }
  // No key in plain hex anywhere in the data directory.
  const files = (p: string): string[] => readdirSync(p, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(p, e.name)) : [join(p, e.name)]));
  for (const f of files(join(dir, 'data'))) {
    const t = readFileSync(f, 'latin1');
    assert.ok(!t.includes(KI) && !t.includes(KI2) && !t.includes(OPC), `a key in plain hex in ${f}`);
  }
  // Rotation: the new KEK from a file, the old one as a previous KEK; rekey reseals every record.
  writeFileSync(join(root, 'kek-a'), KEK_A, { mode: 0o600 });
  k = await daemonAt(dir, [`subscribers.kek_file=${kekFile}`, `subscribers.previous_kek_files=${join(root, 'kek-a')}`]);
  try {
    const r = await cliOn(k, 'subscriber', 'rekey', '--json', '--page-size', '1');
    assert.equal(r.code, 0, r.stderr);
    const body = parseJson<{ kek_id: string; resealed: number; unchanged: number }>(r);
    assert.equal(body.resealed, 2);
    assert.equal((await subs(k).get(imsi(301)) as unknown as { kek_id: string }).kek_id, body.kek_id);
    const again = parseJson<{ resealed: number; unchanged: number }>(await cliOn(k, 'subscriber', 'rekey', '--json'));
    assert.deepEqual([again.resealed, again.unchanged], [0, 2]);
  } finally {
    await k.stop();
  }
  // Only the old KEK now: a clear error naming both ids, on authentication and on a keyed export.
  k = await daemonAt(dir, [`subscribers.kek=${KEK_A}`]);
  try {
    await assert.rejects(k.daemon.ctx.services.subscribers!.nextVector(imsi(300), Buffer.alloc(16, 1)), /sealed with KEK [0-9a-f]{8}, which this daemon does not hold/);
    const ex = await cliOn(k, 'subscriber', 'export', '--with-keys');
    assert.equal(ex.code, 1);
    assert.match(ex.stderr, /OMNISEP_KEK_UNKNOWN/);
  } finally {
    await k.stop();
  }
  // A KEK file others can read is refused at start, naming the fix.
  chmodSync(kekFile, 0o644);
  await assert.rejects(daemonAt(dir, [`subscribers.kek_file=${kekFile}`]), /chmod 600/);
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

test('subscriber import: the daemon stops midway → exit 1 saying up to which line; the same command again finishes it', async () => {
  const dir = freshDir();
  const total = 60_000;
  const csv = join(root, 'big.csv');
  let text = 'imsi,ki,opc\n';
  for (let i = 0; i < total; i++) text += `${imsi(1_000_000 + i)},${KI},${OPC}\n`;
  writeFileSync(csv, text);
  let k = await daemonAt(dir);
  const run = cliOn(k, 'subscriber', 'import', csv, '--json', '--batch-size', '500');
  const c = subs(k);
  const deadline = Date.now() + 120_000;
  while ((await c.count()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await k.stop();
  const first = await run;
  const s1 = parseJson<ImportSummary>(first);
  assert.equal(first.code, 1);
  assert.equal(s1.status, 'interrupted', `finished before the stop (${s1.added} added): machine too fast for this test's timing`);
  assert.ok(s1.applied_through < total + 1);
  k = await daemonAt(dir);
  try {
    const applied = await subs(k).count();
    assert.ok(applied >= s1.added, `acknowledged batches lost: ${applied} < ${s1.added}`);
    const second = await cliOn(k, 'subscriber', 'import', csv, '--json', '--batch-size', '5000');
    assert.equal(second.code, 0, second.stdout.slice(0, 500));
    const s2 = parseJson<ImportSummary>(second);
    assert.equal(s2.added + s2.unchanged, total);
    assert.equal(s2.unchanged, applied);
    assert.equal(await subs(k).count(), total);
  } finally {
    await k.stop();
  }
});
