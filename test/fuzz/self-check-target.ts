/** A target that misbehaves on purpose, for the harness's own test (fuzz.test.ts); not in the registry. */
import type { FuzzTarget } from './engine.js';

const target: FuzzTarget = {
  name: 'self-check',
  describe: 'fails on purpose: byte 1 throws a foreign error, byte 4 never returns, byte 5 exhausts the heap',
  seeds: () => [Buffer.from([0])],
  expected: (e) => e instanceof RangeError,
  run(b) {
    if (b[0] === 1) throw new TypeError('boom');
    if (b[0] === 2) throw new RangeError('typed');
    if (b[0] === 4) for (;;) { /* hang */ }
    if (b[0] === 5) { const keep: number[][] = []; for (;;) keep.push(new Array(1e6).fill(1)); }
  },
};
export default target;
