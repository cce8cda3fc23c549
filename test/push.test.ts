/**
 * Push on change (TS.43 §2.6; docs/odsa.md § Push) against the real daemon (startDaemon, embedded store)
 * with a push gateway this test runs on loopback (`push.mode local`, the FCM HTTP v1 request shape):
 * a device registers notif_token with an authenticated request; `entitlement set` reaches the gateway
 * without the phone polling; a gateway that answers 500 or hangs is retried, counted and listed, and
 * never holds up a phone's request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { runCli } from './cli-harness.js';
import type { PushStatus } from '../src/contracts/push.js';

const IMSI = '001010000000042';
const PUSH_TOKEN = 'fcm-registration-token-AAAA-bbbb-1234';

interface Received {
  at: number;
  auth: string | undefined;
  body: { message: { token: string; android?: unknown; data: Record<string, string> } };
}

/** A gateway that records requests and answers with `mode`: ok (200), fail (500) or hang (never answers). */
async function gateway(mode: () => 'ok' | 'fail' | 'hang') {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ at: Date.now(), auth: req.headers.authorization, body: JSON.parse(text) as Received['body'] });
      for (const w of waiters.splice(0)) w();
      const m = mode();
      if (m === 'hang') return void held.push(res);
      res.writeHead(m === 'ok' ? 200 : 500, { 'content-type': 'application/json' }).end(m === 'ok' ? '{"name":"projects/lab/messages/1"}' : '{"error":{"code":500}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/projects/lab/messages:send`;
  /** Resolves when `n` requests have arrived (generous bound: the machine is busy). */
  const waitFor = (n: number, ms = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (received.length >= n ? resolve() : waiters.push(check));
      setTimeout(() => reject(new Error(`gateway: ${received.length} of ${n} requests within ${ms} ms`)), ms).unref();
      check();
    });
  return { url, received, waitFor, close: () => { for (const r of held) r.destroy(); server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); } };
}

/** The phone's request with its push token (development mode: authenticated as the IMSI given). */
async function phone(d: TestDaemon, extra: Record<string, string> = {}) {
  const u = new URL(d.addresses.http.url);
  const q = { IMSI, terminal_id: '356938035643809', app: 'ap2004', entitlement_version: '2.0', app_name: 'com.google.android.ims', notif_action: '2', notif_token: PUSH_TOKEN, ...extra };
  for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
  return fetch(u, { headers: { accept: 'text/vnd.wap.connectivity-xml' } });
}

const setEntitlement = (d: TestDaemon, status: number) => d.call('POST', `/api/entitlements/${IMSI}`, { app_id: 'ap2004', entitlement: { entitlement_status: status } });

