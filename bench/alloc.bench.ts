/**
 * What one request allocates in the daemon, and where: the garbage behind the GC share of every CPU profile.
 *
 *   npx tsc && node dist/bench/alloc.bench.js [--case eap|token-xml|token-json|xcap-get|xcap-put] [--count 3000]
 *        [--warmup 2000] [--concurrency 32] [--seconds 5] [--interval 4096] [--top 20] [--root DIR] [--keep FILE]
 *
 * Starts `omnisep serve` as `profile.ts` does (default embedded store, default log level, the built-in AAA behind the
 * swm relay over loopback TCP Diameter, the single-SIM caps raised) with `bench/alloc-preload.ts` loaded into it, warms
 * it up, then samples every allocation (V8's sampling heap profiler, one sample per `--interval` bytes on average,
 * objects the GC frees included) while the case runs: `eap` = `--count` full authentications through the simulator's
 * load mode at `--concurrency`; the HTTP cases = `--seconds` of requests on `--concurrency` connections (1 for
 * xcap-put, a single writer). Prints KB allocated per request, the scavenges per 1,000 requests and their pause (the
 * daemon's own `omnisep_nodejs_gc_duration_seconds`), and the functions that allocate most, by their own allocations
 * and inclusive of what they call (project code). Sampling estimates: the totals repeat within a few per cent from
 * run to run, whatever else the machine is doing, where CPU time here varies by tens of per cent — which is why
 * allocation is the measure for changes that only take garbage away.
 *
 * `--root DIR`: another build (an export of an older commit, built, node_modules linked) measured first, the same way:
 * its table, then this build's, then the totals side by side.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { daemonMetrics, minus } from './daemon-metrics.js';

const { values } = parseArgs({ options: {
  case: { type: 'string', default: 'eap' }, count: { type: 'string', default: '3000' }, warmup: { type: 'string', default: '2000' },
  concurrency: { type: 'string', default: '32' }, seconds: { type: 'string', default: '5' }, interval: { type: 'string', default: '4096' },
  top: { type: 'string', default: '20' }, root: { type: 'string' }, keep: { type: 'string' },
} });
const here = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const preload = fileURLToPath(new URL('./alloc-preload.js', import.meta.url));
const CASE = values.case;
const CONC = Number(values.concurrency);
const TOP = Number(values.top);

interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children?: Node[] }
interface Result { build: string; requests: number; kb: number; scavenges: number; scavengeMs: number; self: Array<[string, number]>; incl: Array<[string, number]> }

const frameName = (f: Node['callFrame']) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\//, '').replace(/.*\/(dist|node_modules)\//, '').replace(/^node:internal\//, 'node:')}:${f.lineNumber + 1}`;
const isProject = (f: Node['callFrame']) => /\/dist\/(src|daemon|bench)\//.test(f.url);

/** Bytes per function: its own allocations, and (project code) everything allocated under it, each sample once. */
function tabulateAllocations(head: Node): { total: number; self: Map<string, number>; incl: Map<string, number> } {
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  const walk = (n: Node, above: ReadonlySet<string>) => {
    const name = frameName(n.callFrame);
    total += n.selfSize;
    if (n.selfSize) self.set(name, (self.get(name) ?? 0) + n.selfSize);
    const stack = isProject(n.callFrame) && !above.has(name) ? new Set([...above, name]) : above;
    // Inclusive: charge this node's own bytes to every distinct project frame on its stack.
    if (n.selfSize) for (const k of stack) incl.set(k, (incl.get(k) ?? 0) + n.selfSize);
    for (const c of n.children ?? []) walk(c, stack);
  };
  walk(head, new Set());
  return { total, self, incl };
}

