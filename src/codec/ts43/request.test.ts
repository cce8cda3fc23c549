import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  entitlementVersionSupported,
  foldParams,
  missingParams,
  missingParamsMessage,
  parseAppParam,
  parseEapId,
  parseEntitlementVersion,
  parseTs43Request,
  parseUserAgent,
} from './request.js';
import { negotiateFormat } from './accept.js';
import { decodeRelayPacket } from './relay.js';

test('app in every shape phones send', () => {
  assert.deepEqual(parseAppParam(['ap2003', 'ap2004']), ['ap2003', 'ap2004']);
  assert.deepEqual(parseAppParam('ap2003,ap2004'), ['ap2003', 'ap2004']);
  assert.deepEqual(parseAppParam('[ap2003,ap2004]'), ['ap2003', 'ap2004']);
  assert.deepEqual(parseAppParam('["ap2003", "AP2004"]'), ['ap2003', 'ap2004']);
  assert.deepEqual(parseAppParam(['ap2004', 'ap2004', ' AP2005 ']), ['ap2004', 'ap2005']);
  // JSON body with a real array
  assert.deepEqual(parseTs43Request(foldParams({ app: ['ap2003', 'ap2010'] })).apps, ['ap2003', 'ap2010']);
  assert.deepEqual(parseAppParam(undefined), []);
  // The plain comma list (no case, quotes, brackets or spaces to undo) and the general path agree.
  assert.deepEqual(parseAppParam('ap2003,,ap2004,ap2003'), ['ap2003', 'ap2004']);
  assert.deepEqual(parseAppParam(['ap2004', 'AP2004,ap2005', 'ÄP1']), ['ap2004', 'ap2005', 'äp1']);
  assert.deepEqual(parseAppParam(''), []);
});

test('parameter names are case-insensitive; repeated keys merge', () => {
  const r = parseTs43Request(foldParams({ EAP_ID: '0001010000000001@nai.epc', Terminal_ID: 'T1', APP: 'ap2004', app: 'ap2003', VERS: '7', IMSI: '001010000000001' }));
  assert.equal(r.eap_id, '0001010000000001@nai.epc');
  assert.equal(r.terminal_id, 'T1');
  assert.equal(r.imsi, '001010000000001');
  assert.equal(r.vers, 7);
  assert.deepEqual(r.apps.sort(), ['ap2003', 'ap2004']);
});

test('foldParams: one string per name kept as is, repeats merged, names that Object.prototype has are plain parameters', () => {
  const folded = foldParams({ IMSI: '001010000000001', app: 'ap2004', APP: ['ap2003', null], constructor: 'c', toString: 't', vers: 3, empty: [] });
  assert.deepEqual(folded, { imsi: '001010000000001', app: ['ap2004', 'ap2003'], constructor: 'c', tostring: 't', vers: '3' });
  assert.equal(Object.getPrototypeOf(folded), Object.prototype);
  // A `__proto__` query parameter (fast-querystring makes it an own key) neither becomes a value nor a prototype.
  const hostile = foldParams(JSON.parse('{"__proto__":["x"],"a":"1"}'));
  assert.equal(Object.getPrototypeOf(hostile), Object.prototype);
  assert.deepEqual(Object.keys(hostile), ['a']);
});

test('lenient entitlement_version and a configurable range', () => {
  assert.deepEqual(parseEntitlementVersion('2'), { major: 2, minor: 0 });
  assert.deepEqual(parseEntitlementVersion('12.0'), { major: 12, minor: 0 });
  assert.equal(parseEntitlementVersion('two'), null);
  const range = { min: '1.0', max: '12.0' };
  for (const v of ['2', '2.0', '8', '12.0', '1']) assert.ok(entitlementVersionSupported(v, range), v);
  for (const v of ['13', '0.9', 'x', '']) assert.equal(entitlementVersionSupported(v, range), false, v);
});