test('entitlement set reaches a registered device through the gateway (FCM v1 shape), and omnisep push ls shows it', async () => {
  const gw = await gateway(() => 'ok');
  const d = await startTestDaemon(['eap_aka.enabled=false', 'push.mode=local', `push.url=${gw.url}`, 'push.access_token=lab-bearer-token', 'push.poll_ms=60000']);
  try {
    assert.equal((await phone(d)).status, 200);
    const before = (await d.call('GET', '/api/push')).json as PushStatus;
    assert.equal(before.registrations, 1);
    assert.equal(before.registrations_estimated, undefined, 'an exact count carries no estimate flag');
    const t0 = Date.now();
    assert.equal((await setEntitlement(d, 0)).status, 200);
    const answered = Date.now() - t0;
    await gw.waitFor(1);
    const elapsed = gw.received[0]!.at - t0;
    // Where the time goes: the admin write (durable) is in `answered`; the push starts on its change event.
    console.log(`# push: entitlement set → gateway in ${elapsed} ms (the admin request answered in ${answered} ms)`);
    assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
    const msg = gw.received[0]!;
    assert.equal(msg.auth, 'Bearer lab-bearer-token');
    assert.equal(msg.body.message.token, PUSH_TOKEN);
    const { timestamp, ...data } = msg.body.message.data;
    assert.deepEqual(data, { app: 'ap2004', type: 'ts43_configuration_changed', app_ids: 'ap2004', reasons: 'entitlement' });
    assert.match(timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'TS.43 §2.6.2: timestamp in ISO 8601 with its zone');
    assert.ok(!JSON.stringify(msg.body).includes(IMSI), 'no IMSI through the gateway');

    // Through the CLI as an operator would: `omnisep entitlement set`, then `omnisep push ls`.
    const set = await runCli(['entitlement', 'set', IMSI, 'ap2004', '--status', '1', '--socket', d.socket]);
    assert.equal(set.code, 0, set.stderr);
    await gw.waitFor(2);
    const ls = await runCli(['push', 'ls', '--socket', d.socket]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /mode local, 1 registered device\(s\), 0 pending, 0 failed, 2 sent since start/);
    assert.ok(!ls.stdout.includes(PUSH_TOKEN) && !JSON.stringify((await d.call('GET', '/api/push')).json).includes(PUSH_TOKEN), 'never the push token');
    assert.match((await d.call('GET', '/metrics')).text, /omnisep_push_sent_total(\{[^}]*\})? 2/);

    // An ODSA change (a companion subscribed) is pushed too, to the apps it concerns.
    const odsa = await phone(d, { app: 'ap2006', operation: 'ManageSubscription', operation_type: '0', companion_terminal_id: 'W1', companion_terminal_eid: '89049032000001000000000000000001', companion_terminal_vendor: 'Omni', companion_terminal_friendly_name: 'Watch' });
    assert.match(await odsa.text(), /SubscriptionResult" value="2"/);
    await gw.waitFor(3);
    assert.deepEqual({ ...gw.received[2]!.body.message.data, timestamp: undefined }, { app: 'ap2006', timestamp: undefined, type: 'ts43_configuration_changed', app_ids: 'ap2006', reasons: 'odsa' });

    // notif_action 0: the device unregisters; the next change sends nothing.
    assert.equal((await phone(d, { notif_action: '0' })).status, 200);
    assert.equal(((await d.call('GET', '/api/push')).json as PushStatus).registrations, 0);
  } finally {
    await d.stop();
    await gw.close();
  }
});

test('a gateway answering 500 is retried with back-off, counted, and kept as failed after max_attempts', async () => {
  const gw = await gateway(() => 'fail');
  const d = await startTestDaemon(['eap_aka.enabled=false', 'push.mode=local', `push.url=${gw.url}`, 'push.backoff_ms=50', 'push.max_attempts=3', 'push.poll_ms=50']);
  try {
    await phone(d);
    await setEntitlement(d, 0);
    await gw.waitFor(3);
    let status: PushStatus | undefined;
    for (let i = 0; i < 100; i++) {
      status = (await d.call('GET', '/api/push')).json as PushStatus;
      if (status.failed === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status!.failed, 1);
    assert.equal(status!.backlog[0]!.attempts, 3);
    assert.equal(status!.backlog[0]!.last_error, 'http_500');
    const metrics = (await d.call('GET', '/metrics')).text;
    assert.match(metrics, /omnisep_push_failures_total\{reason="http_500"[^}]*\} 3/);
    assert.match(metrics, /omnisep_push_retries_total(\{[^}]*\})? 2/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(gw.received.length, 3, 'no send after max_attempts');
  } finally {
    await d.stop();
    await gw.close();
  }
});

test('a gateway that hangs: timed out and retried; phones are answered meanwhile', async () => {
  const gw = await gateway(() => 'hang');
  const d = await startTestDaemon(['eap_aka.enabled=false', 'push.mode=local', `push.url=${gw.url}`, 'push.timeout_ms=300', 'push.backoff_ms=100', 'push.max_attempts=2', 'push.poll_ms=50']);
  try {
    await phone(d);
    await setEntitlement(d, 0);
    await gw.waitFor(1);
    // The gateway holds the first send open: a phone's request is answered all the same.
    const r = await phone(d);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /EntitlementStatus" value="0"/);
    await gw.waitFor(2);
    let status: PushStatus | undefined;
    for (let i = 0; i < 150; i++) {
      status = (await d.call('GET', '/api/push')).json as PushStatus;
      if (status.failed === 1) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(status!.failed, 1);
    assert.equal(status!.backlog[0]!.last_error, 'timeout');
    assert.match((await d.call('GET', '/metrics')).text, /omnisep_push_failures_total\{reason="timeout"[^}]*\} 2/);
  } finally {
    await d.stop();
    await gw.close();
  }
});
