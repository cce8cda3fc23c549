/**
 * Diameter messages (src/codec/diameter) as the node reads them after framing, including RFC 6733 §7: a
 * request whose frame is intact but whose header bits or AVPs are not gets an error answer built by
 * buildMalformedAnswer (what daemon/diameter/node.ts answerMalformed sends) — that answer must encode and
 * decode. Each input is tried as given and with its header length fixed to its size, so the AVP walk is reached.
 */
import { DecodeError } from '../../../src/codec/decode-error.js';
import {
  CmdFlag, MalformedMessageError, buildErrorAnswer, buildMalformedAnswer, decodeMessage, defaultDictionary, encodeMessage,
  findUnknownMandatory, readCapabilities, readDea, readDer, readHeaderFields, readMaa, readMar, readShAnswer, readShRequest,
  resultOf, viewAvps, type DiameterMessage,
} from '../../../src/codec/diameter/index.js';
import { tolerate, type FuzzTarget } from '../engine.js';
import { hexFixtures } from './seeds.js';

const expected = (e: unknown) => e instanceof DecodeError;
const dict = defaultDictionary();
const local = { host: 'fuzz.omnisep.localdomain', realm: 'omnisep.localdomain' };

/** The header length set to the buffer's size (padded to 4), version 1: the frame the framer would deliver. */
function framed(input: Buffer): Buffer | null {
  if (input.length < 20) return null;
  const b = Buffer.alloc((input.length + 3) & ~3);
  input.copy(b);
  b[0] = 1;
  b.writeUIntBE(b.length, 1, 3);
  return b;
}

/** What the node does with one frame; throws only what decodeMessage threw when no answer is due. */
export function handleFrame(frame: Buffer): void {
  let m: DiameterMessage;
  try {
    m = decodeMessage(frame);
  } catch (err) {
    if (!(err instanceof MalformedMessageError)) throw err;
    const header = readHeaderFields(frame);
    if (!header || !(header.flags & CmdFlag.R)) throw err;
    // §7: the error answer must be a well-formed message.
    decodeMessage(encodeMessage(buildMalformedAnswer(dict, header, local, err)));
    return;
  }
  for (const r of [readCapabilities, readDer, readDea, readMar, readMaa, readShRequest, readShAnswer, resultOf]) tolerate(expected, () => r(m));
  tolerate(expected, () => viewAvps(m.avps, dict, new Set(['EAP-Master-Session-Key'])));
  const bad = findUnknownMandatory(m.avps, dict);
  if (m.flags & CmdFlag.R) {
    const a = buildErrorAnswer(dict, m, local, bad ? 5001 : 3001, bad ? { failedAvp: bad, errorMessage: `AVP ${bad.code} not supported` } : {});
    decodeMessage(encodeMessage(a));
  }
}

const target: FuzzTarget = {
  name: 'diameter',
  describe: 'decodeMessage, the §7 error answer (buildMalformedAnswer) and 5001/3001 answers, CER/DER/DEA/MAR/MAA/Sh readers, viewAvps',
  seeds: () => hexFixtures('wire', 'diameter'),
  expected,
  maxLength: 8192,
  run(input) {
    const f = framed(input);
    if (f) tolerate(expected, () => handleFrame(f));
    handleFrame(input);
  },
};
export default target;
