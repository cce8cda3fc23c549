/**
 * `simulate odsa` against the real daemon as `omnisep serve` starts it (the swm back-end over loopback
 * Diameter to the built-in AAA with the lab SIMs, the lab operator): the companion flow and the eSIM
 * transfer flow end to end, through the library and the CLI, then what `odsa ls|show|rm` and
 * `tokens ls` show.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../src/util/secret.js';
import { simulateOptions } from '../src/ue/run.js';
import { simulateOdsa, type OdsaSimulateOptions, type OdsaSimulationReport } from '../src/ue/odsa.js';
import type { OdsaSubscriptionList, OdsaSubscriptionView } from '../src/contracts/odsa.js';
import type { TokenList } from '../src/contracts/tokens.js';
import { runCli, parseJson } from './cli-harness.js';
import { labSims, startSimDaemon, type SimDaemon } from './simulate-daemon.js';

const sims = labSims();
let d: SimDaemon;

before(async () => {
  d = await startSimDaemon();
});
after(async () => {
  await d?.stop();
});

const options = (sim: (typeof sims)[number], over: Partial<OdsaSimulateOptions> = {}): OdsaSimulateOptions => ({
  base: simulateOptions({ url: d.url, imsi: sim.imsi, ki: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')) }, { amf: Buffer.from(sim.amf, 'hex'), tokenReauth: false }),
  app: 'ap2006',
  operation: 'flow',
  params: {},
  device: { id: 'WATCH-0001', eid: '89049032000001000000000000000001', vendor: 'Omni', model: 'W1', friendlyName: 'Test watch' },
  ...over,
});

test('companion flow (ap2006, §7): eligibility, subscribe, download, installed, ManageService → ServiceStatus 1', async () => {
  const r = await simulateOdsa(options(sims[0]!));
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.flow, 'companion');
  assert.deepEqual(r.steps.map((s) => [s.operation, s.operation_result]), [
    ['CheckEligibility', '1'], ['AcquireConfiguration', '1'], ['ManageSubscription', '1'], ['AcquireConfiguration', '1'], ['ManageService', '1'],
  ]);
  assert.equal(r.steps[2]!.subscription_result, '2');
  assert.equal(r.steps[3]!.service_status, '1');
  assert.match(r.result!.iccid!, /^8900101[0-9]{12}$/);
  assert.ok(!JSON.stringify(r).match(/TFBB|LPA:1/), 'no activation code in the report');
  const list = (await d.daemon.call('GET', `/api/odsa?imsi=${sims[0]!.imsi}`)).json as OdsaSubscriptionList;
  assert.equal(list.operator, 'lab');
  assert.deepEqual(list.subscriptions.map((s) => [s.app, s.device_id, s.state, s.iccid]), [['ap2006', 'WATCH-0001', 'active', r.result!.iccid]]);
});

test('eSIM transfer flow (ap2009, §8.7/§8.9): old phone subscribes and hands a temporary token to the new device', async () => {
  const sim = sims[1]!;
  const r: OdsaSimulationReport = await simulateOdsa(options(sim, { app: 'ap2009', device: { id: 'NEWPHONE-01', eid: '89049032000001000000000000000002', vendor: 'Omni', model: 'P2', friendlyName: 'x' } }));
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.flow, 'transfer');
  assert.deepEqual(r.steps.map((s) => [s.device, s.auth, s.operation]), [
    ['phone', 'token', 'CheckEligibility'], ['phone', 'token', 'ManageSubscription'], ['phone', 'token', 'AcquireTemporaryToken'],
    ['new_device', 'temporary_token', 'ManageSubscription'], ['new_device', 'temporary_token', 'AcquireConfiguration'],
  ]);
  assert.equal(r.steps[4]!.service_status, '1');
  assert.equal(r.steps[2]!.answer!.TemporaryToken, '[REDACTED]');
  const list = (await d.daemon.call('GET', `/api/odsa?imsi=${sim.imsi}`)).json as OdsaSubscriptionList;
  assert.deepEqual(list.subscriptions.map((s) => [s.device_id, s.state, s.transferred_from]), [['NEWPHONE-01', 'active', '358240051111110']]);

  // Both kinds of token are listed, never a value.
  const tokens = (await d.daemon.call('GET', '/api/tokens')).json as TokenList;
  const kinds = tokens.tokens.filter((t) => t.imsi === sim.imsi).map((t) => t.kind).sort();
  assert.deepEqual(kinds, ['reauth', 'temporary']);
  assert.deepEqual(tokens.tokens.find((t) => t.kind === 'temporary')!.operation_targets, ['ManageSubscription', 'AcquireConfiguration']);
});

test('the CLI: simulate odsa --json, odsa ls / show / rm, tokens ls with kinds', async () => {
  const sim = sims[2]!;
  const socket = ['--socket', d.daemon.socket];
  const sim1 = await runCli(['simulate', 'odsa', '--app', 'ap2006', '--url', d.url, '--imsi', sim.imsi, '--ki', sim.ki, '--opc', sim.opc, '--device-id', 'WATCH-CLI', '--json']);
  assert.equal(sim1.code, 0, sim1.stderr);
  const rep = parseJson<OdsaSimulationReport>(sim1);
  assert.equal(rep.ok, true);
  const human = await runCli(['simulate', 'odsa', '--app', 'ap2009', '--operation', 'GetSubscriberInfo', '--url', d.url, '--imsi', sim.imsi, '--ki', sim.ki, '--opc', sim.opc]);
  assert.equal(human.code, 0, human.stderr + human.stdout);
  assert.match(human.stdout, /GetSubscriberInfo\s+200\s+OperationResult 1/);
  const bad = await runCli(['simulate', 'odsa', '--app', 'ap2009', '--operation', 'ManageSubscription', '--url', d.url, '--imsi', sim.imsi, '--ki', sim.ki, '--opc', sim.opc]);
  assert.equal(bad.code, 3, 'OperationResult 102 (no operation_type): the server refused, exit 3');
  assert.match(bad.stderr + bad.stdout, /OperationResult 102.*operation_type/);

  const ls = await runCli(['odsa', 'ls', '--imsi', sim.imsi, '--json', ...socket]);
  assert.equal(ls.code, 0, ls.stderr);
  const id = parseJson<OdsaSubscriptionList>(ls).subscriptions[0]!.id;
  assert.equal(id, `${sim.imsi}.ap2006.watch-cli`);
  const lsHuman = await runCli(['odsa', 'ls', ...socket]);
  assert.match(lsHuman.stdout, /watch-cli[\s\S]*companion[\s\S]*active/i);
  const show = await runCli(['odsa', 'show', id, '--json', ...socket]);
  assert.equal(parseJson<OdsaSubscriptionView>(show).friendly_name, 'Simulated watch');
  const tokens = await runCli(['tokens', 'ls', ...socket]);
  assert.match(tokens.stdout, /KIND[\s\S]*reauth/, 'the kind column (temporary tokens: the transfer test above)');
  const rm = await runCli(['odsa', 'rm', id, ...socket]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal((await runCli(['odsa', 'show', id, ...socket])).code, 3, 'gone: refused (404), exit 3');
});
