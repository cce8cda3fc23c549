/**
 * The VVM SMS side end to end (docs/vvm-sms.md): a real daemon, a real HTTP SMS gateway run by the test
 * (a node http server on loopback), the real CLI. Exact SMS texts at the gateway; a gateway that answers
 * 500 or hangs is retried, counted and visible in the backlog, never blocking; nothing secret in
 * activity, logs or CLI output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startTestDaemon, testConfig, type TestDaemon } from './daemon-helpers.js';
import { runCli } from './cli-harness.js';
import { Gateway, IMSI, PHONE, imapPortSets, readyStatus, vvmSets, withSetup } from './vvm-sms-harness.js';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';

/** The worker counts right after the gateway answers: poll /metrics (generous bound) until `re` matches. */
async function waitMetric(d: TestDaemon, re: RegExp): Promise<void> {
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = (await d.call('GET', '/metrics')).text;
    if (re.test(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(text, re);
}

/** The worker logs after its store write (which the API and /metrics may show first): wait for the line (generous bound). */
async function waitLog(d: TestDaemon, has: (line: string) => boolean): Promise<void> {
  for (let i = 0; i < 100 && !d.logs.some(has); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(d.logs.some(has), 'the expected log line');
}

const activityOf = async (d: TestDaemon) => (await d.call('GET', '/api/activity?limit=1000')).json.activities as Array<Record<string, unknown>>;

test('MO Activate through the inbound hook: the account is created ready and a STATUS st=R with a working password reaches the gateway', async () => {
  await withSetup(async (d, gw) => {
    const r = await d.call('POST', '/api/vvm/sms/inbound', { from: PHONE, text: 'Activate:pv=13;ct=samsung.SM-A536E.14;pt=5499', imsi: IMSI });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual({ ...r.json, sms_id: typeof r.json.sms_id }, { request: 'activate', imsi: IMSI, outcome: 'activated', st: 'R', rc: 0, sms_id: 'string' });
    const [got] = await gw.waitFor(1);
    const pw = /;pw=([0-9]+);/.exec(got!.body.text)?.[1] ?? '';
    assert.match(pw, /^[0-9]{8}$/);
    const ipt = d.ctx.listeners.imap?.port ?? d.ctx.config.vvm.imap_port;
    assert.equal(got!.body.text, readyStatus(ipt, pw));
    assert.deepEqual({ to: got!.body.to, from: got!.body.from, port: got!.body.port }, { to: PHONE, from: '+61400000000', port: 5499 });
    assert.equal(got!.headers.authorization, 'Bearer gw-secret-123456');
    assert.equal(got!.headers['idempotency-key'], r.json.sms_id);
    // The account is ready, remembers the client, and the password in the SMS is its IMAP password.
    const acct = (await d.call('GET', `/api/vvm/accounts/${IMSI}`)).json.account;
    assert.equal(acct.status, 'ready');
    assert.equal(acct.client_type, 'samsung.SM-A536E.14');
    assert.equal(acct.protocol_version, '13');
    assert.equal((await d.ctx.services.vvm.accounts.authenticate(IMSI, pw)).ok, true);
    // The backlog is empty once the gateway took it; the password is nowhere but in the SMS.
    // (the gateway has answered; the worker deletes the record right after: wait for it, generously)
    for (let i = 0; i < 200 && (await d.call('GET', '/api/vvm/sms')).json.total !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await d.call('GET', '/api/vvm/sms')).json.total, 0);
    const acts = await activityOf(d);
    assert.ok(acts.some((a) => a.request_type === 'vvm_activate'));
    assert.ok(acts.some((a) => a.request_type === 'vvm_sms_status'));
    for (const text of [JSON.stringify(acts), d.logs.join('\n'), JSON.stringify(acct)]) assert.equal(text.includes(pw), false, 'password leaked');
    // A Status request re-issues; Deactivate answers st=U;rc=0; an unknown subscriber gets st=U;rc=3.
    await d.call('POST', '/api/vvm/sms/inbound', { from: PHONE, text: 'Deactivate:pv=13;ct=samsung.SM-A536E.14', imsi: IMSI });
    assert.equal((await gw.waitFor(2))[1]!.body.text, '//VVM:STATUS:st=U;rc=0');
    assert.equal((await d.call('GET', `/api/vvm/accounts/${IMSI}`)).json.account.status, 'deactivated');
    await d.call('POST', '/api/vvm/sms/inbound', { from: '+61400999999', text: 'STATUS' });
    const third = (await gw.waitFor(3))[2]!;
    assert.deepEqual({ to: third.body.to, text: third.body.text }, { to: '+61400999999', text: '//VVM:STATUS:st=U;rc=3' });
    // Garbage is a 400, no SMS.
    const bad = await d.call('POST', '/api/vvm/sms/inbound', { from: PHONE, text: 'Activate:pv=11' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'OMNISEP_VVM_BAD_SMS');
    // The metrics: the nine vvm_* names, the SMS counted.
    const metrics = (await d.call('GET', '/metrics')).text;
    for (const name of ['vvm_imap_sessions_total', 'vvm_imap_active_sessions', 'vvm_imap_commands_total', 'vvm_messages_total', 'vvm_messages_stored', 'vvm_message_duration_seconds', 'vvm_sms_total', 'vvm_accounts_total', 'vvm_accounts_active'])
      assert.ok(metrics.includes(`# TYPE ${name} `), name);
    await waitMetric(d, /vvm_sms_total\{type="status",result="success",service="omnisep"\} 3/);
    assert.match(metrics, /vvm_sms_total\{type="activate",result="success",service="omnisep"\} 1/);
    assert.match(metrics, /vvm_accounts_total\{operation="create",result="success",service="omnisep"\} 1/);
  });
});

test('MO Activate without an IMSI: the sender\'s MSISDN is looked up in the subscriber store', async () => {
  await withSetup(async (d, gw) => {
    const add = await d.call('POST', '/api/subscribers', { imsi: IMSI, ki: '465b5ce8b199b49faa5f0a2ee238a6bc', opc: 'cd63cb71954a9f4e48a5994e37a02baf', msisdn: '61400123456' });
    assert.equal(add.status, 201, add.text);
    const r = await d.call('POST', '/api/vvm/sms/inbound', { from: PHONE, text: 'activate:pv=11;ct=google.Pixel_8.14' });
    assert.equal(r.json.imsi, IMSI);
    assert.equal(r.json.outcome, 'activated');
    const [got] = await gw.waitFor(1);
    assert.match(got!.body.text, /^\/\/VVM:STATUS:st=R;rc=0;.*;u=505010000000001;pw=[0-9]{8};/);
  });
});

test('a gateway answering 500 is retried with back-off, counted, then kept as failed in the backlog; one that hangs never blocks', async () => {
  await withSetup(async (d, gw) => {
    await d.ctx.services.vvm.accounts.create(IMSI, { msisdn: PHONE, status: 'ready' });
    gw.mode = 'fail';
    const sent = await d.call('POST', `/api/vvm/accounts/${IMSI}/sms/sync`, { ev: 'MBU' });
    assert.equal(sent.status, 200, sent.text);
    assert.ok(['pending', 'failed'].includes(sent.json.state), sent.text);
    assert.equal(sent.json.last_error, 'gateway answered HTTP 500');
    await gw.waitFor(3);
    // After the third attempt it is given up, still visible.
    let list: { total: number; sms: Array<{ state: string; attempts: number; text: string }> } = { total: 0, sms: [] };
    for (let i = 0; i < 100; i++) {
      list = (await d.call('GET', '/api/vvm/sms')).json;
      if (list.sms[0]?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(list.total, 1);
    assert.deepEqual([list.sms[0]!.state, list.sms[0]!.attempts, list.sms[0]!.text], ['failed', 3, '//VVM:SYNC:ev=MBU;c=0']);
    assert.equal(gw.received.length, 3);
    const metrics = (await d.call('GET', '/metrics')).text;
    await waitMetric(d, /vvm_sms_total\{type="sync",result="failed",service="omnisep"\} 3/);
    await waitLog(d, (l) => l.includes('SMS gateway refused the SMS') || l.includes('kept as failed'));
    // A hanging gateway: the send answers after the timeout with the SMS pending, the daemon keeps serving.
    gw.mode = 'hang';
    const t0 = Date.now();
    const hung = await d.call('POST', `/api/vvm/accounts/${IMSI}/sms/sync`, {});
    assert.ok(Date.now() - t0 < 10_000);
    assert.ok(['pending', 'failed'].includes(hung.json.state), hung.text);
    assert.match(hung.json.last_error, /no answer within 1500 ms/);
    assert.equal((await d.call('GET', '/api/status')).status, 200);
    const cli = await runCli(['vvm', 'sms', 'ls', '--socket', d.socket]);
    assert.match(cli.stdout, /2 SMS in the backlog/);
    assert.match(cli.stdout, /failed/);
  });
});

test('no gateway configured: deposits still work, each SMS is counted no_gateway, logged, and visible as failed', async () => {
  const d = await startTestDaemon(['vvm.enabled=true', ...imapPortSets()]);
  try {
    await d.ctx.services.vvm.accounts.create(IMSI, { msisdn: PHONE, status: 'ready' });
    const dep = await d.call('POST', `/api/vvm/accounts/${IMSI}/deposit`, { from: PHONE, audio_base64: Buffer.from('#!AMR\nabc').toString('base64'), content_type: 'audio/amr', duration_s: 4 });
    assert.equal(dep.status, 201, dep.text);
    assert.equal(dep.json.sync.state, 'failed');
    assert.match(dep.json.sync.last_error, /no gateway configured/);
    const list = (await d.call('GET', '/api/vvm/sms')).json;
    assert.equal(list.gateway, null);
    assert.equal(list.total, 1);
    await waitMetric(d, /vvm_sms_total\{type="sync",result="no_gateway",service="omnisep"\} 1/);
    await waitLog(d, (l) => l.includes('vvm.sms_gateway is empty'));
  } finally {
    await d.stop();
  }
});

test('VVM disabled: the routes answer 409 and say how to enable it', async () => {
  const d = await startTestDaemon([]);
  try {
    const r = await d.call('GET', '/api/vvm/accounts');
    assert.equal(r.status, 409);
    assert.equal(r.json.code, 'OMNISEP_VVM_DISABLED');
  } finally {
    await d.stop();
  }
});

test('the backlog survives a restart: an SMS the gateway did not take is sent by the next daemon', async () => {
  const gw = new Gateway();
  const url = await gw.listen();
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-vvm-restart-'));
  const quiet = () => createLogger({ level: 'error', pretty: false, destination: new Writable({ write(_c, _e, cb) { cb(); } }) });
  try {
    gw.mode = 'fail';
    // A long back-off: the first daemon makes one attempt, then stops with the SMS pending.
    const first = await startDaemon(testConfig(dir, vvmSets(url, ['vvm.sms_gateway_backoff_ms=600000'])), { logger: quiet(), env: {} });
    await first.ctx.services.vvm.accounts.create(IMSI, { msisdn: PHONE, status: 'ready' });
    await first.ctx.services.vvmSms.omtp.sync(IMSI, 'MBU', undefined, 'test');
    await gw.waitFor(1);
    await first.ctx.services.vvmSms.worker!.flush();
    await first.close();
    gw.mode = 'ok';
    const second = await startDaemon(testConfig(dir, vvmSets(url, ['vvm.sms_gateway_backoff_ms=600000'])), { logger: quiet(), env: {} });
    try {
      const pending = await second.ctx.services.vvmSms.outbox.list();
      assert.deepEqual(pending.map((r) => [r.state, r.attempts, r.text]), [['pending', 1, '//VVM:SYNC:ev=MBU;c=0']]);
      // Its retry time has not come; the operator does not have to wait: retryNow + the worker sends it.
      await second.ctx.services.vvmSms.outbox.retryNow(pending[0]!.id);
      second.ctx.services.vvmSms.worker!.kick();
      await gw.waitFor(2);
      await second.ctx.services.vvmSms.worker!.flush();
      assert.equal(gw.received[1]!.body.text, '//VVM:SYNC:ev=MBU;c=0');
      assert.equal(await second.ctx.services.vvmSms.outbox.count(), 0);
    } finally {
      await second.close();
    }
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

