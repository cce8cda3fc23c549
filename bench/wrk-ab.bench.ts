/**
 * Two builds of the daemon side by side under `wrk -t1 -c50`, slice by slice: a change measured against the build
 * before it in one run, where `wrk.bench.js --root` then `wrk.bench.js` measure them minutes apart and this machine's
 * swing (±10 % and more between runs) swamps a change of a few per cent (docs/performance.md § Thirty-third round).
 *
 *   npx tsc && node dist/bench/wrk-ab.bench.js --a DIR [--b DIR] [--cases xcap-get,token-xml,token-json]
 *                                              [--slices 12] [--seconds 5] [--warmup 4]
 *
 * `--a` and `--b` are built checkouts (bin/run.js and dist/; `--b` default: this build). Both daemons run at once, as
 * `omnisep serve` starts them (bench/profile.ts `serve`: default embedded store and log level, the single-SIM
 * settings), each with the XCAP document of the lab subscriber stored; one is loaded while the other idles. Per case
 * each is warmed `--warmup` seconds, then `--slices` slices of `--seconds` alternate between them, the pair's order
 * swapping every slice. Prints per build req/s, the daemon's CPU µs a request and of it the main thread's (/proc), and
 * b / a summed and as the median of the pairs' ratios with their range. Needs `wrk`. No bare route: for the ratio
 * against a bare fastify route, wrk.bench.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { ANDROID_UA, ASSERTED_IDENTITY as ASSERTED, serve, tokenPath, XCAP_DOC, XCAP_ELEMENT, type Served } from './profile.js';
import { processCpuUs, threadsCpuUs } from './proc-cpu.js';
import { medianOf } from './pairs.js';

const { values } = parseArgs({ options: {
  a: { type: 'string' }, b: { type: 'string' }, cases: { type: 'string', default: 'xcap-get,token-xml' },
  slices: { type: 'string', default: '12' }, seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '4' },
} });
if (!values.a) throw new Error('wrk-ab: --a DIR (a built checkout) is required');
if (spawnSync('wrk', ['-v']).error) throw new Error('wrk-ab: wrk is not installed (Debian: apt-get install wrk)');
const SLICES = Number(values.slices);
const SECONDS = Number(values.seconds);

interface Side { label: string; d: Served; paths: Record<string, [string, string[]]>; n: number[]; cpu: number; main: number; requests: number; seconds: number }

async function side(label: string, root: string | undefined): Promise<Side> {
  const d = await serve(root ? { root } : {});
  // The XCAP document exists once a first PUT made it (as in wrk.bench).
  await (await request(`${d.url}${XCAP_ELEMENT}`, { method: 'PUT', headers: { 'x-3gpp-asserted-identity': ASSERTED, 'content-type': 'application/xcap-el+xml' }, body: '<NoReplyTimer>20</NoReplyTimer>' })).body.dump();
  const token = await tokenPath(d.url);
  const tokenHeaders = (accept: string) => [`Accept: ${accept}`, `User-Agent: ${ANDROID_UA}`, 'Accept-Encoding: gzip'];
  return {
    label, d, n: [], cpu: 0, main: 0, requests: 0, seconds: 0,
    paths: {
      'xcap-get': [`${d.url}${XCAP_DOC}`, [`X-3GPP-Asserted-Identity: ${ASSERTED}`]],
      'token-xml': [`${d.url}${token}`, tokenHeaders('text/vnd.wap.connectivity-xml')],
      'token-json': [`${d.url}${token}`, tokenHeaders('application/json')],
    },
  };
}

function wrk(url: string, headers: string[], seconds: number): { requests: number; seconds: number } {
  const out = execFileSync('wrk', ['-t1', '-c50', `-d${seconds}s`, ...headers.flatMap((h) => ['-H', h]), url], { encoding: 'utf8' });
  const m = /(\d+) requests in ([\d.]+)(ms|s)/.exec(out);
  if (!m) throw new Error(`wrk-ab: no count in wrk's output:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`wrk-ab: ${non2xx[1]} answers were not 2xx from ${url}`);
  return { requests: Number(m[1]), seconds: Number(m[2]) / (m[3] === 'ms' ? 1000 : 1) };
}

const sides = [await side('a', values.a), await side('b', values.b)];
try {
  console.log(`wrk-ab bench: wrk -t1 -c50, ${SLICES} alternating slices of ${SECONDS} s per build and case; a = ${values.a}, b = ${values.b ?? 'this build'}; node ${process.version}, ${new Date().toISOString()}\n`);
  console.log('| case | a req/s | b req/s | b / a | median of the pairs (range) | a CPU µs/req (main thread) | b CPU µs/req (main thread) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const name of values.cases.split(',')) {
    for (const s of sides) {
      if (!s.paths[name]) throw new Error(`wrk-ab: unknown case ${name}`);
      Object.assign(s, { n: [], cpu: 0, main: 0, requests: 0, seconds: 0 });
      wrk(s.paths[name]![0], s.paths[name]![1], Number(values.warmup));
    }
    for (let i = 0; i < SLICES; i++) {
      for (const s of i % 2 ? [sides[1]!, sides[0]!] : sides) {
        const pid = s.d.child.pid!;
        const c0 = processCpuUs(pid);
        const m0 = threadsCpuUs(pid).main;
        const r = wrk(s.paths[name]![0], s.paths[name]![1], SECONDS);
        s.cpu += processCpuUs(pid) - c0;
        s.main += threadsCpuUs(pid).main - m0;
        s.requests += r.requests;
        s.seconds += r.seconds;
        s.n.push(r.requests / r.seconds);
      }
    }
    const [a, b] = sides as [Side, Side];
    const pairs = medianOf(b.n.map((x, i) => x / a.n[i]!));
    const per = (s: Side) => `${(s.cpu / s.requests).toFixed(1)} (${(s.main / s.requests).toFixed(1)})`;
    console.log(`| ${name} | ${Math.round(a.requests / a.seconds).toLocaleString('en')} | ${Math.round(b.requests / b.seconds).toLocaleString('en')} | ${((b.requests / b.seconds) / (a.requests / a.seconds)).toFixed(3)}× | ${pairs.median.toFixed(3)}× (${pairs.min.toFixed(3)}–${pairs.max.toFixed(3)}) | ${per(a)} | ${per(b)} |`);
  }
} finally {
  for (const s of sides) await s.d.stop();
}
