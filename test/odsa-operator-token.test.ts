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
import { LOOPBACK_EAP_LIMITS, SIM1, runUe } from './ts43-harness.js';
import { xmlParms } from './ts43-xml.js';

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

test('AcquireOperatorToken (§14.1): a device after EAP-AKA, then with its TS.43 token, gets an operator token that ValidateOperatorToken, GetSubscriberDeviceInfo and VerifyPhoneNumber accept', async () => {
  const d = await startTestDaemon([`operator_token.issuer=${ISS}`, `operator_token.audience=${AUD}`, `operator_token.hmac_secret=${SECRET}`, 'operator_token.auth_url=https://auth.operator.example/validate',
    'operator_token.lifetime_seconds=600', 'eap_aka.backend=local', ...LOOPBACK_EAP_LIMITS]);
  try {
    assert.equal((await d.call('POST', '/api/subscribers', { imsi: SIM1.imsi, ki: SIM1.k.toString('hex'), opc: SIM1.opc.toString('hex'), msisdn: '+447700900123' })).status, 201);
    const base = d.addresses.http.url.replace(/\/?$/, '/');
    // A tokenless request: EAP-AKA first, then the operation runs with the parameters kept in the EAP session.
    const eap = await runUe({ url: `${base}?operation=AcquireOperatorToken&client_id=com.example.bank&scope=openid%20phone`, postUrl: base, ...SIM1, apps: ['ap2015'], accept: 'text/vnd.wap.connectivity-xml' });
    assert.equal(eap.final.status, 200, eap.final.body);
    const first = xmlParms(eap.final.body);
    assert.equal(first.APPLICATION!.OperationResult, '1', eap.final.body);
    const tsToken = first.TOKEN!.token!;
    assert.ok(tsToken.length > 20, 'EAP-AKA success carries the TS.43 token');

    // With the TS.43 token (§14.1.3's request): XML, the TOKEN echoed, the Table 117 parameters.
    const u = new URL(base);
    for (const [k, v] of Object.entries({ terminal_id: '356938035643809', IMSI: SIM1.imsi, token: tsToken, app_name: 'com.google.android.ims', entitlement_version: '12.0', app: 'ap2015', operation: 'AcquireOperatorToken', client_id: 'com.example.bank', scope: 'openid phone' })) u.searchParams.set(k, v);
    const t0 = Math.floor(Date.now() / 1000);
    const r = await fetch(u, { headers: { accept: 'text/vnd.wap.connectivity-xml' } });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    const doc = xmlParms(body);
    assert.equal(doc.TOKEN!.token, tsToken, 'the TS.43 token echoed (§14.1.4 example)');
    const a = doc.APPLICATION!;
    assert.equal(a.AppID, 'ap2015');
    assert.equal(a.OperationResult, '1');
    assert.equal(a.ClientID, 'com.example.bank');
    assert.equal(a.OperatorTokenAuthURL, 'https://auth.operator.example/validate');
    assert.match(a.OperatorTokenExpiry!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'ISO 8601 with its zone');
    const exp = Date.parse(a.OperatorTokenExpiry!) / 1000;
    assert.ok(exp >= t0 + 600 - 5 && exp <= t0 + 600 + 60, `expiry ${a.OperatorTokenExpiry} is about lifetime_seconds away`);
    const minted = a.OperatorToken!;
    assert.match(minted, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    // The minted tokens pass omnisep's own operator-token checks.
    for (const token of [minted, first.APPLICATION!.OperatorToken!]) {
      const v = JSON.parse((await ask(d, { operator_token: token, operation: 'ValidateOperatorToken', client_id: 'com.example.bank', scope: 'phone' })).text) as Record<string, Record<string, string>>;
      assert.deepEqual(v.ap2015, { OperationResult: '1', OperatorTokenValidity: '1', OperatorTokenValidatedParams: 'client_id,scope' });
    }
    const wrongScope = JSON.parse((await ask(d, { operator_token: minted, operation: 'ValidateOperatorToken', scope: 'payments' })).text) as Record<string, Record<string, string>>;
    assert.equal(wrongScope.ap2015!.OperatorTokenValidity, '0', 'a scope the device did not ask for');
    const info = JSON.parse((await ask(d, { operator_token: minted, operation: 'GetSubscriberDeviceInfo' })).text) as Record<string, Record<string, string>>;
    assert.deepEqual(info.ap2015, { OperationResult: '1', MSISDN: '+447700900123', IMSI: SIM1.imsi }, '§14.1.6.2 Table 126');
    const verify = JSON.parse((await ask(d, { operator_token: minted, operation: 'VerifyPhoneNumber', msisdn: '+447700900123' })).text) as Record<string, Record<string, string>>;
    assert.equal(verify.ap2015!.PhoneNumberVerification, '1');

    // §14.1.5 steps 6–9: a temporary token for AcquireOperatorToken, then the operator token with it alone.
    const t = new URL(base);
    for (const [k, v] of Object.entries({ terminal_id: '356938035643809', IMSI: SIM1.imsi, token: tsToken, app_name: 'com.google.android.ims', entitlement_version: '12.0', app: 'ap2015', operation: 'AcquireTemporaryToken', operation_targets: 'AcquireOperatorToken' })) t.searchParams.set(k, v);
    const tt = xmlParms(await (await fetch(t, { headers: { accept: 'text/vnd.wap.connectivity-xml' } })).text()).APPLICATION!;
    assert.equal(tt.OperationResult, '1');
    assert.equal(tt.OperationTargets, 'AcquireOperatorToken');
    assert.match(tt.TemporaryTokenExpiry!, /Z$/);
    const viaTemp = await fetch(`${base}?terminal_id=356938035643809&entitlement_version=12.0&app=ap2015&operation=AcquireOperatorToken&client_id=com.example.wallet&temporary_token=${tt.TemporaryToken!}`, { headers: { accept: 'application/json' } });
    const viaTempBody = await viaTemp.text();
    assert.equal(viaTemp.status, 200, viaTempBody);
    const viaTempDoc = JSON.parse(viaTempBody) as Record<string, Record<string, string>>;
    assert.equal(viaTempDoc.Token, undefined, 'a temporary-token answer carries no TOKEN');
    const walletToken = viaTempDoc.ap2015!.OperatorToken!;
    const wallet = JSON.parse((await ask(d, { operator_token: walletToken, operation: 'ValidateOperatorToken', client_id: 'com.example.wallet' })).text) as Record<string, Record<string, string>>;
    assert.equal(wallet.ap2015!.OperatorTokenValidity, '1');
    // That temporary token opens nothing else; other targets for ap2015 are 102.
    const other = await fetch(`${base}?terminal_id=356938035643809&entitlement_version=12.0&app=ap2009&operation=CheckEligibility&temporary_token=${tt.TemporaryToken!}`);
    assert.equal(other.status, 403);
    t.searchParams.set('operation_targets', 'ManageSubscription');
    assert.equal(xmlParms(await (await fetch(t, { headers: { accept: 'text/vnd.wap.connectivity-xml' } })).text()).APPLICATION!.OperationResult, '102');
    assert.ok(!JSON.stringify((await d.call('GET', '/api/activity?limit=100')).json).includes(tt.TemporaryToken!), 'never the temporary token in the activity');

    // No client_id: 102 naming it, no token minted.
    u.searchParams.delete('client_id');
    const missing = xmlParms(await (await fetch(u, { headers: { accept: 'text/vnd.wap.connectivity-xml' } })).text()).APPLICATION!;
    assert.equal(missing.OperationResult, '102');
    assert.match(missing.GeneralErrorText!, /missing client_id/);
    assert.equal(missing.OperatorToken, undefined);

    const activity = JSON.stringify((await d.call('GET', '/api/activity?limit=100')).json);
    assert.ok(activity.includes('AcquireOperatorToken'), 'recorded');
    for (const t of [minted, first.APPLICATION!.OperatorToken!]) {
      assert.ok(!activity.includes(t.split('.')[2]!), 'never the minted token in the activity');
      assert.ok(!d.logs.some((l) => l.includes(t.split('.')[2]!)), 'never the minted token in the logs');
    }
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
  // The issuer's private half, as omnisep signs AcquireOperatorToken's tokens with it (operator_token.signing_key_file).
  const keyFile = join(dir, 'issuer.private.jwk.json');
  writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'op-1' }));
  const d = await startTestDaemon([`operator_token.issuer=${ISS}`, `operator_token.audience=${AUD}`, `operator_token.jwks_file=${file}`, `operator_token.signing_key_file=${keyFile}`, 'eap_aka.backend=local', ...LOOPBACK_EAP_LIMITS]);
  try {
    // AcquireOperatorToken after EAP-AKA → an ES256 token with kid op-1 that the JWKS verifies.
    assert.equal((await d.call('POST', '/api/subscribers', { imsi: SIM1.imsi, ki: SIM1.k.toString('hex'), opc: SIM1.opc.toString('hex') })).status, 201);
    const base = d.addresses.http.url.replace(/\/?$/, '/');
    const eap = await runUe({ url: `${base}?operation=AcquireOperatorToken&client_id=com.example.bank`, postUrl: base, ...SIM1, apps: ['ap2015'], accept: 'application/json' });
    assert.equal(eap.final.status, 200, eap.final.body);
    const acquired = JSON.parse(eap.final.body) as Record<string, Record<string, string>>;
    assert.equal(acquired.ap2015?.OperationResult, '1', eap.final.body);
    const header = JSON.parse(Buffer.from(acquired.ap2015!.OperatorToken!.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
    assert.deepEqual([header.alg, header.kid], ['ES256', 'op-1']);
    const minted = JSON.parse((await ask(d, { operator_token: acquired.ap2015!.OperatorToken!, operation: 'ValidateOperatorToken', client_id: 'com.example.bank' })).text) as Record<string, Record<string, string>>;
    assert.equal(minted.ap2015!.OperatorTokenValidity, '1');

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
