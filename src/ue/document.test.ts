import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../codec/decode-error.js';
import { displayApps, parseServerAnswer } from './document.js';

// The example document of TS43.md § Response.
const XML_DOC = `<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="VERS">
    <parm name="version" value="2"/>
    <parm name="validity" value="86400"/>
  </characteristic>
  <characteristic type="TOKEN">
    <parm name="token" value="kZYfCEpSsMr88KZVmab5UsZVzl+nWSsX"/>
    <parm name="validity" value="86400"/>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="AppID" value="ap2004"/>
    <parm name="EntitlementStatus" value="1"/>
    <parm name="ServiceFlow_URL" value="https://sep.example.com/websheet/vowifi"/>
    <parm name="ServiceFlow_UserData" value="token=abc&amp;entitlement_name=VoWiFi"/>
    <parm name="AddrStatus" value="1"/>
    <parm name="TC_Status" value="1"/>
    <parm name="ProvStatus" value="1"/>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="AppID" value="ap2003"/>
    <characteristic type="VoiceOverCellularEntitleInfo">
      <characteristic type="RATVoiceEntitleInfoDetails">
        <parm name="AccessType" value="1"/>
        <parm name="EntitlementStatus" value="1"/>
      </characteristic>
      <characteristic type="RATVoiceEntitleInfoDetails">
        <parm name="AccessType" value="2"/>
        <parm name="NetworkVoiceIRATCapability" value="EPS-Fallback"/>
      </characteristic>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>`;

test('XML provisioning document: VERS, TOKEN as a Secret, applications with nested characteristics', () => {
  const a = parseServerAnswer('text/vnd.wap.connectivity-xml; charset=utf-8', XML_DOC);
  assert.equal(a.kind, 'document');
  if (a.kind !== 'document') return;
  const d = a.document;
  assert.equal(d.format, 'xml');
  assert.deepEqual(d.vers, { version: '2', validity: '86400' });
  assert.equal(d.token?.token.reveal(), 'kZYfCEpSsMr88KZVmab5UsZVzl+nWSsX');
  assert.equal(JSON.stringify(d.token), '{"token":"[REDACTED]","validity":"86400"}');
  assert.equal(d.apps.ap2004!.ServiceFlow_UserData, 'token=abc&entitlement_name=VoWiFi');
  assert.equal(d.apps.ap2004!.AddrStatus, '1');
  const rat = (d.apps.ap2003!.VoiceOverCellularEntitleInfo as Record<string, unknown>).RATVoiceEntitleInfoDetails as unknown[];
  assert.equal(rat.length, 2);
  assert.deepEqual(rat[1], { AccessType: '2', NetworkVoiceIRATCapability: 'EPS-Fallback' });
  assert.deepEqual(d.warnings, []);
  assert.equal(displayApps(d.apps).ap2004!.ServiceFlow_UserData, 'token=[REDACTED]&entitlement_name=VoWiFi');
});

test('XML entities other than &amp; are flagged: Android would show them as text', () => {
  const a = parseServerAnswer(undefined, XML_DOC.replace('value="1"/>\n    <parm name="ServiceFlow_URL"', 'value="&lt;1&gt;"/>\n    <parm name="ServiceFlow_URL"'));
  assert.equal(a.kind, 'document');
  if (a.kind === 'document') assert.match(a.document.warnings.join(), /&lt;/);
});

test('JSON document of TS43.md § Response', () => {
  const body = '{"Vers": {"version": "2", "validity": "86400"}, "Token": {"token": "kZYf", "validity": "86400"}, "ap2004": {"EntitlementStatus": "1", "AddrStatus": "1"}}';
  const a = parseServerAnswer('application/json', body);
  assert.equal(a.kind, 'document');
  if (a.kind !== 'document') return;
  assert.equal(a.document.format, 'json');
  assert.equal(a.document.vers?.version, '2');
  assert.equal(a.document.token?.token.reveal(), 'kZYf');
  assert.deepEqual(a.document.apps, { ap2004: { EntitlementStatus: '1', AddrStatus: '1' } });
});

test('EAP relay body: standard base64 decodes; base64url is flagged as Android would garble it', () => {
  const ok = parseServerAnswer('application/vnd.gsma.eap-relay.v1.0+json', '{"eap-relay-packet":"AQIABRc="}');
  assert.equal(ok.kind, 'eap');
  if (ok.kind === 'eap') {
    assert.deepEqual([...ok.packet], [1, 2, 0, 5, 23]);
    assert.deepEqual(ok.warnings, []);
  }
  const url = parseServerAnswer('application/vnd.gsma.eap-relay.v1.0+json', '{"eap-relay-packet":"AQIABRc-_w"}');
  assert.equal(url.kind, 'eap');
  if (url.kind === 'eap') assert.match(url.warnings.join(), /standard base64/);
  const wrongType = parseServerAnswer('application/json', '{"eap-relay-packet":"AQIABRc="}');
  if (wrongType.kind === 'eap') assert.match(wrongType.warnings.join(), /Content-Type/);
});

test('broken bodies throw DecodeError', () => {
  assert.throws(() => parseServerAnswer('application/json', '{nope'), DecodeError);
  assert.throws(() => parseServerAnswer('text/vnd.wap.connectivity-xml', '<a><b></a>'), DecodeError);
  assert.throws(() => parseServerAnswer('text/vnd.wap.connectivity-xml', '<other/>'), DecodeError);
  assert.throws(() => parseServerAnswer(EAP_TYPE, '{"eap-relay-packet": 5}'), DecodeError);
  assert.equal(parseServerAnswer('application/json', '  ').kind, 'empty');
});
const EAP_TYPE = 'application/vnd.gsma.eap-relay.v1.0+json';

test('any body either parses or throws DecodeError (property)', () => {
  const types = fc.constantFrom(undefined, 'application/json', 'text/vnd.wap.connectivity-xml', EAP_TYPE, 'text/plain');
  const bodies = fc.oneof(
    fc.string(),
    fc.json(),
    fc.constantFrom(XML_DOC).chain((x) => fc.integer({ min: 0, max: x.length }).map((n) => x.slice(0, n))),
  );
  fc.assert(
    fc.property(types, bodies, (t, b) => {
      try {
        parseServerAnswer(t, b);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
});
