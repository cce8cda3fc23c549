/**
 * FCM HTTP v1 with a service account (docs/odsa.md § Push): the daemon signs the RS256 JWT assertion with
 * the account's key, exchanges it at a token endpoint this test runs on loopback (push.token_uri), sends
 * with the access token it got, reuses it while valid and mints a new one before it expires; a failing
 * exchange is counted (reason oauth) and retried like a failing send. Real sockets, a real RSA key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, importSPKI, jwtVerify } from 'jose';
import { startTestDaemon } from './daemon-helpers.js';

const IMSI = '001010000000043';
const PUSH_TOKEN = 'fcm-registration-token-oauth-1';

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => void handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); } };
}

const until = async (cond: () => boolean | Promise<boolean>, what: string, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('fcm with a service account: JWT assertion exchanged at the token URI, the access token cached, refreshed, and a failed exchange retried', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const verifyKey = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(verifyKey)), kid: 'key-1', alg: 'RS256' }] });

  let exchangeStatus = 500; // the first exchange fails
  let issued = 0;
  const assertions: Array<{ iss: unknown; scope: unknown; aud: unknown; kid: unknown; grant: string | null }> = [];
  const tokenEndpoint = await listen(async (req, body, res) => {
    const form = new URLSearchParams(body);
    const tokenUri = `http://127.0.0.1:${(req.socket.address() as AddressInfo).port}/token`;
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('assertion') ?? '', jwks, { audience: tokenUri, algorithms: ['RS256'] });
      assertions.push({ iss: payload.iss, scope: payload.scope, aud: payload.aud, kid: protectedHeader.kid, grant: form.get('grant_type') });
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', detail: (e as Error).message }));
      return;
    }
    if (exchangeStatus !== 200) return void res.writeHead(exchangeStatus, { 'content-type': 'application/json' }).end('{"error":"internal"}');
    issued++;
    // A short-lived token (2 s): cached for half its life, then minted again.
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `ya29.lab-${issued}`, expires_in: 2, token_type: 'Bearer' }));
  });
  const received: Array<{ auth: string | undefined; token: string }> = [];
  const gateway = await listen((req, body, res) => {
    received.push({ auth: req.headers.authorization, token: (JSON.parse(body) as { message: { token: string } }).message.token });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"projects/lab/messages/1"}');
  });

  const dir = mkdtempSync(join(tmpdir(), 'omnisep-sa-'));
  const saFile = join(dir, 'service-account.json');
  writeFileSync(saFile, JSON.stringify({ type: 'service_account', project_id: 'lab-project', private_key_id: 'key-1', private_key: pem, client_email: 'omnisep@lab-project.iam.gserviceaccount.com', token_uri: 'https://oauth2.googleapis.com/token' }));

  const d = await startTestDaemon(['eap_aka.enabled=false', 'push.mode=fcm', 'push.project_id=lab-project', `push.url=${gateway.url}/v1/projects/lab-project/messages:send`,
    `push.service_account_file=${saFile}`, `push.token_uri=${tokenEndpoint.url}/token`, 'push.backoff_ms=100', 'push.poll_ms=50']);
  try {
    const u = new URL(d.addresses.http.url);
    for (const [k, v] of Object.entries({ IMSI, terminal_id: '356938035643810', app: 'ap2004', entitlement_version: '2.0', notif_action: '2', notif_token: PUSH_TOKEN })) u.searchParams.set(k, v);
    assert.equal((await fetch(u)).status, 200);
    const set = (status: number) => d.call('POST', `/api/entitlements/${IMSI}`, { app_id: 'ap2004', entitlement: { entitlement_status: status } });

    // 1. The exchange fails (500): counted as an oauth failure, the notification stays pending and is retried.
    assert.equal((await set(0)).status, 200);
    await until(() => assertions.length >= 1, 'the first token exchange');
    await until(async () => /omnisep_push_failures_total\{reason="oauth"[^}]*\} [1-9]/.test((await d.call('GET', '/metrics')).text), 'the oauth failure metric');
    assert.equal(received.length, 0, 'nothing is sent without an access token');

    // 2. The endpoint recovers: the retry gets an access token and the gateway receives the bearer.
    exchangeStatus = 200;
    await until(() => received.length >= 1, 'the send after the exchange');
    assert.equal(received[0]!.auth, 'Bearer ya29.lab-1');
    assert.equal(received[0]!.token, PUSH_TOKEN);
    const a = assertions.at(-1)!;
    assert.equal(a.grant, 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    assert.equal(a.iss, 'omnisep@lab-project.iam.gserviceaccount.com');
    assert.equal(a.scope, 'https://www.googleapis.com/auth/firebase.messaging');
    assert.equal(a.kid, 'key-1');

    // 3. Another change at once: the cached token is reused (no new exchange).
    const exchangesBefore = assertions.length;
    assert.equal((await set(1)).status, 200);
    await until(() => received.length >= 2, 'the second send');
    assert.equal(received[1]!.auth, 'Bearer ya29.lab-1');
    assert.equal(assertions.length, exchangesBefore, 'the access token was cached');

    // 4. After half its 2 s life: minted again.
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal((await set(0)).status, 200);
    await until(() => received.length >= 3, 'the third send');
    assert.equal(received[2]!.auth, 'Bearer ya29.lab-2');

    assert.ok(!d.logs.some((l) => l.includes('PRIVATE KEY') || l.includes('ya29.')), 'no key or access token in the logs');
  } finally {
    await d.stop();
    await gateway.close();
    await tokenEndpoint.close();
  }

});
