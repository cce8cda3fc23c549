import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extendedDictionary, legacyCodec, loadLegacyAvps } from './legacy-adapter.js';
import { VENDOR_3GPP } from '../../src/codec/diameter/constants.js';
import { decodeMessage } from '../../src/codec/diameter/message.js';

test('the package dictionary loads under ours: our rows win, theirs fill the gaps', () => {
  const rows = loadLegacyAvps();
  assert.ok(rows.length > 1900);
  const d = extendedDictionary();
  assert.equal(d.avp(263)?.type, 'UTF8String', 'Session-Id keeps our (RFC 6733) type, not the package OctetString');
  assert.equal(d.avp(1032, VENDOR_3GPP)?.name, 'RAT-Type');
  assert.equal(d.avp(1032, VENDOR_3GPP)?.enums?.[0], 'WLAN');
  assert.equal(d.avp(416)?.name, 'CC-Request-Type', 'a Gy AVP we do not define comes from the package');
  assert.equal(d.application(16777238)?.name, '3GPP Gx');
});

test('why the package codec is not used on the wire: it throws on unknown AVPs and mangles binary OctetStrings', () => {
  const c = legacyCodec();
  const der = c.encodeMessage({
    header: { version: 1, commandCode: 268, flags: { request: true, proxiable: true, error: false, potentiallyRetransmitted: false }, applicationId: 16777264, hopByHopId: 1, endToEndId: 2 },
    body: [['Session-Id', 's;1;2'], ['EAP-Payload', Buffer.from('02ff0005ff', 'hex')]],
  });
  const back = c.decodeMessage(der);
  assert.notDeepEqual(Buffer.from(String(back.body[1]![1]), 'utf8'), Buffer.from('02ff0005ff', 'hex'), 'binary EAP-Payload comes back as lossy UTF-8 text');
  // An unknown AVP without the M-bit: our decoder keeps it, the package throws.
  const unknown = Buffer.concat([der, Buffer.from('0000fffe0000000c61626364', 'hex')]);
  unknown.writeUIntBE(unknown.length, 1, 3);
  assert.equal(decodeMessage(unknown).avps.length, 3);
  assert.throws(() => c.decodeMessage(unknown), /Unable to find AVP/);
});
