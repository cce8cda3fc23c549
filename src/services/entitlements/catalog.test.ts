import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ENTITLEMENTS,
  SUPPORTED_APPS,
  SUPPORTED_APP_IDS,
  UNSERVED_APPS,
  effectiveEntitlements,
  unservedAnswer,
  entitlementSource,
  validateEntitlement,
} from './catalog.js';
import { buildApplication } from './document.js';

test('supported apps carry the service names of the spec', () => {
  assert.deepEqual(
    Object.fromEntries(SUPPORTED_APP_IDS.map((id) => [id, SUPPORTED_APPS[id]!.service_name])),
    {
      ap2003: 'VoLTE/VoNR',
      ap2004: 'VoWiFi',
      ap2005: 'SMSoIP',
      ap2010: 'Data plan',
      ap2012: 'Direct carrier billing',
      ap2014: 'Device and user info',
      ap2016: 'Satellite mode',
    },
  );
  for (const id of ['ap2006', 'ap2009', 'ap2011', 'ap2013', 'ap2015']) assert.ok(UNSERVED_APPS[id], id);
});

test('unserved apps keep one fixed answer, except ap2013, which is entitled (PSEUDONYM) when the AAA issues pseudonyms', () => {
  for (const id of ['ap2006', 'ap2009', 'ap2011', 'ap2015']) {
    assert.deepEqual(unservedAnswer(id, { privateUserId: 'pseudonym' }), UNSERVED_APPS[id]!.answer, id);
    assert.deepEqual(unservedAnswer(id), UNSERVED_APPS[id]!.answer, id);
  }
  assert.deepEqual(unservedAnswer('ap2013', { privateUserId: 'pseudonym' }), { EntitlementStatus: '1', PrivateUserID: '', PrivateUserIDType: '1' });
  assert.deepEqual(unservedAnswer('ap2013', { privateUserId: 'none' }), { EntitlementStatus: '2', MessageForIncompatible: 'Private user identity is not offered by this server' });
  assert.deepEqual(unservedAnswer('ap2013'), UNSERVED_APPS.ap2013!.answer, 'no mode given: incompatible');
  assert.deepEqual(buildApplication('ap2013', undefined, { privateUserId: 'pseudonym' }).parms, [['AppID', 'ap2013'], ['EntitlementStatus', '1'], ['PrivateUserID', ''], ['PrivateUserIDType', '1']]);
});

test('every default validates against its own catalog entry', () => {
  for (const [id, data] of Object.entries(DEFAULT_ENTITLEMENTS)) {
    const r = validateEntitlement(id, data);
    assert.ok(r.ok, `${id}: ${!r.ok ? r.errors.join('; ') : ''}`);
    assert.deepEqual(r.value, data);
  }
});

test('validation normalises and names the wrong field with what would be right', () => {
  const ok = validateEntitlement('AP2004', { entitlement_status: '0', addr_status: 1, service_flow_url: ' https://a.example/x ' });
  assert.deepEqual(ok, { ok: true, value: { entitlement_status: 0, addr_status: 1, service_flow_url: 'https://a.example/x' } });

  const bad = validateEntitlement('ap2004', { addr_status: 7, colour: 'red', service_flow_url: 'ftp://x' });
  assert.equal(bad.ok, false);
  const errs = !bad.ok ? bad.errors : [];
  assert.equal(errs.length, 3);
  assert.match(errs.find((e) => e.startsWith('addr_status'))!, /7 is out of range; expected 0 \(not available\), 1 \(available\), 2 \(not required\), 3 \(in progress\)/);
  assert.match(errs.find((e) => e.startsWith('colour'))!, /unknown field; expected one of entitlement_status/);
  assert.match(errs.find((e) => e.startsWith('service_flow_url'))!, /not an http\(s\) URL/);
});

test('unsupported and unserved apps are refused by name', () => {
  const r = validateEntitlement('ap2099', { entitlement_status: 1 });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.errors[0]! : '', /unsupported app "ap2099"; expected one of ap2003, ap2004/);
  const r2 = validateEntitlement('ap2006', {});
  assert.match(!r2.ok ? r2.errors[0]! : '', /ODSA companion device/);
  assert.equal(validateEntitlement('__proto__', {}).ok, false);
});