test('missing required parameters are named as in the spec', () => {
  const r = parseTs43Request(foldParams({ app: 'ap2004' }));
  assert.deepEqual(missingParams(r), ['terminal_id', 'entitlement_version', 'EAP_ID']);
  assert.equal(missingParamsMessage(['terminal_id']), 'Missing required parameters: ["terminal_id"]');
  const t = parseTs43Request(foldParams({ app: 'ap2004', terminal_id: 'x', entitlement_version: '2', token: 'abc' }));
  assert.deepEqual(missingParams(t), ['IMSI']);
  assert.deepEqual(missingParams(t, { authOptional: true }), []);
});

test('EAP_ID permanent NAI parses', () => {
  assert.deepEqual(parseEapId('0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org'), {
    prefix: '0',
    imsi: '001010000000001',
    realm: 'nai.epc.mnc001.mcc001.3gppnetwork.org',
  });
  assert.equal(parseEapId('alice@example.com'), null);
});

test('User-Agent parsed, spaces in models kept, never rejected', () => {
  const a = parseUserAgent('PRD-TS43 term-Goog/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14');
  assert.deepEqual(
    { v: a.terminal_vendor, m: a.terminal_model, c: a.client, cv: a.client_version, os: a.os, ov: a.os_version, ts43: a.ts43 },
    { v: 'Goog', m: 'Pixel 8', c: 'IMS-Entitlement', cv: '1.0', os: 'Android', ov: '14', ts43: true },
  );
  const b = parseUserAgent('PRD-TS43 term-Omni/TestPhone /1.0 OS-Android/14');
  assert.equal(b.terminal_model, 'TestPhone');
  assert.equal(b.client, null);
  assert.equal(b.client_version, '1.0');
  assert.equal(b.os_version, '14');
  const c = parseUserAgent('curl/8.0');
  assert.equal(c.ts43, false);
  assert.equal(c.terminal_vendor, null);
  assert.equal(parseUserAgent(undefined).raw, '');
});

test('relay packet base64: standard alphabet, padding optional, junk refused', () => {
  const p = Buffer.from([2, 1, 0, 8, 23, 1, 0, 0]);
  assert.deepEqual(decodeRelayPacket(p.toString('base64')), p);
  assert.deepEqual(decodeRelayPacket(p.toString('base64').replace(/=+$/, '')), p);
  assert.deepEqual(decodeRelayPacket(` ${p.toString('base64')}\n`), p);
  assert.equal(decodeRelayPacket('AgEACBcBAA-_'), null, 'base64url characters');
  assert.equal(decodeRelayPacket('A'), null);
  assert.equal(decodeRelayPacket('AA=A'), null);
  assert.equal(decodeRelayPacket(42), null);
  assert.equal(decodeRelayPacket(''), null);
});

test('Accept negotiation prefers XML on a tie', () => {
  assert.equal(negotiateFormat('application/vnd.gsma.eap-relay.v1.0+json, application/json, text/vnd.wap.connectivity-xml'), 'xml');
  assert.equal(negotiateFormat('application/json'), 'json');
  assert.equal(negotiateFormat('APPLICATION/JSON'), 'json');
  assert.equal(negotiateFormat('text/vnd.wap.connectivity-xml'), 'xml');
  assert.equal(negotiateFormat(undefined), 'xml');
  assert.equal(negotiateFormat('*/*'), 'xml');
  assert.equal(negotiateFormat('application/json, text/vnd.wap.connectivity-xml;q=0.5'), 'json');
  assert.equal(negotiateFormat('text/html'), 'xml');
});

test('property: parsing never throws on arbitrary input', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string()), fc.integer(), fc.constant(null))), fc.string(), fc.string(), (params, ua, accept) => {
      const r = parseTs43Request(foldParams(params));
      assert.ok(Array.isArray(r.apps));
      missingParams(r);
      parseUserAgent(ua);
      negotiateFormat(accept);
      parseEntitlementVersion(ua);
      parseEapId(accept);
      const b = decodeRelayPacket(ua);
      assert.ok(b === null || Buffer.isBuffer(b));
    }),
    { numRuns: 2000 },
  );
});
