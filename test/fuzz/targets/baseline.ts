/** The bare baseline for bench/fuzz.ts: the generator and the loop with no parser (inputs/s ceiling). */
import type { FuzzTarget } from '../engine.js';
import { hexFixtures } from './seeds.js';

const target: FuzzTarget = {
  name: 'baseline',
  describe: 'no parser: the cost of generating, mutating and timing inputs (the ceiling of every row)',
  seeds: () => hexFixtures('wire', 'eap'),
  expected: () => false,
  run() {},
};
export default target;
