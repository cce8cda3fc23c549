/**
 * The daemon end to end in-process: startDaemon() on port 0 and a temp socket,
 * driven over the control socket and the TLS admin port with real HTTP.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Agent, request } from 'undici';
import { startTestDaemon, TEST_API_KEY, TEST_SIGNING_SECRET, type TestDaemon } from './daemon-helpers.js';
import { routes } from '../src/contracts/routes.js';
import { openCollection } from './store-helpers.js';
import { compiledValidators, compilePendingValidators } from '../daemon/http/lazy-validators.js';

let d: TestDaemon;
const IMSI = '001010123456789';
before(async () => { d = await startTestDaemon(); });
after(async () => { await d.stop(); });

test('status reports every listener with its actual address', async () => {
  const r = await d.call('GET', routes.status.path);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-omnisep-version'], r.json.version);
  assert.equal(r.json.application, 'OmniSEP');
  assert.equal(r.json.listeners.http.port, d.addresses.http.port);
  assert.ok(r.json.listeners.http.port > 0);
  assert.ok(r.json.listeners.admin.port > 0);
  assert.equal(r.json.listeners.admin.protocol, 'https');
  assert.equal(r.json.listeners.socket.path, d.socket);
  assert.equal(r.json.storage.driver, 'embedded');
  assert.equal(r.json.storage.writable, true);
  assert.match(r.json.uptime, /^\d+[smhd]/);
});

test('control socket is 0600 in a 0700 directory', () => {
  assert.equal(statSync(d.socket).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(d.socket)).mode & 0o777, 0o700);
});

test('admin TCP: 401 without a token, 403 with a wrong one, 200 with a key; TLS on', async () => {
  const tls = new Agent({ connect: { rejectUnauthorized: false } });
  const url = `${d.addresses.admin.url}/api/status`;
  assert.match(url, /^https:/);
  const none = await request(url, { dispatcher: tls });
  assert.equal(none.statusCode, 401);
  assert.equal(((await none.body.json()) as { code: string }).code, 'OMNISEP_ADMIN_UNAUTHENTICATED');
  assert.match(String(none.headers['www-authenticate']), /Bearer/);
  const wrong = await request(url, { dispatcher: tls, headers: { authorization: 'Bearer not-the-right-key-at-all' } });
  assert.equal(wrong.statusCode, 403);
  await wrong.body.dump();
  const ok = await request(url, { dispatcher: tls, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
  assert.equal(ok.statusCode, 200);
  assert.equal(((await ok.body.json()) as { status: string }).status, 'ok');
  await tls.close();
});

test('entitlements: set, get, effective, list, validation, delete per app and whole', async () => {
  assert.equal((await d.call('GET', `/api/entitlements/${IMSI}`)).status, 404);
  const eff0 = await d.call('GET', `/api/entitlements/${IMSI}?effective=1`);
  assert.equal(eff0.status, 200);
  assert.equal(eff0.json.entitlements.ap2004.data.entitlement_status, 1);
  assert.equal(eff0.json.entitlements.ap2004.source, 'default');

  const set = await d.call('POST', `/api/entitlements/${IMSI}`, { app_id: 'ap2004', entitlement: { entitlement_status: 0, addr_status: 1, tc_status: 1, prov_status: 0, service_flow_url: 'https://activate.example.com/vowifi' } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json, { status: 'ok', imsi: IMSI, app_id: 'ap2004', entitlement: { entitlement_status: 0, addr_status: 1, tc_status: 1, prov_status: 0, service_flow_url: 'https://activate.example.com/vowifi' } });
  assert.equal((await d.call('POST', `/api/entitlements/${IMSI}`, { app_id: 'ap2005', entitlement: { entitlement_status: 0 } })).status, 200);

  const get = await d.call('GET', `/api/entitlements/${IMSI}`);
  assert.equal(get.status, 200);
  assert.deepEqual(Object.keys(get.json.entitlements), ['ap2004', 'ap2005']);
  assert.equal(get.json.entitlements.ap2004.service_name, 'VoWiFi');
  assert.equal(get.json.entitlements.ap2004.data.addr_status, 1);

  const eff = await d.call('GET', `/api/entitlements/${IMSI}?effective=1`);
  assert.equal(eff.json.entitlements.ap2004.data.entitlement_status, 0);
  assert.equal(eff.json.entitlements.ap2004.source, 'custom');
  assert.equal(eff.json.entitlements.ap2003.source, 'default');

  const list = await d.call('GET', '/api/entitlements?query=0123456');
  assert.deepEqual(list.json, { count: 1, entitlements: [{ imsi: IMSI, app_ids: ['ap2004', 'ap2005'], services: ['VoWiFi', 'SMSoIP'], updated_at: list.json.entitlements[0].updated_at }] });
  assert.equal((await d.call('GET', '/api/entitlements?query=999')).json.count, 0);

  for (const app_id of ['ap2099', 'vowifi']) {
    const unknown = await d.call('POST', `/api/entitlements/${IMSI}`, { app_id, entitlement: { entitlement_status: 1 } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error, /unsupported app .*expected one of ap2003/);
    assert.equal(unknown.json.code, 'OMNISEP_ENTITLEMENT_UNSUPPORTED_APP');
  }
  const range = await d.call('POST', `/api/entitlements/${IMSI}`, { app_id: 'ap2004', entitlement: { addr_status: 7 } });
  assert.equal(range.status, 400);
  assert.match(range.json.error, /addr_status/);
  const badImsi = await d.call('POST', '/api/entitlements/12345', { app_id: 'ap2004', entitlement: {} });
  assert.equal(badImsi.status, 400);
  assert.match(badImsi.json.error, /imsi/);

  const defaults = await d.call('GET', '/api/entitlements/defaults');
  assert.equal(defaults.status, 200);
  assert.equal(defaults.json.defaults.ap2012.data.tc_status, 2);

  const rmApp = await d.call('DELETE', `/api/entitlements/${IMSI}/ap2005`);
  assert.deepEqual(rmApp.json, { status: 'ok', imsi: IMSI, app_id: 'ap2005' });
  assert.equal((await d.call('DELETE', `/api/entitlements/${IMSI}/ap2005`)).status, 404);
  assert.deepEqual((await d.call('DELETE', `/api/entitlements/${IMSI}`)).json, { status: 'ok', imsi: IMSI });
  assert.equal((await d.call('GET', `/api/entitlements/${IMSI}`)).status, 404);
});

test('admin changes are audited in the activity log; paging and filters; /:id', async () => {
  const page = await d.call('GET', `/api/activity?type=admin&imsi=${IMSI}&limit=2`);
  assert.equal(page.status, 200);
  assert.ok(page.json.total >= 4, JSON.stringify(page.json));
  assert.equal(page.json.count, 2);
  assert.equal(page.json.page_size, 2);
  assert.equal(page.json.activities[0].request_method, 'DELETE', 'newest first');
  const one = await d.call('GET', `/api/activity/${page.json.activities[1].id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.id, page.json.activities[1].id);
  assert.equal((await d.call('GET', '/api/activity/nope')).status, 404);
  assert.equal((await d.call('GET', '/api/activity?limit=0')).status, 400);
  assert.equal((await d.call('GET', '/api/activity?type=xcap')).json.total, 0);
});

test('an activity page counts its total up to 10,000 and then says so (total_capped); the count limit is not an API parameter', async () => {
  const terminal = 'T-COUNT-CAP';
  // Twenty subscribers: each keeps at most activity.max_per_subscriber records.
  await Promise.all(Array.from({ length: 10_001 }, (_, i) => d.ctx.activity.record({ request_type: 'websheet', imsi: `0010100000099${String(i % 20).padStart(2, '0')}`, terminal_id: terminal })));
  const page = await d.call('GET', `/api/activity?terminal_id=${terminal}&limit=3`);
  assert.equal(page.status, 200);
  assert.deepEqual({ total: page.json.total, capped: page.json.total_capped, count: page.json.count }, { total: 10_000, capped: true, count: 3 });
  const tried = await d.call('GET', `/api/activity?terminal_id=${terminal}&limit=3&countUpTo=2`);
  assert.ok(tried.status === 400 || (tried.status === 200 && tried.json.total === 10_000), `${tried.status} ${tried.text.slice(0, 200)}`);
  const fewer = await d.call('GET', `/api/activity?terminal_id=${terminal}&limit=3&from=0&type=xcap`);
  assert.deepEqual({ total: fewer.json.total, capped: fewer.json.total_capped }, { total: 0, capped: undefined }, 'an exact total carries no flag');
});

test('sessions and tokens: list, show, delete/revoke over the stores; never the token digest', async () => {
  const now = Date.now();
  const sessions = openCollection(d.ctx.store, 'sessions');
  await sessions.put('s-1', { session_id: 's-1', imsi: IMSI, state: 'challenge_sent', created_at: now, eap_id: 1, aaa_session_id: 'aaa;1;2', completed_at: null });
  const tokens = openCollection(d.ctx.store, 'tokens');
  const nowS = Math.floor(now / 1000);
  await tokens.put('t-1', { token_id: 't-1', imsi: IMSI, created_at: nowS, expires_at: nowS + 100, validity: 100, terminal_id: 'term', app_name: null, auth_method: 'EAP-AKA', digest: 'deadbeef', binding: 'b1' });
  await tokens.put('t-old', { token_id: 't-old', imsi: IMSI, created_at: nowS - 200, expires_at: nowS - 100, validity: 100, terminal_id: 'term', app_name: null, auth_method: 'EAP-AKA', digest: 'deadbeef', binding: 'b1' });

  const sl = await d.call('GET', '/api/sessions');
  assert.equal(sl.json.count, 1);
  assert.equal(sl.json.sessions[0].state, 'challenge_sent');
  assert.equal((await d.call('GET', '/api/sessions/s-1')).json.aaa_session_id, 'aaa;1;2');
  assert.equal((await d.call('GET', '/api/sessions/nope')).status, 404);

  const tl = await d.call('GET', '/api/tokens');
  assert.equal(tl.json.count, 1, 'expired tokens are not listed');
  assert.ok(tl.json.tokens[0].expires_in_seconds > 0 && tl.json.tokens[0].expires_in_seconds <= 100);
  assert.ok(!tl.text.includes('deadbeef'), 'no digest in answers');
  assert.equal((await d.call('GET', '/api/tokens/t-old')).status, 404);
  // status counts records held (count(), never a scan): the expired token until the next purge.
  assert.equal((await d.call('GET', '/api/status')).json.storage.active_tokens, 2);
  assert.equal((await d.call('GET', '/api/status')).json.storage.eap_aka_sessions, 1);

  assert.deepEqual((await d.call('DELETE', '/api/sessions/s-1')).json, { status: 'ok', session_id: 's-1' });
  assert.equal(await sessions.get('s-1'), undefined);
  assert.deepEqual((await d.call('DELETE', '/api/tokens/t-1')).json, { status: 'ok', token_id: 't-1' });
  assert.equal(await tokens.get('t-1'), undefined);
  assert.equal((await d.call('DELETE', '/api/tokens/t-1')).status, 404);
});

test('event stream: hello first, then live activity for the filtered IMSI only', async () => {
  const agent = new Agent({ connect: { socketPath: d.socket } });
  const res = await request(`http://localhost/api/events?imsi=${IMSI}&kinds=activity`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /ndjson/);
  const lines: any[] = [];
  let buf = '';
  const done = (async () => {
    for await (const chunk of res.body) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { lines.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
      if (lines.length >= 2) break;
    }
  })();
  // wait for the subscription to exist, then make noise for two IMSIs
  while (d.ctx.events.subscriberCount === 0) await new Promise((r) => setTimeout(r, 5));
  await d.ctx.activity.record({ request_type: 'entitlement_query', imsi: '001019999999999' });
  await d.ctx.activity.record({ request_type: 'entitlement_query', imsi: IMSI, terminal_id: 'T-42' });
  await done;
  assert.equal(lines[0].kind, 'hello');
  assert.equal(lines[1].kind, 'activity');
  assert.equal(lines[1].record.imsi, IMSI);
  assert.equal(lines[1].record.terminal_id, 'T-42');
  await agent.close();
});

test('event stream with sample: at most that many activity records a second, the rest counted in sampled events; a bad sample is a 400', async () => {
  const agent = new Agent({ connect: { socketPath: d.socket } });
  for (const bad of ['-1', 'many', '1000001']) {
    const r = await request(`http://localhost/api/events?sample=${bad}`, { dispatcher: agent });
    assert.equal(r.statusCode, 400, `sample=${bad}`);
    await r.body.dump();
  }
  const subs = d.ctx.events.subscriberCount;
  const res = await request(`http://localhost/api/events?kinds=activity&sample=5`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  const N = 40;
  let shown = 0;
  let leftOut = 0;
  const perSecond = new Set<number>();
  let buf = '';
  const done = (async () => {
    for await (const chunk of res.body) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const e = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (e.kind === 'activity') shown++;
        if (e.kind === 'sampled') (leftOut += e.count, perSecond.add(e.per_second));
      }
      if (shown + leftOut >= N) break;
    }
  })();
  while (d.ctx.events.subscriberCount === subs) await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  for (let i = 0; i < N; i++) await d.ctx.activity.record({ request_type: 'entitlement_query', imsi: '001019999999998' });
  const elapsed = Date.now() - t0;
  await done;
  assert.equal(shown + leftOut, N, 'every record is either sent or counted');
  assert.ok(shown >= 5 && shown <= 5 + Math.ceil((elapsed * 5) / 1000), `${shown} sent in ${elapsed} ms at 5 a second`);
  assert.deepEqual([...perSecond], [5]);
  const all = await d.call('GET', '/api/activity?imsi=001019999999998&limit=100');
  assert.equal(all.json.count, N, 'the log keeps every record the stream left out');
  await agent.close();
});

test('health: 200 with services; errors are JSON with a code; unknown route 404', async () => {
  const h = await request(`${d.addresses.http.url}/health`);
  assert.equal(h.statusCode, 200);
  const body = (await h.body.json()) as { status: string; service: string; services: string[] };
  assert.equal(body.status, 'ok');
  assert.equal(body.service, 'omni-sep');
  assert.ok(body.services.includes('entitlements'));
  const nf = await d.call('GET', '/api/nothing-here');
  assert.equal(nf.status, 404);
  assert.equal(nf.json.code, 'OMNISEP_ADMIN_NO_ROUTE');
  const badJson = await request(`http://localhost/api/entitlements/${IMSI}`, { dispatcher: new Agent({ connect: { socketPath: d.socket } }), method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
  assert.equal(badJson.statusCode, 400);
  assert.ok(((await badJson.body.json()) as { error: string }).error);
});

test('health answers 503 with the reason when a contributor fails', async () => {
  d.ctx.healthChecks.set('test-peer', () => 'no peer connected');
  const h = await request(`${d.addresses.http.url}/health`);
  assert.equal(h.statusCode, 503);
  const body = (await h.body.json()) as { status: string; reasons: string[] };
  assert.equal(body.status, 'unavailable');
  assert.deepEqual(body.reasons, ['test-peer: no peer connected']);
  d.ctx.healthChecks.delete('test-peer');
});

test('metrics on the control socket, with route patterns (no IMSIs in labels)', async () => {
  const m = await d.call('GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /omnisep_http_requests_total\{listener="control",method="POST",route="\/api\/entitlements\/:imsi",status="200"/);
  assert.ok(!m.text.includes(IMSI));
  // The embedded store's commit waits: the entitlement writes above went through the `entitlements` journal.
  const count = Number(/omnisep_store_commit_wait_seconds_count\{[^}]*log="entitlements"[^}]*\} (\d+)/.exec(m.text)?.[1]);
  const inf = Number(/omnisep_store_commit_wait_seconds_bucket\{[^}]*le="\+Inf"[^}]*log="entitlements"[^}]*\} (\d+)|omnisep_store_commit_wait_seconds_bucket\{[^}]*log="entitlements"[^}]*le="\+Inf"[^}]*\} (\d+)/.exec(m.text)?.slice(1).find(Boolean));
  const sum = Number(/omnisep_store_commit_wait_seconds_sum\{[^}]*log="entitlements"[^}]*\} ([0-9.e-]+)/.exec(m.text)?.[1]);
  assert.ok(count >= 3, `entitlements commits counted: ${count}`);
  assert.equal(inf, count);
  assert.ok(sum > 0 && sum / count < 5, `mean commit wait ${sum / count} s`);
  // A record written since start is held as text until its collection's next compaction: counted by collection; the
  // budget is node's heap limit over 16 (docs/storage.md § Heap per SIM).
  const heldOf = (text: string) => Number(/omnisep_store_held_text_chars\{[^}]*collection="entitlements"[^}]*\} (\d+)/.exec(text)?.[1]);
  const before = heldOf(m.text);
  const other = '001010999999901';
  assert.equal((await d.call('POST', `/api/entitlements/${other}`, { app_id: 'ap2005', entitlement: { entitlement_status: 0 } })).status, 200);
  const m2 = await d.call('GET', '/metrics');
  const record = JSON.stringify((await d.call('GET', `/api/entitlements/${other}`)).json).length;
  assert.ok(heldOf(m2.text) > before && heldOf(m2.text) - before <= record + 64, `entitlements held as text: ${before} → ${heldOf(m2.text)} (the record's JSON ≈ ${record})`);
  assert.equal((await d.call('DELETE', `/api/entitlements/${other}`)).status, 200);
  assert.equal(heldOf((await d.call('GET', '/metrics')).text), before, 'its delete frees it');
  const budget = Number(/omnisep_store_held_text_budget_chars\{[^}]*\} (\d+)/.exec(m.text)?.[1]);
  assert.equal(budget, Math.floor(getHeapStatistics().heap_size_limit / 16));
});

test('every request log line carries request_id; no secret reaches logs or API output', async () => {
  await d.call('GET', '/api/status');
  const completed = d.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request completed');
  assert.ok(completed.length > 0);
  assert.ok(completed.every((l) => typeof l.request_id === 'string' && l.request_id.length > 0));
  const cfg = await d.call('GET', '/api/config');
  assert.equal(cfg.json.config.admin.api_keys[0], '[REDACTED]');
  assert.equal(cfg.json.config.token.signing_secret, '[REDACTED]');
  const activity = await d.call('GET', '/api/activity?limit=1000');
  const all = `${d.logs.join('\n')}\n${cfg.text}\n${activity.text}\n${(await d.call('GET', '/api/status')).text}`;
  assert.ok(!all.includes(TEST_API_KEY));
  assert.ok(!all.includes(TEST_SIGNING_SECRET));
  const setLine = d.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request completed' && l.imsi === IMSI);
  assert.ok(setLine, 'request lines about a subscriber carry its imsi');
});

test('a start that fails half-way (port taken) releases what it took: the store lock and the listeners', async () => {
  const { testConfig } = await import('./daemon-helpers.js');
  const { startDaemon } = await import('../daemon/main.js');
  const { createLogger } = await import('../daemon/logging.js');
  const { mkdtempSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-half-'));
  const logger = createLogger({ level: 'silent', pretty: false });
  await assert.rejects(startDaemon(testConfig(dir, [`admin.port=${d.addresses.http.port}`]), { logger, env: {} }), /EADDRINUSE/);
  assert.ok(!existsSync(join(dir, 'omnisep.lock')), 'store lock released');
  // The same data dir and socket work right away.
  const ok = await startDaemon(testConfig(dir), { logger, env: {} });
  assert.ok(ok.addresses.http.port! > 0);
  await ok.close();
});

test('every request schema of every listener compiles: the validators ajv builds on a route\'s first request (daemon/http/lazy-validators.ts) all build', () => {
  const before = compiledValidators.count;
  const n = compilePendingValidators();
  // Three listeners (public, admin TCP, control socket) carry well over a hundred request schemas between them.
  assert.ok(n > 100, `only ${n} validators were waiting to be compiled`);
  assert.equal(compiledValidators.count, before + n);
  assert.equal(compilePendingValidators(), 0, 'each compiled once');
});
