/**
 * Operator tokens (TS.43 §14.1.6, ap2015; docs/odsa.md § Operator tokens) against the real daemon: tokens
 * signed with the shared HMAC secret, then with a key of a JWKS file; the §2.8 statuses — 401 for a
 * forged, expired, wrong-issuer, wrong-audience or malformed token, 403 for a good token used outside
 * ap2015's operations — and the two operations' answers (ValidateOperatorToken, VerifyPhoneNumber).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, importPKCS8, importSPKI } from 'jose';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';

const IMSI = '001010000000077';
const SECRET = 'operator-token-shared-secret-0123456789abcdef';
const ISS = 'https://auth.operator.example';
const AUD = 'omnisep-ecs';
const now = () => Math.floor(Date.now() / 1000);

const hs = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT({ client_id: 'com.example.bank', scope: 'openid phone', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setSubject(IMSI).setExpirationTime(now() + 300).sign(new TextEncoder().encode(secret));

async function ask(d: TestDaemon, params: Record<string, string>) {
  const u = new URL(d.addresses.http.url);
  for (const [k, v] of Object.entries({ requestor_id: 'bank-backend', entitlement_version: '12.0', app: 'ap2015', ...params })) u.searchParams.set(k, v);
  const r = await fetch(u, { headers: { accept: 'application/json' } });
  return { status: r.status, text: await r.text() };
}

test('operator tokens with a shared HMAC secret: 401 / 403 / the ap2015 answers, never a TOKEN, never the token in the activity', async () => {
  const d = await startTestDaemon([`operator_token.issuer=${ISS}`, `operator_token.audience=${AUD}`, `operator_token.hmac_secret=${SECRET}`, 'operator_token.clock_skew_seconds=5']);
  try {
    assert.equal((await d.call('POST', '/api/subscribers', { imsi: IMSI, ki: '465b5ce8b199b49faa5f0a2ee238a6bc', opc: 'cd63cb71954a9f4e48a5994e37a02baf', msisdn: '+447700900177' })).status, 201);
    const good = await hs({});

    const v = await ask(d, { operator_token: good, operation: 'ValidateOperatorToken', client_id: 'com.example.bank', scope: 'phone' });
    assert.equal(v.status, 200, v.text);
    const doc = JSON.parse(v.text) as Record<string, Record<string, string>>;
    assert.deepEqual(doc.ap2015, { OperationResult: '1', OperatorTokenValidity: '1', OperatorTokenValidatedParams: 'client_id,scope' });
    assert.equal(doc.Token, undefined, '§14.1.6: no TOKEN in operator-token answers');
    const other = JSON.parse((await ask(d, { operator_token: good, operation: 'ValidateOperatorToken', client_id: 'com.other.app' })).text) as Record<string, Record<string, string>>;
    assert.equal(other.ap2015!.OperatorTokenValidity, '0', 'a token of another app');
    assert.equal((JSON.parse((await ask(d, { operator_token: good, operation: 'ValidateOperatorToken' })).text) as Record<string, Record<string, string>>).ap2015!.OperationResult, '102');

    const yes = JSON.parse((await ask(d, { operator_token: good, operation: 'VerifyPhoneNumber', msisdn: '+447700900177' })).text) as Record<string, Record<string, string>>;
    assert.equal(yes.ap2015!.PhoneNumberVerification, '1');
    const no = JSON.parse((await ask(d, { operator_token: good, operation: 'VerifyPhoneNumber', msisdn: '+447700900999' })).text) as Record<string, Record<string, string>>;
    assert.equal(no.ap2015!.PhoneNumberVerification, '0');

    // 401: forged, expired (beyond the 5 s skew), another issuer, another audience, garbage, no IMSI subject.
    const bad = [
      await hs({}, 'another-secret-of-enough-length-0123456789'),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setSubject(IMSI).setExpirationTime(now() - 60).sign(new TextEncoder().encode(SECRET)),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://evil.example').setAudience(AUD).setSubject(IMSI).setExpirationTime(now() + 60).sign(new TextEncoder().encode(SECRET)),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience('someone-else').setSubject(IMSI).setExpirationTime(now() + 60).sign(new TextEncoder().encode(SECRET)),
      'not-a-jwt',
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setSubject('alice').setExpirationTime(now() + 60).sign(new TextEncoder().encode(SECRET)),
    ];
    for (const t of bad) assert.equal((await ask(d, { operator_token: t, operation: 'VerifyPhoneNumber', msisdn: '+447700900177' })).status, 401);
    // Inside the skew: accepted.
    const skewed = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setSubject(IMSI).setExpirationTime(now() - 2).sign(new TextEncoder().encode(SECRET));
    assert.equal((await ask(d, { operator_token: skewed, operation: 'VerifyPhoneNumber', msisdn: '+447700900177' })).status, 200);

    // 403: a good token for another operation or another app.
    assert.equal((await ask(d, { operator_token: good, operation: 'ManageSubscription', operation_type: '0' })).status, 403);
    assert.equal((await ask(d, { operator_token: good, app: 'ap2004' })).status, 403);

    const activity = JSON.stringify((await d.call('GET', '/api/activity?limit=50')).json);
    assert.ok(activity.includes('OPERATOR_TOKEN'), 'recorded with its auth method');
    assert.ok(!activity.includes(good.split('.')[2]!), 'never the token');
    assert.ok(!d.logs.some((l) => l.includes(SECRET) || l.includes(good)), 'never the secret or the token in the logs');
  } finally {
    await d.stop();
  }
});

test('operator tokens checked against a JWKS file (ES256): a key of the set verifies, another key is 401', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-jwks-'));
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'ES256');
  const priv = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
  const file = join(dir, 'issuer.jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(pub)), kid: 'op-1', alg: 'ES256', use: 'sig' }] }));
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const sign = (key: Parameters<SignJWT['sign']>[0]) => new SignJWT({ client_id: 'com.example.bank' }).setProtectedHeader({ alg: 'ES256', kid: 'op-1' }).setIssuer(ISS).setAudience(AUD).setSubject(IMSI).setExpirationTime(now() + 300).sign(key);
  const d = await startTestDaemon([`operator_token.issuer=${ISS}`, `operator_token.audience=${AUD}`, `operator_token.jwks_file=${file}`]);
  try {
    const ok = await ask(d, { operator_token: await sign(priv), operation: 'ValidateOperatorToken', client_id: 'com.example.bank' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((JSON.parse(ok.text) as Record<string, Record<string, string>>).ap2015!.OperatorTokenValidity, '1');
    const forged = await ask(d, { operator_token: await sign(await importPKCS8(stranger.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256')), operation: 'ValidateOperatorToken', client_id: 'com.example.bank' });
    assert.equal(forged.status, 401);
    // An HMAC token is not accepted when the issuer publishes keys (no algorithm confusion).
    assert.equal((await ask(d, { operator_token: await hs({}), operation: 'ValidateOperatorToken', client_id: 'x' })).status, 401);
  } finally {
    await d.stop();
  }
});
