/**
 * IDs by unique prefix (docs/cli.md § IDs) through the real binary against a real daemon: `tokens show|revoke`,
 * `sessions show|rm` and `activity show` take any unique prefix of at least 4 characters (a table cell cut
 * with "…" too); a prefix that starts several ids is refused (exit 3) naming them, also in the --json body;
 * no match is the usual not found (exit 3). Token prefixes are token_ids: no token value or digest is shown.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, runCli, type CliResult } from './cli-harness.js';
import { startTestDaemon, type TestDaemon } from './cli-daemon.js';
import { openCollection } from './store-helpers.js';
import type { SessionView } from '../src/contracts/sessions.js';
import type { TokenView } from '../src/contracts/tokens.js';
import type { ActivityRecord } from '../src/contracts/activity.js';
import type { TokenRecord } from '../src/services/tokens.js';
import type { OdsaSubscriptionRecord } from '../src/services/odsa/odsa-service.js';

const IMSI = '001010000000001';
let d: TestDaemon;
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--socket', d.socket]);
const T1 = '6f1c2a9e-0d4b-4f57-9a43-1b2c3d4e5f60';
const T2 = '6f1c77aa-0d4b-4f57-9a43-1b2c3d4e5f61';
const T3 = 'a1b2c3d4-0d4b-4f57-9a43-1b2c3d4e5f62';
const A1 = '7e4050ac-1111-4000-8000-000000000001';
const A2 = '7e4050ff-1111-4000-8000-000000000002';

before(async () => {
  d = await startTestDaemon();
  const now = Math.floor(Date.now() / 1000);
  const tokens = openCollection<TokenRecord>(d.daemon.ctx.store, 'tokens');
  for (const id of [T1, T2, T3]) {
    await tokens.put(id, { token_id: id, imsi: IMSI, created_at: now - 10, expires_at: now + 3600, validity: 3600, terminal_id: null, app_name: null, auth_method: 'EAP-AKA', digest: 'ab'.repeat(32), binding: id });
  }
  // An expired token is no candidate: "6f1c" must stay ambiguous between T1 and T2 only.
  await tokens.put('6f1c0000-dead', { token_id: '6f1c0000-dead', imsi: IMSI, created_at: now - 7200, expires_at: now - 3600, validity: 3600, terminal_id: null, app_name: null, auth_method: 'EAP-AKA', digest: 'ab'.repeat(32), binding: 'x' });
  const sessions = openCollection<SessionView>(d.daemon.ctx.store, 'sessions');
  for (const id of ['sess-aaaa-0001', 'sess-aaaa-0002', 'sess-bbbb-0003']) {
    await sessions.put(id, { session_id: id, imsi: IMSI, state: 'challenge_sent', created_at: Date.now(), eap_id: 2, aaa_session_id: null, completed_at: null, backend: 'swm', terminal_id: null, app_ids: ['ap2004'], failure_reason: null } as SessionView);
  }
  const odsa = openCollection<OdsaSubscriptionRecord>(d.daemon.ctx.store, 'odsa_subscriptions');
  for (const dev of ['356938035643809', '356938035643810']) {
    const id = `${IMSI}.ap2006.${dev}`;
    await odsa.put(id, { id, imsi: IMSI, app: 'ap2006', device_id: dev, state: 'active', companion_service: 'SharedNumber', eid: null, vendor: null, model: null, friendly_name: null, profile: null, iccid: '', transferred_from: null, created_at: '2026-04-11T10:35:24Z', updated_at: '2026-04-11T10:35:24Z' } as OdsaSubscriptionRecord);
  }
  for (const id of [A1, A2]) {
    await d.daemon.ctx.activity.record({ id, request_type: 'entitlement_query', request_method: 'GET', request_path: '/', imsi: IMSI, response_status: 200, app_ids: ['ap2004'] });
  }
});
after(async () => {
  await d?.stop();
});

test('tokens show / revoke: a unique prefix resolves, an ambiguous one lists the token_ids, nothing secret shown', async () => {
  const [one, cut, dots, amb, ambJson, none] = await Promise.all([
    cli('tokens', 'show', 'a1b2', '--json'),
    cli('tokens', 'show', '6f1c2…', '--json'),
    cli('tokens', 'show', '6f1c7...', '--json'),
    cli('tokens', 'show', '6f1c'),
    cli('tokens', 'show', '6f1c', '--json'),
    cli('tokens', 'show', 'ffff'),
  ]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(parseJson<TokenView>(one).token_id, T3);
  assert.equal(parseJson<TokenView>(cut).token_id, T1, 'a table cell cut with "…"');
  assert.equal(parseJson<TokenView>(dots).token_id, T2, 'the README\'s "6f1c..."');
  assert.equal(amb.code, 3);
  assert.match(amb.stderr, new RegExp(`token_id "6f1c" is ambiguous: it starts 2 ids \\(${T1}, ${T2}\\); give more characters \\(HTTP 409, OMNISEP_ID_AMBIGUOUS\\)`));
  assert.equal(ambJson.code, 3);
  const body = parseJson<{ code: string; candidates: string[] }>(ambJson);
  assert.equal(body.code, 'OMNISEP_ID_AMBIGUOUS');
  assert.deepEqual(body.candidates, [T1, T2]);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no live token ffff .*HTTP 404/);
  for (const r of [one, cut, amb, ambJson]) assert.doesNotMatch(r.stdout + r.stderr, /abab|digest/);
  const revoked = await cli('tokens', 'revoke', 'a1b2c', '--json');
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.deepEqual(parseJson(revoked), { status: 'ok', token_id: T3 });
  assert.equal((await cli('tokens', 'show', T3)).code, 3);
});

test('a prefix shorter than 4 characters is only an exact id', async () => {
  const r = await cli('tokens', 'show', 'a1b');
  assert.equal(r.code, 3);
  assert.match(r.stderr, /HTTP 404/);
});

test('sessions show / rm by prefix', async () => {
  const [amb, one] = await Promise.all([cli('sessions', 'show', 'sess-aaaa'), cli('sessions', 'show', 'sess-b', '--json')]);
  assert.equal(amb.code, 3);
  assert.match(amb.stderr, /session_id "sess-aaaa" is ambiguous: it starts 2 ids \(sess-aaaa-0001, sess-aaaa-0002\)/);
  assert.equal(parseJson<SessionView>(one).session_id, 'sess-bbbb-0003');
  const rm = await cli('sessions', 'rm', 'sess-aaaa-0002', '--json');
  assert.deepEqual(parseJson(rm), { status: 'ok', session_id: 'sess-aaaa-0002' });
  const now1 = await cli('sessions', 'rm', 'sess-aaaa', '--json');
  assert.deepEqual(parseJson(now1), { status: 'ok', session_id: 'sess-aaaa-0001' }, 'unique once its sibling is gone');
});

test('activity show by prefix, through the log\'s own index', async () => {
  const [one, amb, none] = await Promise.all([cli('activity', 'show', '7e4050ac', '--json'), cli('activity', 'show', '7e4050'), cli('activity', 'show', '7e4050aa')]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(parseJson<ActivityRecord>(one).id, A1);
  assert.equal(amb.code, 3);
  assert.match(amb.stderr, new RegExp(`activity id "7e4050" is ambiguous: it starts 2 ids \\(${A1}, ${A2}\\)`));
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no activity record 7e4050aa/);
});

test('odsa show by prefix (the route resolves it): IMSI.app names the one device, or lists both', async () => {
  const [amb, one, none, rmNone] = await Promise.all([
    cli('odsa', 'show', `${IMSI}.ap2006`), cli('odsa', 'show', `${IMSI}.ap2006.35693803564381`, '--json'),
    cli('odsa', 'show', `${IMSI}.ap2009.000000000000000`), cli('odsa', 'rm', `${IMSI}.ap2009.000000000000000`),
  ]);
  assert.equal(none.code, 3, 'exit 3 when it does not exist, as `odsa show --help` says');
  assert.equal(rmNone.code, 3, 'exit 3 when it does not exist, as `odsa rm --help` says');
  assert.equal(amb.code, 3);
  assert.match(amb.stderr, /subscription id "001010000000001\.ap2006" is ambiguous: it starts 2 ids/);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(parseJson<{ id: string }>(one).id, `${IMSI}.ap2006.356938035643810`);
});
