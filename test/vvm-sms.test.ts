/**
 * The VVM SMS side end to end (docs/vvm-sms.md): a real daemon, a real HTTP SMS gateway run by the test
 * (a node http server on loopback), the real CLI. Exact SMS texts at the gateway; a gateway that answers
 * 500 or hangs is retried, counted and visible in the backlog, never blocking; nothing secret in
 * activity, logs or CLI output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { startTestDaemon, testConfig, type TestDaemon } from './daemon-helpers.js';
import { cliArgv, cliEnv, parseJson, runCli } from './cli-harness.js';
import { formatSyncDate } from '../src/codec/omtp/sms.js';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';

interface Received { headers: IncomingMessage['headers']; body: { to: string; from: string; text: string; port: number } }

/** A loopback SMS gateway: records every POST; `mode` decides the answer (200, 500, or never). */
class Gateway {
  readonly received: Received[] = [];
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  #server: Server;
  #waiters: Array<() => void> = [];
  #hung: Array<() => void> = [];
  constructor() {
    this.#server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: JSON.parse(data) as Received['body'] });
        for (const w of this.#waiters.splice(0)) w();
        if (this.mode === 'hang') return void this.#hung.push(() => res.destroy());
        res.writeHead(this.mode === 'ok' ? 200 : 500, { 'content-type': 'application/json' }).end(this.mode === 'ok' ? '{"status":"queued"}' : '{"error":"boom"}');
      });
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/send`;
  }
  /** Waits (generously) until `n` requests have arrived. */
  async waitFor(n: number, ms = 20_000): Promise<Received[]> {
    const until = Date.now() + ms;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`gateway: ${this.received.length} of ${n} requests after ${ms} ms`);
      await new Promise<void>((r) => { this.#waiters.push(r); setTimeout(r, 200); });
    }
    return this.received;
  }
  async close(): Promise<void> {
    for (const h of this.#hung.splice(0)) h();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

const IMSI = '505010000000001';
const PHONE = '+61400123456';

const vvmSets = (gatewayUrl: string, extra: string[] = []) => [
  'vvm.enabled=true', `vvm.sms_gateway=${gatewayUrl}`, 'vvm.sms_gateway_auth=Bearer gw-secret-123456', 'vvm.sms_gateway_timeout_ms=400',
  'vvm.sms_gateway_backoff_ms=50', 'vvm.sms_gateway_max_attempts=3', ...imapPortSets(), ...extra,
];
/** The IMAP listeners (when this build has them) on free ports. */
function imapPortSets(): string[] {
  const keys = Object.keys(testConfig('/tmp').vvm);
  return ['imap_port', 'imaps_port'].filter((k) => keys.includes(k)).map((k) => `vvm.${k}=0`);
}

/** The exact STATUS of a ready account with the default vvm.* settings, for a given password. */
const readyStatus = (ipt: number, pw: string) =>
  `//VVM:STATUS:st=R;rc=0;srv=vvm.example.com;tui=*86;dn=+61400000000;ipt=${ipt};spt=587;smtp_u=${IMSI};smtp_pw=${pw};u=${IMSI};pw=${pw};lang=1;g_len=60;vs_len=60;pw_len=4-15;pm=N;gm=N;vtc=A`;

async function withSetup(fn: (d: TestDaemon, gw: Gateway) => Promise<void>, extra: string[] = []): Promise<void> {
  const gw = new Gateway();
  const url = await gw.listen();
  const d = await startTestDaemon(vvmSets(url, extra));
  try {
    await fn(d, gw);
  } finally {
    await d.stop();
    await gw.close();
  }
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
    assert.match(metrics, /vvm_sms_total\{type="status",result="success",service="omnisep"\} 3/);
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

test('omnisep vvm deposit (real CLI, real daemon) → SYNC ev=NM with the exact text at the gateway; sms status/sync/ls and account commands', async () => {
  await withSetup(async (d, gw) => {
    const dir = mkdtempSync(join(tmpdir(), 'vvm-cli-'));
    try {
      const audio = join(dir, 'voice.amr');
      writeFileSync(audio, Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(600, 0x3c)]));
      const sock = ['--socket', d.socket];
      const add = await runCli(['vvm', 'account', 'add', IMSI, '--msisdn', PHONE, '--status', 'ready', '--json', ...sock]);
      assert.equal(add.code, 0, add.stderr);
      assert.equal(parseJson<{ status: string }>(add).status, 'ready');
      const before = Date.now();
      const dep = await runCli(['vvm', 'deposit', IMSI, '--file', audio, '--from', PHONE, '--duration', '30', '--json', ...sock]);
      const after = Date.now();
      assert.equal(dep.code, 0, dep.stderr);
      const body = parseJson<{ uid: number; sync: { state: string; type: string } }>(dep);
      assert.equal(body.uid, 1);
      assert.deepEqual([body.sync.type, body.sync.state], ['sync', 'sent']);
      const [sync] = await gw.waitFor(1);
      const expected = [before, after].map((t) => `//VVM:SYNC:ev=NM;id=1;c=1;t=v;s=+61400123456;dt=${formatSyncDate(t)};l=30`);
      assert.ok(expected.includes(sync!.body.text), `${sync!.body.text} not one of ${expected.join(' | ')}`);
      assert.equal(sync!.body.to, PHONE);
      // Human output says the SYNC went.
      const dep2 = await runCli(['vvm', 'deposit', IMSI, '--file', audio, '--from', '', ...sock]);
      assert.equal(dep2.code, 0, dep2.stderr);
      assert.match(dep2.stdout, /deposited message uid 2/);
      assert.match(dep2.stdout, /state\s+sent/);
      assert.match((await gw.waitFor(2))[1]!.body.text, /^\/\/VVM:SYNC:ev=NM;id=2;c=2;t=v;s=;dt=/);
      // sms sync (MBU) and sms status (fresh credentials) send now; the password is never printed.
      const sy = await runCli(['vvm', 'sms', 'sync', IMSI, '--json', ...sock]);
      assert.equal(sy.code, 0, sy.stderr);
      assert.equal((await gw.waitFor(3))[2]!.body.text, '//VVM:SYNC:ev=MBU;c=2');
      const st = await runCli(['vvm', 'sms', 'status', IMSI, ...sock]);
      assert.equal(st.code, 0, st.stderr);
      const status = (await gw.waitFor(4))[3]!.body.text;
      const pw = /;pw=([0-9]+);/.exec(status)![1]!;
      assert.equal(status, readyStatus(d.ctx.listeners.imap?.port ?? d.ctx.config.vvm.imap_port, pw));
      assert.equal(st.stdout.includes(pw), false);
      assert.match(st.stdout, /credentials: issued when sent/);
      // account show: quota figures; ls; set-pin from stdin, never echoed.
      const show = parseJson<{ mailbox: { messages: number; unseen: number } }>(await runCli(['vvm', 'account', 'show', IMSI, '--json', ...sock]));
      assert.deepEqual([show.mailbox.messages, show.mailbox.unseen], [2, 2]);
      const ls = await runCli(['vvm', 'account', 'ls', ...sock]);
      assert.match(ls.stdout, /505010000000001\s+\+61400123456\s+ready\s+set/);
      const setPin = await runWithStdin(['vvm', 'account', 'set-pin', IMSI, ...sock], '918273\n');
      assert.equal(setPin.code, 0, setPin.stderr);
      assert.equal(`${setPin.stdout}${setPin.stderr}`.includes('918273'), false);
      assert.equal((await d.ctx.services.vvm.accounts.authenticate(IMSI, '918273')).ok, true);
      const weak = await runWithStdin(['vvm', 'account', 'set-pin', IMSI, ...sock], '12\n');
      assert.equal(weak.code, 1);
      assert.match(weak.stderr, /password too short/);
      const block = await runCli(['vvm', 'account', 'block', IMSI, '--json', ...sock]);
      assert.equal(parseJson<{ status: string }>(block).status, 'blocked');
      // The backlog is empty: everything went.
      const smsLs = await runCli(['vvm', 'sms', 'ls', ...sock]);
      assert.match(smsLs.stdout, /backlog empty/);
      for (const a of await activityOf(d)) assert.equal(JSON.stringify(a).includes(pw), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
    assert.match(metrics, /vvm_sms_total\{type="sync",result="failed",service="omnisep"\} 3/);
    assert.ok(d.logs.some((l) => l.includes('SMS gateway refused the SMS') || l.includes('kept as failed')));
    // A hanging gateway: the send answers after the timeout with the SMS pending, the daemon keeps serving.
    gw.mode = 'hang';
    const t0 = Date.now();
    const hung = await d.call('POST', `/api/vvm/accounts/${IMSI}/sms/sync`, {});
    assert.ok(Date.now() - t0 < 10_000);
    assert.ok(['pending', 'failed'].includes(hung.json.state), hung.text);
    assert.match(hung.json.last_error, /no answer within 400 ms/);
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
    assert.match((await d.call('GET', '/metrics')).text, /vvm_sms_total\{type="sync",result="no_gateway",service="omnisep"\} 1/);
    assert.ok(d.logs.some((l) => l.includes('vvm.sms_gateway is empty')));
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

/** The CLI with a given stdin (set-pin reads the PIN there). */
function runWithStdin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgv(), ...args], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
