/**
 * Which strings a heap snapshot holds, by kind, side by side for one or more snapshots (before / after a change):
 *
 *   npx tsc && node dist/bench/heap-strings.js A.heapsnapshot [B.heapsnapshot …]
 *
 * Made for the daemon's snapshot that `wrk.bench.js --sims N --heap-snapshot DIR` takes after its slices: the
 * request URLs still alive (a token query's `/?IMSI=…`, an EAP round's `/?EAP_ID=…`: each is alive only while
 * something keeps it, often a slice cut from it), the SIMs' NAIs, the slices and joined (cons) strings V8 keeps, and
 * all strings; counts and self sizes (docs/performance.md § Thirty-eighth round). Reads the file whole: a daemon's
 * snapshot at 10,000 SIMs is ≈ 100 MB and needs ≈ 1 GB of heap here (node's default limit is enough).
 */
import { basename } from 'node:path';
import { heapNodes } from '../test/heap-strings.js';

const KINDS: Array<[string, (type: string, text: string) => boolean]> = [
  ['every node', () => true],
  ['every string', (t) => t.includes('string')],
  ['sliced strings', (t) => t === 'sliced string'],
  ['joined (cons) strings', (t) => t === 'concatenated string'],
  ['token-query URLs (/?IMSI=…)', (t, s) => t.includes('string') && s.startsWith('/?IMSI=')],
  ['EAP URLs (/?EAP_ID=…)', (t, s) => t.includes('string') && s.startsWith('/?EAP_ID=')],
  ['NAIs (…@nai.…)', (t, s) => t.includes('string') && /^[0-9]{15,16}@nai\./.test(s)],
];

/** Count and self size of each kind; a node's own name, so a slice is not counted as the text it was cut from. */
function tally(file: string): Array<[number, number]> {
  const out = KINDS.map((): [number, number] => [0, 0]);
  for (const n of heapNodes(file)) KINDS.forEach(([, is], k) => { if (is(n.type, n.name)) { out[k]![0]++; out[k]![1] += n.size; } });
  return out;
}

const files = process.argv.slice(2);
if (!files.length) throw new Error('usage: node dist/bench/heap-strings.js A.heapsnapshot [B.heapsnapshot …]');
const all = files.map(tally);
const mb = (b: number) => (b / 1048576).toFixed(2);
console.log(`| kind | ${files.map((x) => `${basename(x)}: count / MB`).join(' | ')} |`);
console.log(`|---|${files.map(() => '---:').join('|')}|`);
KINDS.forEach(([label], k) => console.log(`| ${label} | ${all.map((t) => `${t[k]![0].toLocaleString('en-US')} / ${mb(t[k]![1])}`).join(' | ')} |`));
