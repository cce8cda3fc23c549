/**
 * `simulate eap-aka` against the real daemon: startDaemon with the swm
 * back-end over real loopback Diameter to the built-in AAA holding the lab
 * subscribers — the library entry points and the real CLI as a child process
 * (the line `omnisep serve` prints must succeed as printed).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../src/util/secret.js';
import { simulateEapAka, loadEapAka, simulateOptions, type SimulateOptions } from '../src/ue/run.js';
import { simulateLineForLab } from '../src/ue/command-line.js';
import { readFileSync } from 'node:fs';
import { repoPath } from '../src/util/repo-path.js';
import type { SimulationReport } from '../src/ue/simulate.js';
import type { LoadReport } from '../src/ue/run.js';
import { runCli, parseJson } from './cli-harness.js';
import { labSims, startSimDaemon, type SimDaemon } from './simulate-daemon.js';

const sims = labSims();
const SIM = sims[0]!;
let d: SimDaemon;

before(async () => {
  d = await startSimDaemon();
});
after(async () => {
  await d?.stop();
});

const options = (over: Partial<SimulateOptions> = {}): SimulateOptions =>
  simulateOptions(
    { url: d.url, imsi: SIM.imsi, ki: new Secret(Buffer.from(SIM.ki, 'hex')), opc: new Secret(Buffer.from(SIM.opc, 'hex')) },
    { amf: Buffer.from(SIM.amf, 'hex'), apps: ['ap2004', 'ap2003', 'ap2005'], ...over },
  );

test('every lab subscriber authenticates through the built-in AAA, gets its entitlements and a working token', async () => {
  for (const sim of sims) {
    const r = await simulateEapAka(options({ imsi: sim.imsi, ki: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')) }));
    assert.equal(r.ok, true, `${sim.imsi}: ${r.reason}`);
    assert.equal(r.steps[0]!.received_eap?.subtype_name, 'AKA_CHALLENGE', 'the first packet is an AKA-Challenge');
    assert.deepEqual(Object.keys(r.entitlements!).sort(), ['ap2003', 'ap2004', 'ap2005']);
    assert.equal(r.token?.present, true);
    assert.equal(r.reauth?.ok, true);
    assert.equal(r.steps.at(-1)!.status, 200);
    assert.deepEqual(r.warnings, [], `${sim.imsi}: Android-contract warnings`);
  }
});

test('USIM ahead of the HSS: AKA-Synchronization-Failure, resync in the AAA, fresh challenge, success', async () => {
  const r = await simulateEapAka(options({ imsi: sims[1]!.imsi, ki: new Secret(Buffer.from(sims[1]!.ki, 'hex')), opc: new Secret(Buffer.from(sims[1]!.opc, 'hex')), sqn: 5000n * 32n, tokenReauth: false }));
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.challenges, 2);
  assert.equal(r.steps[1]!.sent_eap?.subtype_name, 'AKA_SYNCHRONIZATION_FAILURE');
  assert.ok(BigInt(r.sqn_ms.end) > 5000n * 32n);
});

test('wrong OPc → AKA-Authentication-Reject → 403; unknown IMSI → 403', async () => {
  const bad = Buffer.from(SIM.opc, 'hex');
  bad[15]! ^= 0xff;
  const r = await simulateEapAka(options({ opc: new Secret(bad) }));
  assert.equal(r.ok, false);
  assert.match(r.reason!, /^HTTP 403 .*MAC-A mismatch/);
  const u = await simulateEapAka(options({ imsi: '001019999999999' }));
  assert.equal(u.ok, false);
  assert.match(u.reason!, /^HTTP 403/);
});

test('POST mode and JSON documents', async () => {
  const r = await simulateEapAka(options({ post: true, accept: 'json' }));
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.steps[0]!.method, 'POST');
  assert.equal(r.steps[1]!.document?.format, 'json');
});

test('load mode against the daemon: every authentication succeeds', async () => {
  const s: LoadReport = await loadEapAka(options(), { count: 30, concurrency: 6 });
  assert.equal(s.ok, 30, JSON.stringify(s.failures));
  assert.ok(s.latency_ms.p99 >= s.latency_ms.p50);
});

test('load mode round several SIMs: each run uses its own SIM\'s keys, and every SIM reaches the daemon', async () => {
  const lab = sims.map((x) => ({ imsi: x.imsi, ki: new Secret(Buffer.from(x.ki, 'hex')), opc: new Secret(Buffer.from(x.opc, 'hex')) }));
  const before = await Promise.all(lab.map(async (x) => (await d.daemon.call('GET', `/api/activity?imsi=${x.imsi}&limit=1`)).json.total as number));
  const s: LoadReport = await loadEapAka(options(), { count: lab.length * 4, concurrency: 6, sims: lab });
  assert.equal(s.ok, lab.length * 4, JSON.stringify(s.failures));
  assert.equal(s.sims, lab.length);
  const after = await Promise.all(lab.map(async (x) => (await d.daemon.call('GET', `/api/activity?imsi=${x.imsi}&limit=1`)).json.total as number));
  // Four authentications each: every one records its challenge and its response, at least.
  lab.forEach((x, i) => assert.ok(after[i]! - before[i]! >= 8, `${x.imsi}: ${before[i]} → ${after[i]} activity records`));

  // One SIM with the wrong OPc: exactly its turns fail, as rejections; the others are untouched.
  const bad = lab.map((x, i) => (i === 2 ? { ...x, opc: new Secret(Buffer.alloc(16)) } : x));
  const r: LoadReport = await loadEapAka(options(), { count: lab.length * 3, concurrency: 4, sims: bad });
  assert.equal(r.failed, 3, JSON.stringify(r.failures));
  assert.equal(r.failed_by_kind.rejected, 3);
  assert.equal(r.ok, lab.length * 3 - 3);
  await assert.rejects(loadEapAka(options({ fastReauth: true }), { count: 2, concurrency: 1, sims: lab }), /not with several SIMs/);
});

test('the CLI: the ready-to-paste line succeeds as printed (exit 0); a wrong key exits 3 with the reason; bad flags exit 2', async () => {
  // Exactly what `omnisep serve` prints for the lab fixture.
  const line = simulateLineForLab({ url: d.url, csv: readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8'), simFile: repoPath('fixtures', 'subscribers', 'lab.csv') })!;
  assert.ok(!line.includes(SIM.ki) && !line.includes(SIM.opc), 'the printed line names the CSV, not the keys');
  assert.ok(line.startsWith('omnisep simulate eap-aka '));
  const argv = line.split(' ').slice(1); // drop the program name
  const ok = await runCli(argv);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /^OK {2}authenticated/m);
  assert.match(ok.stdout, /EAP-Request\/AKA-Challenge/);
  assert.ok(!ok.stdout.includes(SIM.ki) && !ok.stdout.includes(SIM.opc), 'keys never printed');

  const withoutOpc = argv.filter((a, i) => a !== '--opc' && argv[i - 1] !== '--opc');
  const wrong = await runCli([...withoutOpc, '--opc', '00'.repeat(16), '--json']);
  assert.equal(wrong.code, 3, 'a rejection by the network exits 3');
  const failed = parseJson<SimulationReport>(wrong); // one JSON document: the report, ok false
  assert.equal(failed.ok, false);
  assert.match(failed.reason!, /^HTTP 403 .*MAC-A mismatch/);
  assert.equal(failed.failure, 'rejected');
  const human = await runCli([...withoutOpc, '--opc', '00'.repeat(16)]);
  assert.equal(human.code, 3);
  assert.match(human.stderr, /authentication rejected: HTTP 403/);

  const usage = await runCli(['simulate', 'eap-aka', '--imsi', '12345', '--ki', SIM.ki, '--opc', SIM.opc, '--url', d.url]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /expected exactly 15 digits/);

  const load = await runCli([...argv, '--count', '10', '--concurrency', '4', '--json']);
  assert.equal(load.code, 0, load.stderr);
  const summary = parseJson<LoadReport>(load);
  assert.equal(summary.ok, 10);
  assert.equal(typeof summary.latency_ms.p99, 'number');

  // --each-sim: every SIM of the file, round robin; the human summary says how many, never a key.
  const lab = repoPath('fixtures', 'subscribers', 'lab.csv');
  const each = await runCli(['simulate', 'eap-aka', '--url', d.url, '--sim-file', lab, '--each-sim', '--count', '12', '--concurrency', '3', '--json']);
  assert.equal(each.code, 0, each.stderr);
  const eachSummary = parseJson<LoadReport>(each);
  assert.equal(eachSummary.ok, 12);
  assert.equal(eachSummary.sims, sims.length);
  const eachHuman = await runCli(['simulate', 'eap-aka', '--url', d.url, '--sim-file', lab, '--each-sim', '--count', '6', '--concurrency', '2']);
  assert.equal(eachHuman.code, 0, eachHuman.stderr);
  assert.match(eachHuman.stdout, new RegExp(`6 authentications round ${sims.length} SIMs, concurrency 2: 6 ok`));
  assert.ok(!sims.some((x) => eachHuman.stdout.includes(x.ki) || eachHuman.stdout.includes(x.opc)), 'keys never printed');
  // Usage: --each-sim needs --sim-file and --count, and takes no --imsi; without it --imsi is required.
  for (const [args, why] of [
    [['--each-sim', '--count', '4'], /sim-file/],
    [['--each-sim', '--sim-file', lab], /--count N/],
    [['--each-sim', '--sim-file', lab, '--count', '4', '--imsi', SIM.imsi], /cannot also be provided|imsi/],
    [['--sim-file', lab], /missing --imsi/],
    [['--each-sim', '--sim-file', lab, '--count', '4', '--ki', SIM.ki], /drop --ki, --opc and --op/],
  ] as Array<[string[], RegExp]>) {
    const u = await runCli(['simulate', 'eap-aka', '--url', d.url, ...args]);
    assert.equal(u.code, 2, `${args.join(' ')}: ${u.stderr}`);
    assert.match(u.stderr, why, args.join(' '));
    assert.ok(!u.stderr.includes(SIM.ki), 'a refused key is not echoed');
  }
});