async function measure(build: { name: string; dir: string }): Promise<Result> {
  const prof = await import(join(build.dir, 'dist/bench/profile.js')) as typeof import('./profile.js');
  const run = await import(join(build.dir, 'dist/src/ue/run.js')) as typeof import('../src/ue/run.js');
  const file = resolve(values.keep && build.dir === here ? values.keep : join(process.env.TMPDIR ?? '/tmp', `omnisep-alloc-${process.pid}-${build.name}.heapprofile`));
  rmSync(file, { force: true });
  process.env.OMNISEP_ALLOC_PROFILE = file;
  process.env.OMNISEP_ALLOC_INTERVAL = values.interval;
  const d = await prof.serve({ nodeArgs: ['--import', preload], ...(build.dir === here ? {} : { root: build.dir }) });
  try {
    let once: (() => Promise<boolean>) | null = null;
    const conns = CASE === 'xcap-put' ? 1 : CONC;
    if (CASE !== 'eap') {
      const c = await prof.cases(d.url, conns);
      once = (c as unknown as Record<string, () => Promise<boolean>>)[CASE] ?? null;
      if (!once) throw new Error(`--case ${CASE}: one of eap, token-xml, token-json, xcap-get, xcap-put`);
      await prof.warmUp(Number(values.seconds), [[conns, once]]);
    } else {
      await run.loadEapAka(prof.eapOptions(d.url), { count: Number(values.warmup), concurrency: CONC });
    }
    const gc0 = (await daemonMetrics(d)).minorGc;
    d.child.kill('SIGUSR2'); // start sampling
    await new Promise((r) => setTimeout(r, 300));
    let requests: number;
    if (once) requests = (await prof.hammer(Number(values.seconds) * 1000, conns, once)).n;
    else requests = (await run.loadEapAka(prof.eapOptions(d.url), { count: Number(values.count), concurrency: CONC })).ok;
    d.child.kill('SIGUSR2'); // stop and write
    const gc1 = minus((await daemonMetrics(d)).minorGc, gc0);
    for (let i = 0; i < 300 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(file)) throw new Error(`build ${build.name}: the daemon wrote no allocation profile (${file})`);
    const t = tabulateAllocations((JSON.parse(readFileSync(file, 'utf8')) as { head: Node }).head);
    if (!values.keep || build.dir !== here) rmSync(file, { force: true });
    const per = (b: number) => b / 1024 / Math.max(1, requests);
    return {
      build: build.name, requests, kb: per(t.total), scavenges: (gc1.n * 1000) / Math.max(1, requests), scavengeMs: (gc1.sumS * 1000) / Math.max(1, gc1.n),
      self: [...t.self].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, v]) => [k, per(v)]),
      incl: [...t.incl].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, v]) => [k, per(v)]),
    };
  } finally {
    await d.stop();
  }
}

const unit = CASE === 'eap' ? 'authentication' : 'request';
console.log(`alloc bench: ${CASE}, ${CASE === 'eap' ? `${values.count} authentications at concurrency ${CONC} after ${values.warmup} of warm-up` : `${values.seconds} s on ${CASE === 'xcap-put' ? 1 : CONC} connection(s) after as long a warm-up`}; sampling interval ${values.interval} bytes; omnisep serve (embedded store, log level info); node ${process.version}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const builds = [...(values.root ? [{ name: 'root', dir: resolve(values.root) }] : []), { name: 'this', dir: here }];
const results: Result[] = [];
for (const b of builds) {
  const r = await measure(b);
  results.push(r);
  console.log(`\n### ${b.name === 'this' ? 'this build' : `root ${b.dir}`}: ${r.kb.toFixed(1)} KB allocated per ${unit} (${r.requests} ${unit}s); ${r.scavenges.toFixed(1)} scavenges per 1,000, ${r.scavengeMs.toFixed(2)} ms each\n`);
  console.log(`| function (own allocations) | KB per ${unit} |\n|---|---:|`);
  for (const [k, v] of r.self) console.log(`| ${k} | ${v.toFixed(2)} |`);
  console.log(`\n| project function (inclusive) | KB per ${unit} |\n|---|---:|`);
  for (const [k, v] of r.incl) console.log(`| ${k} | ${v.toFixed(2)} |`);
}
if (results.length > 1) {
  console.log(`\n| build | KB per ${unit} | scavenges per 1,000 | ms per scavenge |\n|---|---:|---:|---:|`);
  for (const r of results) console.log(`| ${r.build} | ${r.kb.toFixed(1)} | ${r.scavenges.toFixed(1)} | ${r.scavengeMs.toFixed(2)} |`);
}
