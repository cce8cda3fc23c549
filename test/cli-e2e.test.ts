/**
 * The real CLI (`node bin/run.js ... --socket TMP`) against a real daemon
 * (`startDaemon`, temp data dir and socket, ports 0, admin TLS on): --json
 * answers are the API bodies, human output matches golden files, API errors
 * exit 1 with the daemon's message, the TCP admin API needs the bearer token.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { parseJson, runCli, type CliResult } from './cli-harness.js';
import { API_KEY, FIXED_NOW, golden, startTestDaemon, type TestDaemon } from './cli-daemon.js';
import type { StatusResponse } from '../src/contracts/status.js';
import type { EntitlementDefaults, EntitlementDetail, EntitlementList, EntitlementSetResult } from '../src/contracts/entitlements.js';
import type { SessionList, SessionView } from '../src/contracts/sessions.js';
import type { TokenList, TokenView } from '../src/contracts/tokens.js';
import type { ActivityList, ActivityRecord } from '../src/contracts/activity.js';
import type { ConfigView } from '../src/contracts/config.js';
import type { TokenRecord } from '../src/services/tokens.js';
import { openCollection } from './store-helpers.js';

const IMSI = '001010000000001';
const IMSI2 = '310380100000002';
let d: TestDaemon;
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--socket', d.socket]);
const ok = async <T>(...args: string[]): Promise<T> => {
  const r = await cli(...args, '--json');
  assert.equal(r.code, 0, `${args.join(' ')} → exit ${r.code}: ${r.stderr}`);
  return parseJson<T>(r);
};
const human = async (...args: string[]): Promise<string> => {
  const r = await cli(...args);
  assert.equal(r.code, 0, `${args.join(' ')} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
};

before(async () => {
  d = await startTestDaemon({ fixedClock: true });
  const nowS = Math.floor(FIXED_NOW / 1000);
  const session: SessionView = {
    session_id: 'sess-0001',
    imsi: IMSI,
    state: 'challenge_sent',
    created_at: FIXED_NOW - 5000,
    eap_id: 2,
    aaa_session_id: 'aaa.localdomain;1;1',
    completed_at: null,
    backend: 'swm',
    terminal_id: '356938035643809',
    app_ids: ['ap2004'],
    failure_reason: null,
  };
  await openCollection<SessionView>(d.daemon.ctx.store, 'sessions').put(session.session_id, session);
  const token: TokenRecord = {
    token_id: 'tok-0001',
    imsi: IMSI,
    created_at: nowS - 600,
    expires_at: nowS - 600 + 86400,
    validity: 86400,
    terminal_id: '356938035643809',
    app_name: null,
    auth_method: 'EAP-AKA',
    digest: 'ab'.repeat(32),
    binding: 'cd'.repeat(32),
  };
  await openCollection<TokenRecord>(d.daemon.ctx.store, 'tokens').put(token.token_id, token);
  await d.daemon.ctx.activity.record({
    request_type: 'entitlement_query',
    request_method: 'GET',
    request_path: '/',
    imsi: IMSI,
    terminal_id: '356938035643809',
    terminal_vendor: 'Google',
    terminal_model: 'Pixel 8',
    client_ip: '127.0.0.1',
    user_agent: 'PRD-TS43 term-Google/Pixel 8',
    auth_method: 'EAP-AKA',
    response_status: 200,
    response_code: 1000,
    app_ids: ['ap2004'],
  });
});
after(async () => {
  await d?.stop();
});

test('status --json is GET /api/status unchanged, listeners show the real addresses', async () => {
  const s = await ok<StatusResponse>('status');
  assert.equal(s.application, 'OmniSEP');
  assert.equal(s.status, 'ok');
  assert.equal(s.listeners.socket?.path, d.socket);
  assert.equal(s.listeners.http?.port, d.daemon.addresses.http.port);
  assert.ok((s.listeners.admin?.port ?? 0) > 0);
  assert.equal(s.storage.eap_aka_sessions, 1);
  assert.equal(s.storage.active_tokens, 1);
  const text = await human('status');
  const masked = text
    .replaceAll(d.dir, '<TMP>')
    .replace(/:\d{2,5}\b/g, ':<PORT>')
    .replace(/pid \d+/, 'pid <PID>')
    .replace(/OmniSEP \S+/, 'OmniSEP <VERSION>')
    .replace(/^(Memory\s+).*$/m, '$1<MEMORY>')
    .replace(/http_port \d+/, 'http_port <PORT>')
    .replace(/(activity_records\s+)\d+/, '$1<N>')
    .replace(/up \S+( \S+)*? \(/, 'up <UPTIME> (');
  assert.equal(masked, golden('status.txt', masked));
});

test('socket file mode is 0600', () => {
  assert.equal(statSync(d.socket).mode & 0o777, 0o600);
});

test('entitlement set with flags, then get, get --effective, ls, rm — JSON and human', async () => {
  const set = await ok<EntitlementSetResult>('entitlement', 'set', IMSI, 'ap2004', '--status', '1', '--addr-status', '2', '--tc-status', '1', '--prov-status', '3');
  assert.deepEqual(set, { status: 'ok', imsi: IMSI, app_id: 'ap2004', entitlement: { entitlement_status: 1, addr_status: 2, tc_status: 1, prov_status: 3 } });
  const human1 = await human('entitlement', 'set', IMSI2, 'AP2005', '--data', '{"entitlement_status": 0, "message_for_incompatible": "not on this plan"}');
  assert.equal(human1, golden('entitlement-set.txt', human1));

  const got = await ok<EntitlementDetail>('entitlement', 'get', IMSI);
  assert.deepEqual(Object.keys(got.entitlements), ['ap2004']);
  assert.deepEqual(got.entitlements.ap2004!.data, { entitlement_status: 1, addr_status: 2, tc_status: 1, prov_status: 3 });
  const getText = await human('entitlement', 'get', IMSI);
  assert.equal(getText, golden('entitlement-get.txt', getText));

  const eff = await ok<EntitlementDetail>('entitlement', 'get', IMSI, '--effective');
  assert.equal(eff.entitlements.ap2004!.source, 'custom');
  assert.equal(eff.entitlements.ap2005!.source, 'default');
  const effText = await human('entitlement', 'get', IMSI, '--effective');
  assert.equal(effText, golden('entitlement-get-effective.txt', effText));

  const defaults = await ok<EntitlementDefaults>('entitlement', 'get', '--defaults');
  assert.ok(defaults.defaults.ap2004);

  const list = await ok<EntitlementList>('entitlement', 'ls');
  assert.equal(list.count, 2);
  assert.deepEqual(list.entitlements.map((e) => e.imsi).sort(), [IMSI, IMSI2]);
  const q = await ok<EntitlementList>('entitlement', 'ls', '--query', '31038');
  assert.deepEqual(q.entitlements.map((e) => e.imsi), [IMSI2]);
  const lsText = await human('entitlement', 'ls');
  assert.equal(lsText, golden('entitlement-ls.txt', lsText));

  const rm = await ok<{ status: string; imsi: string; app_id?: string }>('entitlement', 'rm', IMSI2, 'ap2005');
  assert.deepEqual(rm, { status: 'ok', imsi: IMSI2, app_id: 'ap2005' });
  const gone = await cli('entitlement', 'get', IMSI2);
  assert.equal(gone.code, 3, 'refused (404): exit 3');
  assert.match(gone.stderr, /HTTP 404/);
  const rmAll = await cli('entitlement', 'rm', IMSI);
  assert.equal(rmAll.code, 0);
  assert.equal(rmAll.stdout, `removed every override of ${IMSI}\n`);
});

test('the daemon validates too: an API error (4xx) exits 3 with its message and code (--json: the body unchanged)', async () => {
  // A session that does not exist: 404 from the API. (`entitlement get` of an IMSI without overrides
  // words its hint for the command line, --effective instead of ?effective=1: tested below.)
  const r = await cli('sessions', 'show', 'no-such-session', '--json');
  assert.equal(r.code, 3);
  const body = parseJson<{ error: string; code?: string }>(r);
  assert.equal(typeof body.error, 'string');
  assert.match(r.stderr, new RegExp(`${body.error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(HTTP 404`));
});

test('entitlement: ap2003 entries from flags, the --effective hint, a note for a field the phone will not get', async () => {
  const IMSI3 = '001010000000333';
  const [voice, none, note] = await Promise.all([
    cli('entitlement', 'set', IMSI3, 'ap2003', '--entries', 'access_type=1,home_roaming_nw_type=1,entitlement_status=1', '--entries', '{"access_type":2,"home_roaming_nw_type":2,"entitlement_status":0}', '--json'),
    cli('entitlement', 'get', '001010000000444'),
    cli('entitlement', 'set', '001010000000555', 'ap2005', '--message-for-incompatible', 'not on this plan'),
  ]);
  const noneJson = await cli('entitlement', 'get', '001010000000444', '--json');
  assert.equal(noneJson.code, 3);
  assert.match(parseJson<{ error: string }>(noneJson).error, /add --effective/);
  assert.doesNotMatch(noneJson.stdout, /\?effective=1/);
  assert.equal(voice.code, 0, voice.stderr);
  assert.deepEqual(parseJson<EntitlementSetResult>(voice).entitlement, {
    entries: [
      { access_type: 1, home_roaming_nw_type: 1, entitlement_status: 1 },
      { access_type: 2, home_roaming_nw_type: 2, entitlement_status: 0 },
    ],
  });
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no custom entitlements for IMSI 001010000000444 \(add --effective for what it gets from the defaults\)/);
  assert.doesNotMatch(none.stderr, /\?effective=1/);
  assert.equal(note.code, 0, note.stderr);
  assert.match(note.stderr, /message_for_incompatible is sent to the phone only while entitlement_status is 2/);
  await Promise.all([cli('entitlement', 'rm', IMSI3), cli('entitlement', 'rm', '001010000000555')]);
});

test('sessions ls / show / rm', async () => {
  const list = await ok<SessionList>('sessions', 'ls');
  assert.equal(list.count, 1);
  assert.equal(list.sessions[0]!.session_id, 'sess-0001');
  const lsText = await human('sessions', 'ls');
  assert.equal(lsText, golden('sessions-ls.txt', lsText));
  const one = await ok<SessionView>('sessions', 'show', 'sess-0001');
  assert.equal(one.state, 'challenge_sent');
  const showText = await human('sessions', 'show', 'sess-0001');
  assert.equal(showText, golden('sessions-show.txt', showText));
  assert.deepEqual(await ok('sessions', 'rm', 'sess-0001'), { status: 'ok', session_id: 'sess-0001' });
  const again = await cli('sessions', 'show', 'sess-0001');
  assert.equal(again.code, 3);
  assert.match(again.stderr, /HTTP 404/);
});

test('tokens ls / show / revoke never show a token value or digest', async () => {
  const list = await ok<TokenList>('tokens', 'ls');
  assert.equal(list.count, 1);
  assert.equal(list.tokens[0]!.expires_in_seconds, 86400 - 600);
  const lsText = await human('tokens', 'ls');
  assert.equal(lsText, golden('tokens-ls.txt', lsText));
  const one = await ok<TokenView>('tokens', 'show', 'tok-0001');
  assert.equal(one.imsi, IMSI);
  const showText = await human('tokens', 'show', 'tok-0001');
  assert.equal(showText, golden('tokens-show.txt', showText));
  for (const t of [lsText, showText, JSON.stringify(one)]) assert.doesNotMatch(t, /abab/);
  assert.deepEqual(await ok('tokens', 'revoke', 'tok-0001'), { status: 'ok', token_id: 'tok-0001' });
  assert.equal((await ok<TokenList>('tokens', 'ls')).count, 0);
});

test('activity ls with filters, activity show', async () => {
  const all = await ok<ActivityList>('activity', 'ls', '--imsi', IMSI, '--type', 'entitlement_query');
  assert.equal(all.count, 1);
  const rec = all.activities[0]!;
  assert.equal(rec.terminal_model, 'Pixel 8');
  const none = await ok<ActivityList>('activity', 'ls', '--imsi', '999990000000000');
  assert.equal(none.count, 0);
  const lsText = await human('activity', 'ls', '--type', 'entitlement_query');
  assert.equal(lsText, golden('activity-ls.txt', lsText));
  const one = await ok<ActivityRecord>('activity', 'show', rec.id);
  assert.deepEqual(one, rec);
  const showText = await human('activity', 'show', rec.id);
  assert.equal(showText, golden('activity-show.txt', showText));
  const missing = await cli('activity', 'show', 'no-such-id');
  assert.equal(missing.code, 3);
});

test('config show: effective config with secrets redacted; one key', async () => {
  const c = await ok<ConfigView>('config', 'show');
  const cfg = c.config as { token: { signing_secret: string }; admin: { api_keys: string[] } };
  assert.equal(cfg.token.signing_secret, '[REDACTED]');
  assert.deepEqual(cfg.admin.api_keys, ['[REDACTED]']);
  const text = await human('config', 'show');
  assert.doesNotMatch(text, new RegExp(API_KEY));
  assert.doesNotMatch(text, /change_me_in_production/);
  assert.equal(await human('config', 'show', 'token.validity_seconds'), '86400\n');
  const bad = await cli('config', 'show', 'no.such.key');
  assert.equal(bad.code, 2);
});

test('remote admin over TLS: 401 without the key (exit 3), 200 with --api-key and --insecure or --cacert; an untrusted certificate exits 69', async () => {
  const without = await runCli(['status', '--url', d.adminUrl, '--insecure']);
  assert.equal(without.code, 3);
  assert.match(without.stderr, /HTTP 401/);
  const wrong = await runCli(['status', '--url', d.adminUrl, '--insecure', '--api-key', 'wrong-key-wrong-key-wrong']);
  assert.equal(wrong.code, 3);
  assert.match(wrong.stderr, /HTTP 403/);
  const good = await runCli(['status', '--json', '--url', d.adminUrl, '--insecure'], { env: { OMNISEP_API_KEY: API_KEY } });
  assert.equal(good.code, 0, good.stderr);
  assert.equal(parseJson<StatusResponse>(good).application, 'OmniSEP');
  const untrusted = await runCli(['status', '--url', d.adminUrl, '--api-key', API_KEY]);
  assert.equal(untrusted.code, 69);
  assert.match(untrusted.stderr, /TLS check failed .* pass --cacert FILE .* or --insecure/);
  // --cacert with the daemon's own (self-signed) certificate: verified, no --insecure.
  const trusted = await runCli(['status', '--json', '--url', d.adminUrl, '--cacert', d.adminCert], { env: { OMNISEP_API_KEY: API_KEY } });
  assert.equal(trusted.code, 0, trusted.stderr);
  const notPem = await runCli(['status', '--url', d.adminUrl, '--cacert', '/etc/hostname'], { env: { OMNISEP_API_KEY: API_KEY } });
  assert.equal(notPem.code, 2);
  assert.match(notPem.stderr, /--cacert \/etc\/hostname: not a PEM certificate/);
});
