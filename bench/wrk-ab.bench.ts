/**
 * Two builds of the daemon side by side under `wrk -t1 -c50` (the XCAP PUT: `-c1`), slice by slice: a change
 * measured against the build before it in one run, where `wrk.bench.js --root` then `wrk.bench.js` measure them minutes apart and this machine's
 * swing (±10 % and more between runs) swamps a change of a few per cent (docs/performance.md § Thirty-third round).
 *
 *   npx tsc && node dist/bench/wrk-ab.bench.js --a DIR [--b DIR] [--cases xcap-get,token-xml,token-json,xcap-put]
 *                                              [--slices 12] [--seconds 5] [--warmup 4]
 *
 * `--a` and `--b` are built checkouts (bin/run.js and dist/; `--b` default: this build). Both daemons run at once, as
 * `omnisep serve` starts them (bench/profile.ts `serve`: default embedded store and log level, the single-SIM
 * settings), each with the XCAP document of the lab subscriber stored; one is loaded while the other idles. Per case
 * each is warmed `--warmup` seconds, then slices of `--seconds` alternate between them, the pair's order swapping
 * every slice. The run is two halves of `--slices` / 2 pairs: the daemons are started a then b for the first half
 * and b then a for the second, so that whatever favours the daemon started first or second falls on both builds (the
 * halves have agreed so far: docs/performance.md § Thirty-third round). Prints per build req/s, the daemon's CPU µs a request
 * and of it the main thread's (/proc), b / a summed, per half and as the median of the pairs' ratios with their
 * range. `xcap-put` is wrk.bench's: one connection, one writer chaining ETags (the same wrk script). Needs `wrk`. No
 * bare route: for the ratio against a bare fastify route, wrk.bench.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ASSERTED_IDENTITY as ASSERTED, serve, tokenPath, XCAP_DOC, XCAP_ELEMENT, type Served } from './profile.js';
import { processCpuUs, threadsCpuUs } from './proc-cpu.js';
import { medianOf } from './pairs.js';
import { runWrk, storeXcapDocument, tokenHeaders, xcapPutScript, type Run } from './wrk-run.js';

const { values } = parseArgs({ options: {
  a: { type: 'string' }, b: { type: 'string' }, cases: { type: 'string', default: 'xcap-get,token-xml' },
  slices: { type: 'string', default: '12' }, seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '4' },
} });
if (!values.a) throw new Error('wrk-ab: --a DIR (a built checkout) is required');
if (spawnSync('wrk', ['-v']).error) throw new Error('wrk-ab: wrk is not installed (Debian: apt-get install wrk)');
const SLICES = Math.max(2, 2 * Math.round(Number(values.slices) / 2));
const SECONDS = Number(values.seconds);

/** A case's request: URL, headers, and for the XCAP PUT its one connection and wrk script. */
type Target = [url: string, headers: string[], conns?: number, script?: string];
interface Side { d: Served; paths: Record<string, Target> }
const scratch = mkdtempSync(join(tmpdir(), 'omnisep-wrk-ab-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const putScript = xcapPutScript(scratch, true);

async function side(root: string | undefined): Promise<Side> {
  const d = await serve(root ? { root } : {});
  await storeXcapDocument(d.url);
  const token = await tokenPath(d.url);
  return {
    d,
    paths: {
      'xcap-get': [`${d.url}${XCAP_DOC}`, [`X-3GPP-Asserted-Identity: ${ASSERTED}`]],
      'token-xml': [`${d.url}${token}`, tokenHeaders('text/vnd.wap.connectivity-xml')],
      'token-json': [`${d.url}${token}`, tokenHeaders('application/json')],
      'xcap-put': [`${d.url}${XCAP_ELEMENT}`, [], 1, putScript],
    },
  };
}

function wrk([url, headers, conns = 50, script]: Target, seconds: number): Run {
  const r = runWrk(url, seconds, conns, headers, script);
  if (r.non2xx) throw new Error(`wrk-ab: ${r.non2xx} answers were not 2xx from ${url}`);
  return r;
}

console.log(`wrk-ab bench: wrk -t1 -c50 (xcap-put -c1), ${SLICES} alternating slices of ${SECONDS} s per build and case in two halves (started a, b; then b, a); a = ${values.a}, b = ${values.b ?? 'this build'}; node ${process.version}, ${new Date().toISOString()}\n`);
interface Tally { n: number[]; cpu: number; main: number; requests: number; seconds: number }
const names = values.cases.split(',');
const tally = new Map(names.map((n) => [n, { a: fresh(), b: fresh(), halves: [] as number[] }]));
function fresh(): Tally { return { n: [], cpu: 0, main: 0, requests: 0, seconds: 0 }; }
const rate = (t: Tally) => t.requests / t.seconds;

for (const order of [['a', 'b'], ['b', 'a']] as const) {
  const started: Record<'a' | 'b', Side> = {} as Record<'a' | 'b', Side>;
  try {
    for (const which of order) started[which] = await side(which === 'a' ? values.a : values.b);
    for (const name of names) {
      const t = tally.get(name)!;
      const half = { a: fresh(), b: fresh() };
      for (const which of ['a', 'b'] as const) {
        const path = started[which].paths[name];
        if (!path) throw new Error(`wrk-ab: unknown case ${name}`);
        wrk(path, Number(values.warmup));
      }
      for (let i = 0; i < SLICES / 2; i++) {
        for (const which of i % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
          const s = started[which];
          const pid = s.d.child.pid!;
          const c0 = processCpuUs(pid);
          const m0 = threadsCpuUs(pid).main;
          const r = wrk(s.paths[name]!, SECONDS);
          for (const into of [t[which], half[which]]) {
            into.cpu += processCpuUs(pid) - c0;
            into.main += threadsCpuUs(pid).main - m0;
            into.requests += r.requests;
            into.seconds += r.seconds;
            into.n.push(r.requests / r.seconds);
          }
        }
      }
      t.halves.push(rate(half.b) / rate(half.a));
    }
  } finally {
    for (const s of Object.values(started)) await s.d.stop();
  }
}

console.log('| case | a req/s | b req/s | b / a | each half (started a, b / b, a) | median of the pairs (range) | a CPU µs/req (main thread) | b CPU µs/req (main thread) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const name of names) {
  const { a, b, halves } = tally.get(name)!;
  const pairs = medianOf(b.n.map((x, i) => x / a.n[i]!));
  const per = (t: Tally) => `${(t.cpu / t.requests).toFixed(1)} (${(t.main / t.requests).toFixed(1)})`;
  console.log(`| ${name} | ${Math.round(rate(a)).toLocaleString('en')} | ${Math.round(rate(b)).toLocaleString('en')} | ${(rate(b) / rate(a)).toFixed(3)}× | ${halves.map((h) => `${h.toFixed(3)}×`).join(' / ')} | ${pairs.median.toFixed(3)}× (${pairs.min.toFixed(3)}–${pairs.max.toFixed(3)}) | ${per(a)} | ${per(b)} |`);
}