test('ap2003 entries need complete items; enumerations get canonical spelling', () => {
  const r = validateEntitlement('ap2003', {
    entries: [{ access_type: 2, home_roaming_nw_type: 1, entitlement_status: 1, network_voice_irat_capability: 'eps-fallback' }],
  });
  assert.ok(r.ok);
  assert.equal(r.value.entries![0]!.network_voice_irat_capability, 'EPS-Fallback');
  const bad = validateEntitlement('ap2003', { entries: [{ access_type: 3, entitlement_status: 1 }] });
  assert.equal(bad.ok, false);
  const errs = !bad.ok ? bad.errors : [];
  assert.ok(errs.some((e) => e.startsWith('entries[0].access_type: 3 is out of range')));
  assert.ok(errs.some((e) => e.startsWith('entries[0].home_roaming_nw_type: missing')));
});

test('each wrong field gets one message: type, length, list size, unknown list item fields', () => {
  const bad = validateEntitlement('ap2012', { msg: 'a'.repeat(1025), tc_operation: { x: 1 }, service_flow_user_data: '<b>' });
  const errs = !bad.ok ? bad.errors : [];
  assert.equal(errs.length, 3, errs.join('; '));
  assert.ok(errs.includes('msg: 1025 characters is too long; at most 1024'));
  assert.ok(errs.some((e) => /^tc_operation: expected a string \(what the device does/.test(e)));
  assert.ok(errs.includes('service_flow_user_data: must not contain < > or " (phones cannot decode them), nor control, C1 or bidi characters (invalid in TS.43 XML 1.0, and they rewrite operators\' terminals)'));
  const list = validateEntitlement('ap2016', { plmn_barred: Array.from({ length: 65 }, () => ({ plmn: '00101' })), plmn_allowed: [{ plmn: '00101', colour: 'x' }] });
  const lerrs = !list.ok ? list.errors : [];
  assert.ok(lerrs.includes('plmn_barred: 65 entries is too many; at most 64'), lerrs.join('; '));
  assert.ok(lerrs.some((e) => e.startsWith('plmn_allowed[0].colour: unknown field; expected one of plmn, data_plan_type, allowed_services_info')));
  const dup = validateEntitlement('ap2010', { data_boost_info: '1, 0,1', five_g_sa_status: 'x' });
  assert.ok(!dup.ok && dup.errors.some((e) => /^five_g_sa_status: "x" is not an integer; expected 0 \(not allowed\), 1 \(allowed\)$/.test(e)));
  assert.deepEqual(validateEntitlement('ap2010', { data_boost_info: '1, 0,1' }), { ok: true, value: { data_boost_info: ['1', '0'] } });
  assert.deepEqual(validateEntitlement('ap2004', 'nope' as unknown), { ok: false, errors: ['entitlement: expected an object with entitlement_status, service_flow_url, service_flow_user_data, addr_status, tc_status, prov_status, message_for_incompatible, addr_expiry, addr_identifier'] });
});

test('ap2014 msisdn loses its plus; ap2016 PLMN lists are checked', () => {
  const r = validateEntitlement('ap2014', { msisdn: '+15551234567' });
  assert.deepEqual(r, { ok: true, value: { msisdn: '15551234567' } });
  assert.equal(validateEntitlement('ap2014', { msisdn: '12ab' }).ok, false);
  const s = validateEntitlement('ap2016', {
    entitlement_status: 1,
    plmn_allowed: [{ plmn: '310260', data_plan_type: 'unmetered', allowed_services_info: ['SMS', 'data'] }],
    plmn_barred: [{ plmn: '00101' }],
  });
  assert.ok(s.ok, !s.ok ? s.errors.join() : '');
  assert.deepEqual(s.value.plmn_allowed, [{ plmn: '310260', data_plan_type: 'Unmetered', allowed_services_info: ['sms', 'data'] }]);
  assert.equal(validateEntitlement('ap2016', { plmn_barred: [{ plmn: '31x' }] }).ok, false);
});

test('effective entitlements merge overrides over defaults field by field, without aliasing', () => {
  const eff = effectiveEntitlements(DEFAULT_ENTITLEMENTS, { ap2004: { entitlement_status: 0, addr_status: 1 } });
  assert.deepEqual(eff.ap2004, { ...DEFAULT_ENTITLEMENTS.ap2004, entitlement_status: 0, addr_status: 1 });
  assert.deepEqual(eff.ap2005, { entitlement_status: 1 });
  eff.ap2003!.entries!.pop();
  assert.equal(DEFAULT_ENTITLEMENTS.ap2003.entries!.length, 2);
  assert.equal(entitlementSource({ ap2004: {} }, 'ap2004'), 'custom');
  assert.equal(entitlementSource(undefined, 'ap2004'), 'default');
});
