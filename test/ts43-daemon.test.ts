/**
 * The TS.43 server inside the real daemon (startDaemon): full EAP-AKA over
 * the public listener, then the admin API and the real CLI over the control
 * socket — sessions, tokens revoked from the CLI (→ 511), entitlement
 * overrides moving VERS, activity without secrets, logs without secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon } from './daemon-helpers.js';
import { runCli, parseJson } from './cli-harness.js';
import { ANDROID_UA, SIM1, TestVectorSource, runUe } from './ts43-harness.js';

test('daemon: EAP-AKA, sessions and tokens in the admin API, token revoked from the CLI → 511, VERS moves with overrides', async () => {
  const vectors = new TestVectorSource([SIM1]);
  const d = await startTestDaemon(['eap_aka.backend=local', 'token.signing_secret=daemon-test-secret-123'], {
    beforeListen: (ctx) => {
      ctx.services.backends.vectorSource = vectors;
    },
  });
  try {
    const url = `${d.addresses.http.url.replace(/\/$/, '')}/`;
    const r = await runUe({ url, ...SIM1, apps: ['ap2004'] });
    assert.equal(r.final.status, 200);
    const token = /<parm name="token" value="([^"]+)"/.exec(r.final.body)![1]!;
    const vers1 = /<parm name="version" value="(\d+)"/.exec(r.final.body)![1]!;

    const sessions = await d.call('GET', '/api/sessions');
    assert.equal(sessions.status, 200);
    assert.equal(sessions.json.sessions[0].state, 'completed');
    assert.equal(sessions.json.sessions[0].imsi, SIM1.imsi);

    const tokens = await d.call('GET', '/api/tokens');
    assert.equal(tokens.json.count, 1);
    assert.ok(!tokens.text.includes(token), 'the admin API never shows the token value');
    const tokenId = tokens.json.tokens[0].token_id as string;

    const tq = `${url}?IMSI=${SIM1.imsi}&token=${encodeURIComponent(token)}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims`;
    assert.equal((await fetch(tq, { headers: { 'user-agent': ANDROID_UA } })).status, 200);

    // An override moves VERS and the answer.
    const set = await d.call('POST', `/api/entitlements/${SIM1.imsi}`, { app_id: 'ap2004', entitlement: { entitlement_status: 0 } });
    assert.equal(set.status, 200, set.text);
    const after = await (await fetch(tq, { headers: { 'user-agent': ANDROID_UA } })).text();
    const vers2 = /<parm name="version" value="(\d+)"/.exec(after)![1]!;
    assert.notEqual(vers2, vers1);
    assert.match(after, /<parm name="EntitlementStatus" value="0"\/>/);

    // Revoke from the real CLI.
    const cli = await runCli(['tokens', 'revoke', tokenId, '--socket', d.socket, '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(parseJson<{ token_id: string }>(cli).token_id, tokenId);
    assert.equal((await fetch(tq, { headers: { 'user-agent': ANDROID_UA } })).status, 511);

    const metrics = await d.call('GET', '/metrics');
    assert.match(metrics.text, /omnisep_tokens_issued_total\{[^}]*\} 1/);
    assert.match(metrics.text, /omnisep_eap_sessions_total\{[^}]*backend="local"[^}]*outcome="success"[^}]*\} 1|omnisep_eap_sessions_total\{[^}]*outcome="success"[^}]*backend="local"[^}]*\} 1/);
    assert.match(metrics.text, /omnisep_ts43_token_auth_total\{[^}]*result="revoked"[^}]*\} 1/);

    const acts = await d.call('GET', `/api/activity?imsi=${SIM1.imsi}&limit=50`);
    const types = new Set((acts.json.activities as Array<{ request_type: string }>).map((a) => a.request_type));
    for (const t of ['eap_challenge', 'eap_response', 'token_auth']) assert.ok(types.has(t), t);
    assert.ok(!acts.text.includes(token), 'activity never holds the token');
    assert.ok(!d.logs.join('\n').includes(token), 'logs never hold the token');
    const cookieValue = r.cookie!.split('=')[1]!;
    assert.ok(!acts.text.includes(cookieValue) && !d.logs.join('\n').includes(cookieValue), 'nor the session cookie');
  } finally {
    await d.stop();
  }
});

test('daemon: a session deleted through the admin API must start over', async () => {
  const vectors = new TestVectorSource([SIM1]);
  const d = await startTestDaemon(['eap_aka.backend=local'], { beforeListen: (ctx) => void (ctx.services.backends.vectorSource = vectors) });
  try {
    const url = `${d.addresses.http.url.replace(/\/$/, '')}/`;
    const first = await fetch(`${url}?EAP_ID=0${SIM1.imsi}%40nai.epc.mnc001.mcc001.3gppnetwork.org&terminal_id=t&app=ap2004&entitlement_version=2`, { headers: { 'user-agent': ANDROID_UA } });
    assert.equal(first.status, 200);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const pkt = Buffer.from(JSON.parse(await first.text())['eap-relay-packet'] as string, 'base64');
    const list = await d.call('GET', '/api/sessions');
    assert.equal(list.json.sessions[0].state, 'challenge_sent');
    const del = await d.call('DELETE', `/api/sessions/${list.json.sessions[0].session_id}`);
    assert.equal(del.status, 200);
    assert.equal(d.ctx.services.eapAuth.liveCount, 0, 'the service dropped the live session at once, not on the next POST');
    pkt[0] = 2;
    const r = await fetch(url, { method: 'POST', headers: { cookie, 'content-type': 'application/vnd.gsma.eap-relay.v1.0+json', 'user-agent': ANDROID_UA }, body: JSON.stringify({ 'eap-relay-packet': pkt.toString('base64') }) });
    assert.equal(r.status, 511);
  } finally {
    await d.stop();
  }
});
