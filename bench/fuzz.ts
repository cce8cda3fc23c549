/**
 * The fuzz harness at full size (docs/security.md § Fuzzing): 1 000 000 random and mutated inputs per target
 * (test/fuzz/targets), each in its own worker thread watched for hangs and crashes, and the inputs/s of each
 * next to the bare baseline (the generator alone). Failures are written to test/fuzz/crashers/, which
 * `npm test` replays from then on.
 *
 *   node --import tsx bench/fuzz.ts [target…] [--count 1000000] [--seed N] [--budget-ms 1000] [--list]
 */
import { parseArgs } from 'node:util';
import { loadavg, cpus } from 'node:os';
import { TARGETS } from '../test/fuzz/targets/index.js';
import { fuzzInWorker } from '../test/fuzz/harness.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { count: { type: 'string', default: '1000000' }, seed: { type: 'string' }, 'budget-ms': { type: 'string', default: '1000' }, list: { type: 'boolean', default: false } },
});
if (values.list) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(18)} ${t.describe}`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !TARGETS.some((t) => t.name === p));
if (unknown.length) {
  console.error(`unknown target ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const names = positionals.length ? ['baseline', ...positionals.filter((p) => p !== 'baseline')] : TARGETS.map((t) => t.name);
const count = Number(values.count);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 0x7fffffff;
console.log(`fuzz: ${count.toLocaleString('en')} inputs per target, seed ${seed}, per-input budget ${values['budget-ms']} ms, node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| target | inputs/s | vs baseline | results | typed errors | failures | slowest input | mean bytes |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
let base = 0;
let failed = 0;
for (const name of names) {
  const r = await fuzzInWorker(name, { count, seed, budgetMs: Number(values['budget-ms']) });
  const s = r.stats;
  failed += r.failures.length;
  if (!s) {
    console.log(`| ${name} | — | — | — | — | ${r.failures.length} (${r.failures.map((f) => f.kind).join(', ')}) | — | — |`);
  } else {
    const rate = s.inputs / (s.elapsedMs / 1000);
    if (name === 'baseline') base = rate;
    console.log(`| ${name} | ${Math.round(rate).toLocaleString('en')} | ${base ? (rate / base).toFixed(3) : '—'}× | ${s.results.toLocaleString('en')} | ${s.refused.toLocaleString('en')} | ${s.failures} | ${s.maxInputMs.toFixed(1)} ms | ${Math.round(s.meanLength)} |`);
  }
  for (const f of r.failures) console.log(`    ${f.kind}: ${f.reason}`);
  for (const p of r.saved) console.log(`    saved ${p}`);
}
console.log(`load after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
process.exit(failed ? 1 : 0);
