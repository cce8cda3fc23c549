/**
 * The Diameter stream framer (src/codec/diameter/framer.ts) fed as a socket would: the input cut into reads
 * at places taken from the input itself, every whole frame then handled as the node does (diameter.ts). A
 * framing error ends the stream (the node closes the connection): that is the typed refusal.
 */
import { DecodeError } from '../../../src/codec/decode-error.js';
import { DiameterFramer } from '../../../src/codec/diameter/index.js';
import { tolerate, type FuzzTarget } from '../engine.js';
import { hexFixtures } from './seeds.js';
import { handleFrame } from './diameter.js';

const expected = (e: unknown) => e instanceof DecodeError;

const target: FuzzTarget = {
  name: 'diameter-framer',
  describe: 'DiameterFramer.push over reads of 1..n bytes (cut points from the input), each frame through the node path',
  seeds: () => {
    const msgs = hexFixtures('wire', 'diameter');
    return [...msgs, Buffer.concat(msgs.slice(0, 3)), Buffer.concat(msgs)];
  },
  expected,
  maxLength: 16384,
  run(input) {
    const framer = new DiameterFramer(4096);
    let p = 0;
    let k = input.length;
    while (p < input.length) {
      k = (k * 1103515245 + 12345) >>> 0;
      const n = 1 + (k % 97 < 10 ? k % 4 : k % 512);
      for (const frame of framer.push(input.subarray(p, p + n))) tolerate(expected, () => handleFrame(frame));
      p += n;
    }
    if (framer.buffered > input.length) throw new Error(`framer holds ${framer.buffered} bytes of ${input.length}`);
  },
};
export default target;
