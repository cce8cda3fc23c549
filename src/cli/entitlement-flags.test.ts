import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEntitlement, describeFieldFlag, entitlementFieldFlags, FIELD_FLAGS, unsentFieldNotes } from './entitlement-flags.js';
import { ENTITLEMENT_APP_IDS, ENTITLEMENT_APP_SCHEMAS, schemaFields } from '../contracts/entitlement-apps.js';
import { UsageError } from './errors.js';

const usage = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, re);
    return true;
  });

test('one flag per top-level field of every app schema, no hand-kept list', () => {
  const fields = new Set(ENTITLEMENT_APP_IDS.flatMap((a) => Object.keys(schemaFields(ENTITLEMENT_APP_SCHEMAS[a]))));
  assert.deepEqual(new Set(FIELD_FLAGS.map((f) => f.field)), fields);
  const flags = entitlementFieldFlags();
  assert.deepEqual(new Set(Object.keys(flags)), new Set(FIELD_FLAGS.map((f) => f.flag)));
  // The names operators already type.
  for (const f of ['status', 'addr-status', 'tc-status', 'prov-status', 'service-flow-url', 'message-for-incompatible', 'msisdn', 'five-g-sa-status', 'data-boost-info', 'entries'])
    assert.ok(flags[f], `--${f}`);
  assert.equal(flags.status!.type, 'option');
  assert.equal((flags.entries as { multiple?: boolean }).multiple, true);
});

test('flag help comes from the schema: which apps, what each value means; lists show an example item', () => {
  const help = (field: string) => describeFieldFlag(FIELD_FLAGS.find((f) => f.field === field)!);
  assert.match(help('addr_status'), /^addr_status \(ap2004\): 0 not available, 1 available, 2 not required, 3 in progress\.$/);
  assert.match(help('entitlement_status'), /^entitlement_status \(most apps\): 0 disabled, 1 enabled, 2 incompatible, 3 provisioning\.$/);
  assert.match(help('entries'), /^entries \(ap2003\): .*access_type=1\|2 home_roaming_nw_type=1\|2\|3 entitlement_status=0\|1\|2\|3 message_for_incompatible\? .*e\.g\. --entries access_type=1,home_roaming_nw_type=1,entitlement_status=0\.$/);
  assert.match(help('data_boost_info'), /comma-separated, of 0 1 2/);
});

test('buildEntitlement maps flags to snake_case fields and validates with the app schema', () => {
  assert.deepEqual(buildEntitlement('ap2004', { flags: { status: 1, 'addr-status': 2, 'tc-status': undefined, socket: '/x' } }), { entitlement_status: 1, addr_status: 2 });
  usage(() => buildEntitlement('ap2004', { flags: { status: 7 } }), /--status \(entitlement_status: 7 is out of range; expected 0 \(disabled\), 1 \(enabled\)/);
  usage(() => buildEntitlement('ap2005', { flags: { 'addr-status': 1 } }), /--addr-status \(addr_status: unknown field; expected one of entitlement_status, message_for_incompatible\)/);
  usage(() => buildEntitlement('ap2004', { flags: {} }), /nothing to set for ap2004: give at least one field \(--status, .*--addr-status.*--addr-expiry/);
});

test('ap2003: --entries items as name=value pairs or JSON; --status points at the entries with an example', () => {
  assert.deepEqual(
    buildEntitlement('ap2003', { flags: { entries: ['access_type=1,home_roaming_nw_type=1,entitlement_status=1', '{"access_type":2,"home_roaming_nw_type":2,"entitlement_status":0,"network_voice_irat_capability":"eps-fallback"}'] } }),
    {
      entries: [
        { access_type: 1, home_roaming_nw_type: 1, entitlement_status: 1 },
        { access_type: 2, home_roaming_nw_type: 2, entitlement_status: 0, network_voice_irat_capability: 'EPS-Fallback' },
      ],
    },
  );
  usage(
    () => buildEntitlement('ap2003', { flags: { status: 0 } }),
    /--status \(entitlement_status: unknown field; expected one of entries; ap2003 has entitlement_status per item of entries: e\.g\. --entries access_type=1,home_roaming_nw_type=1,entitlement_status=0\)/,
  );
  usage(() => buildEntitlement('ap2003', { flags: { entries: ['access_type=3'] } }), /entries\[0\]\.access_type: 3 is out of range; expected 1 \(LTE \(E-UTRAN\)\), 2 \(NG-RAN \(NR\)\)/);
  usage(() => buildEntitlement('ap2003', { flags: { entries: ['access_type=3'] } }), /entries\[0\]\.home_roaming_nw_type: missing; networks this entry applies to/);
  usage(() => buildEntitlement('ap2003', { flags: { entries: ['access_type'] } }), /--entries "access_type": expected name=value pairs separated by commas, e\.g\. --entries access_type=1/);
});

test('buildEntitlement takes --data JSON and --field, flags win over --data', () => {
  assert.deepEqual(buildEntitlement('ap2004', { data: '{"entitlement_status": 0, "addr_status": 1}', flags: { status: 1 } }), { entitlement_status: 1, addr_status: 1 });
  assert.deepEqual(buildEntitlement('ap2004', { flags: {}, extra: ['addr_expiry=2027-01-01'] }), { addr_expiry: '2027-01-01' });
  assert.deepEqual(buildEntitlement('ap2016', { flags: { status: 1 }, extra: ['plmn_barred=[{"plmn":"310830"}]'] }), { entitlement_status: 1, plmn_barred: [{ plmn: '310830' }] });
  assert.deepEqual(buildEntitlement('ap2016', { flags: { 'plmn-allowed': ['plmn=310830,data_plan_type=metered'] } }), { plmn_allowed: [{ plmn: '310830', data_plan_type: 'Metered' }] });
  usage(() => buildEntitlement('ap2004', { data: '{nope', flags: {} }), /--data is not valid JSON/);
  usage(() => buildEntitlement('ap2004', { data: '[1]', flags: {} }), /--data must be a JSON object/);
  usage(() => buildEntitlement('ap2004', { flags: {}, extra: ['novalue'] }), /expected name=value/);
  usage(() => buildEntitlement('ap2004', { flags: { 'service-flow-url': 'ftp://x' } }), /--service-flow-url \(service_flow_url: "ftp:\/\/x" is not an http\(s\) URL/);
});

test('message_for_incompatible without status 2 is noted: it would not reach the phone', () => {
  assert.deepEqual(unsentFieldNotes('ap2004', { entitlement_status: 2, message_for_incompatible: 'no' }), []);
  const [n] = unsentFieldNotes('ap2004', { entitlement_status: 1, message_for_incompatible: 'no' });
  assert.match(n!, /message_for_incompatible is sent to the phone only while entitlement_status is 2; it is 1 here/);
  const [m] = unsentFieldNotes('ap2005', { message_for_incompatible: 'no' });
  assert.match(m!, /sets no entitlement_status, so the default decides \(--status 2 to send it\)/);
  assert.deepEqual(unsentFieldNotes('ap2014', { msisdn: '1555' }), []);
});
