/**
 * A TS.43 POST body as the entitlement plugin reads it: JSON (the plugin's parser: JSON.parse, SyntaxError is
 * a 400) or a form; an `eap-relay-packet` (base64 → describeEap) or query parameters (→ parseTs43Request).
 * Input: one byte choosing JSON (odd) or form (even), then the body.
 */
import { DecodeError } from '../../../src/codec/decode-error.js';
import { decodeRelayPacket, foldParams, missingParams, parseTs43Request } from '../../../src/codec/ts43/index.js';
import { decodeEap, describeEap } from '../../../src/codec/eap/index.js';
import { tolerate, type FuzzTarget } from '../engine.js';
import { hexFixtures, text } from './seeds.js';

const expected = (e: unknown) => e instanceof SyntaxError;

function handle(obj: Record<string, unknown>): void {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === 'eap-relay-packet');
  if (key !== undefined) {
    const packet = decodeRelayPacket(obj[key]);
    if (packet) {
      describeEap(packet);
      tolerate((e) => e instanceof DecodeError, () => decodeEap(packet));
    }
    return;
  }
  missingParams(parseTs43Request(foldParams(obj)));
}

const target: FuzzTarget = {
  name: 'ts43-body',
  describe: 'POST body: JSON.parse or URLSearchParams → eap-relay-packet (decodeRelayPacket, describeEap) or foldParams → parseTs43Request',
  seeds: () => [
    ...hexFixtures('wire', 'eap').map((p) => Buffer.from(`\x01${JSON.stringify({ 'eap-relay-packet': p.toString('base64') })}`)),
    ...text(
      '\x01{"EAP_ID":"0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org","terminal_id":"356938035643809","app":["ap2004","ap2003"],"vers":0,"entitlement_version":"2.0"}',
      '\x01{"IMSI":"001010000000001","token":"a.b","app":"[ap2003,ap2004]","terminal_id":1234,"vers":null,"operation":"ManageSubscription"}',
      '\x02EAP_ID=0001010000000001%40nai.epc.mnc001.mcc001.3gppnetwork.org&terminal_id=1&app=ap2004&entitlement_version=2',
      '\x02eap-relay-packet=AgEACBcFAAA%3D',
    ),
  ],
  tokens: ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '1e309', '"eap-relay-packet"', '"app"', '=', '==', '\\u0000', '&', '%'],
  maxLength: 16 * 1024,
  expected,
  run(input) {
    const body = input.subarray(1).toString('utf8');
    if ((input[0] ?? 0) & 1) {
      if (body.trim() === '') return;
      const v: unknown = JSON.parse(body);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return; // answered 400
      handle(v as Record<string, unknown>);
    } else {
      handle(Object.fromEntries(new URLSearchParams(body)));
    }
  },
};
export default target;
