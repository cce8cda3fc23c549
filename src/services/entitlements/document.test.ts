import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { buildApplications, versVersion } from './document.js';
import { DEFAULT_ENTITLEMENTS, effectiveEntitlements } from './catalog.js';
import { renderJson, renderXml } from '../../codec/ts43/document.js';

test('applications carry wire names, one per requested app, unknown ids answered per app', () => {
  const eff = effectiveEntitlements(DEFAULT_ENTITLEMENTS, {
    ap2004: { service_flow_url: 'https://sep.example.com/websheet/vowifi', service_flow_user_data: 'token=abc&entitlement_name=VoWiFi' },
  });
  const apps = buildApplications(['ap2004', 'ap2003', 'ap2006', 'ap2099'], eff);
  const doc = { vers: { version: 5, validity: 86400 }, token: { token: 'tok', validity: 86400 }, applications: apps };
  const xml = renderXml(doc);
  assert.match(xml, /<parm name="ServiceFlow_UserData" value="token=abc&amp;entitlement_name=VoWiFi"\/>/);
  assert.doesNotMatch(xml, /MessageForIncompatible" value="This service/); // status 1: no message
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  const chars = parsed['wap-provisioningdoc'].characteristic;
  assert.deepEqual(chars.map((c: { type: string }) => c.type), ['VERS', 'TOKEN', 'APPLICATION', 'APPLICATION', 'APPLICATION', 'APPLICATION']);
  const json = JSON.parse(renderJson(doc));
  assert.deepEqual(Object.keys(json), ['Vers', 'Token', 'ap2004', 'ap2003', 'ap2006', 'ap2099']);
  assert.equal(json.ap2004.AddrStatus, '2');
  assert.equal(json.ap2003.VoiceOverCellularEntitleInfo.RATVoiceEntitleInfoDetails[1].NetworkVoiceIRATCapability, 'EPS-Fallback');
  assert.deepEqual(json.ap2006, {}, 'ODSA without an operation (the token request): AppID only (docs/odsa.md)');
  const apps11 = buildApplications(['ap2011'], {});
  assert.equal(apps11[0]!.parms.find(([k]) => k === 'OperationResult')?.[1], '103');
  assert.equal(json.ap2099.EntitlementStatus, '2');
});

test("XML keeps apostrophes raw and escapes only & (Android decodes nothing else)", () => {
  const apps = buildApplications(['ap2005'], { ap2005: { entitlement_status: 2, message_for_incompatible: "You're not eligible & that's final" } });
  const xml = renderXml({ vers: { version: 1, validity: 1 }, applications: apps });
  assert.match(xml, /<parm name="MessageForIncompatible" value="You're not eligible &amp; that's final"\/>/);
});

test('VERS version changes exactly when the effective configuration changes', () => {
  const a = versVersion(effectiveEntitlements(DEFAULT_ENTITLEMENTS, {}));
  const b = versVersion(effectiveEntitlements(DEFAULT_ENTITLEMENTS, { ap2004: { addr_status: 1 } }));
  const a2 = versVersion(effectiveEntitlements(DEFAULT_ENTITLEMENTS, {}));
  assert.equal(a, a2);
  assert.notEqual(a, b);
  assert.ok(a > 0 && a < 2 ** 31);
  // key order does not matter
  assert.equal(versVersion({ x: { a: 1, b: 2 } }), versVersion({ x: { b: 2, a: 1 } }));
});
