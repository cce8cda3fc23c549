import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../util/secret.js';
import {
  bareUrl,
  buildEapResponse,
  buildEapStart,
  buildTokenAuth,
  EAP_RELAY_TYPE,
  redactUrl,
  userAgent,
  type ClientProfile,
} from './request.js';

const profile: ClientProfile = {
  url: 'http://127.0.0.1:9014/?ignored=1',
  terminal: { id: '358240051111110', vendor: 'Omnisep', model: 'Pixel 8 Pro Max', swVersion: '14.0.0-UQ1A.240205.004', osVersion: '14' },
  apps: ['ap2004', 'ap2003'],
  entitlementVersion: '2.0',
  vers: '0',
  post: false,
  accept: 'xml',
};

const header = (h: Array<[string, string]>, name: string): string[] => h.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

test('first GET carries EAP_ID, the trimmed device fields, repeated app, versions and the eap-relay Accept', () => {
  const r = buildEapStart(profile, '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org');
  assert.equal(r.method, 'GET');
  const u = new URL(r.url);
  assert.equal(u.pathname, '/');
  assert.equal(u.searchParams.get('EAP_ID'), '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org');
  assert.equal(u.searchParams.get('terminal_id'), '358240051111110');
  // Android trims vendor/model/sw version to 4/10/20 characters.
  assert.equal(u.searchParams.get('terminal_vendor'), 'Omni');
  assert.equal(u.searchParams.get('terminal_model'), 'Pixel 8 Pr');
  assert.equal(u.searchParams.get('terminal_sw_version'), '14.0.0-UQ1A.240205.0');
  assert.deepEqual(u.searchParams.getAll('app'), ['ap2004', 'ap2003']);
  assert.equal(u.searchParams.get('entitlement_version'), '2.0');
  assert.equal(u.searchParams.get('vers'), '0');
  assert.equal(u.searchParams.has('ignored'), false);
  assert.deepEqual(header(r.headers, 'accept'), [EAP_RELAY_TYPE]);
  assert.deepEqual(header(r.headers, 'accept-encoding'), ['gzip']);
  assert.equal(r.body, undefined);
});

test('POST mode sends the same names as a JSON body of strings, app as "[a,b]", to the bare URL', () => {
  const r = buildEapStart({ ...profile, post: true }, '0001010000000001@x');
  assert.equal(r.method, 'POST');
  assert.equal(r.url, 'http://127.0.0.1:9014/');
  assert.deepEqual(header(r.headers, 'content-type'), ['application/json']);
  const body = JSON.parse(r.body!);
  assert.equal(body.app, '[ap2004,ap2003]');
  assert.equal(body.EAP_ID, '0001010000000001@x');
  for (const v of Object.values(body)) assert.equal(typeof v, 'string');
});

test('EAP response POST: bare URL, one Cookie line per cookie, relay content type, Android Accept list', () => {
  const r = buildEapResponse(profile, Buffer.from([2, 1, 0, 4]), ['S=abc', 'T=def']);
  assert.equal(r.method, 'POST');
  assert.equal(r.url, 'http://127.0.0.1:9014/');
  assert.deepEqual(header(r.headers, 'cookie'), ['S=abc', 'T=def']);
  assert.deepEqual(header(r.headers, 'content-type'), [EAP_RELAY_TYPE]);
  assert.deepEqual(header(r.headers, 'accept'), [`${EAP_RELAY_TYPE}, application/json, text/vnd.wap.connectivity-xml`]);
  assert.deepEqual(JSON.parse(r.body!), { 'eap-relay-packet': 'AgEABA==' });
});

test('token re-auth GET carries IMSI and token; redactUrl hides the token', () => {
  const r = buildTokenAuth({ ...profile, accept: 'json' }, '001010000000001', new Secret('s3cr3t+/='));
  const u = new URL(r.url);
  assert.equal(u.searchParams.get('IMSI'), '001010000000001');
  assert.equal(u.searchParams.get('token'), 's3cr3t+/=');
  assert.equal(u.searchParams.has('EAP_ID'), false);
  assert.deepEqual(header(r.headers, 'accept'), ['application/json'], '--accept json: JSON only');
  assert.deepEqual(header(buildTokenAuth(profile, '001010000000001', new Secret('x')).headers, 'accept'), ['text/vnd.wap.connectivity-xml']);
  const shown = redactUrl(r.url);
  assert.ok(!shown.includes('s3cr3t'));
  assert.ok(shown.includes('token=[REDACTED]'));
});

test('User-Agent follows TS.43 §2.2.1 and keeps the spaces of the model', () => {
  assert.equal(userAgent({ ...profile.terminal, model: 'Pixel 8' }), 'PRD-TS43 term-Omni/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14');
  assert.equal(bareUrl('https://sep.example.net:9014/ts43?x=1#f'), 'https://sep.example.net:9014/ts43');
});
