/** EAP / EAP-AKA / EAP-AKA' packets (src/codec/eap): what the phone relays in `eap-relay-packet` and the AAA in EAP-Payload. */
import { DecodeError } from '../../../src/codec/decode-error.js';
import { decodeEap, describeEap, duplicateAttribute, encodeEap, isAkaPacket, read } from '../../../src/codec/eap/index.js';
import { tolerate, type FuzzTarget } from '../engine.js';
import { hexFixtures } from './seeds.js';

const expected = (e: unknown) => e instanceof DecodeError;

const target: FuzzTarget = {
  name: 'eap',
  describe: 'decodeEap + every attribute reader + describeEap, and decode → encode → decode of what decoded',
  seeds: () => hexFixtures('wire', 'eap'),
  expected,
  maxLength: 2048,
  run(input) {
    describeEap(input);
    const p = decodeEap(input);
    if (isAkaPacket(p)) {
      duplicateAttribute(p);
      for (const r of Object.values(read)) tolerate(expected, () => (r as (x: typeof p) => unknown)(p));
    }
    // What decoded must encode and decode again (the server echoes identities and builds answers from them).
    decodeEap(encodeEap(p));
  },
};
export default target;
