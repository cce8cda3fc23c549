/**
 * Issue 14's figures, side by side in one run: the daemon as `omnisep serve` runs it (a child process, the
 * default embedded store in a temp dir, the default log level), against bare fastify routes in this process
 * answering the same bytes, driven by the same load generator:
 *
 *   1. token-authenticated entitlement query, XML and JSON (`GET /?IMSI=&token=…`, 2 apps, gzip asked for);
 *   2. full EAP-AKA through the simulator's load mode (`loadEapAka`, what `simulate eap-aka --count
 *      --concurrency` runs; swm back-end → the built-in AAA over loopback TCP Diameter), against a bare
 *      GET + POST pair; the simulator's own CPU per authentication (process.cpuUsage) beside it;
 *   3. XCAP GET of the simservs document and conditional PUT of an element (If-Match chain, one writer);
 *   4. the same with a monitor attached (an `/api/events` NDJSON reader on the control socket).
 *
 * Bare and daemon alternate in `--slices` short runs so both see the same machine load; ratios are against the
 * bare route of the same shape. The per-IMSI / per-client EAP caps are raised (single lab SIM, loopback).
 *
 *   npx tsc && node dist/bench/ts43.bench.js [--seconds 3] [--connections 16] [--eap-count 300] [--slices 3] [--no-monitor]
 *                                           [--warmup 12] [--eap-warmup 1000]
 *
 * Before measuring, the daemon is warmed up: `--warmup` seconds over the token, XCAP GET and PUT cases, then
 * `--eap-warmup` authentications (profile.ts warmUp; a new daemon's first seconds run unoptimised code).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { runLoad, summariseLatencies, type LatencySummary } from '../src/ue/load.js';
import { loadEapAka } from '../src/ue/run.js';
import { registerBareRoutes } from './bare-routes.js';
import { attachReader, cases, eapOptions, hammer, processCpuUs, serve, warmUp, WARMUP_SECONDS, XCAP_DOC } from './profile.js';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '3' }, connections: { type: 'string', default: '16' }, 'eap-count': { type: 'string', default: '300' },
  slices: { type: 'string', default: '3' }, 'no-monitor': { type: 'boolean', default: false },
  warmup: { type: 'string', default: String(WARMUP_SECONDS) }, 'eap-warmup': { type: 'string', default: '1000' },
} });
const SECONDS = Number(values.seconds);
const CONNS = Number(values.connections);
const EAP_COUNT = Number(values['eap-count']);
const SLICES = Number(values.slices);
const WARMUP = Number(values.warmup);
const EAP_WARMUP = Math.max(1, Number(values['eap-warmup']));

interface Fig { perS: number; lat: LatencySummary; errors: number; cpuUs?: number; simCpuUs?: number }

const d = await serve();
const c = await cases(d.url, CONNS);
const body = async (path: string, headers: Record<string, string>) => {
  const r = await c.pool.request({ method: 'GET', path, headers });
  return { text: await r.body.text(), headers: r.headers };
};
// The bare routes answer the daemon's own bytes (uncompressed: the bare routes do not gzip).

const bare = Fastify({ logger: false });
const tokenXml = (await body(c.tokenPath, { accept: 'text/vnd.wap.connectivity-xml' })).text;
const tokenJson = (await body(c.tokenPath, { accept: 'application/json' })).text;
const xcapDoc = (await body(XCAP_DOC, c.xcapHeaders)).text;
registerBareRoutes(bare, { xml: tokenXml, json: tokenJson, xcap: xcapDoc });
const relay = JSON.stringify({ 'eap-relay-packet': Buffer.alloc(68, 1).toString('base64') });
bare.get('/eap', async (_q, r) => r.header('content-type', 'application/vnd.gsma.eap-relay.v1.0+json').header('set-cookie', 'S=1; Path=/').send(relay));
bare.post('/eap', async (_q, r) => r.type('text/vnd.wap.connectivity-xml').send(tokenXml));
await bare.listen({ host: '127.0.0.1', port: 0 });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;
const bp = new Pool(bareUrl, { connections: CONNS });
const bget = (path: string) => async () => { const r = await bp.request({ method: 'GET', path, headers: { 'accept-encoding': 'gzip' } }); await r.body.dump(); return r.statusCode === 200; };
// One writer carrying the ETag of its previous answer, as the daemon's PUT case does.
let bareEtag = '*';
const bput = async () => {
  const r = await bp.request({ method: 'PUT', path: '/xcap', headers: { 'content-type': 'application/xcap-el+xml', 'if-match': bareEtag }, body: '<NoReplyTimer>20</NoReplyTimer>' });
  if (typeof r.headers.etag === 'string') bareEtag = r.headers.etag;
  await r.body.dump();
  return r.statusCode === 200;
};
const bareEap = (count: number) => runLoad(async () => {
  const a = await bp.request({ method: 'GET', path: '/eap?EAP_ID=x&terminal_id=t&app=ap2004', headers: { accept: 'application/vnd.gsma.eap-relay.v1.0+json' } });
  await a.body.text();
  const b = await bp.request({ method: 'POST', path: '/eap', headers: { 'content-type': 'application/vnd.gsma.eap-relay.v1.0+json', cookie: 'S=1' }, body: relay });
  await b.body.text();
  return { ok: a.statusCode === 200 && b.statusCode === 200 };
}, { count, concurrency: CONNS, now: () => performance.now() });

/** Alternating slices of bare and daemon; daemon CPU per request from /proc. */
async function pair(parallel: number, b: () => Promise<boolean>, o: () => Promise<boolean>): Promise<[Fig, Fig]> {
  const lb: number[][] = [];
  const lo: number[][] = [];
  let nb = 0, no = 0, tb = 0, to = 0, eb = 0, eo = 0, cpu = 0;
  for (let s = 0; s < SLICES; s++) {
    const x = await hammer((SECONDS * 1000) / SLICES, parallel, b);
    nb += x.n; tb += x.n / x.perS; eb += x.errors; lb.push([x.lat.p50, x.lat.p99]);
    const c0 = processCpuUs(d.child.pid!);
    const y = await hammer((SECONDS * 1000) / SLICES, parallel, o);
    cpu += processCpuUs(d.child.pid!) - c0;
    no += y.n; to += y.n / y.perS; eo += y.errors; lo.push([y.lat.p50, y.lat.p99]);
  }
  const lat = (l: number[][]) => ({ ...summariseLatencies([]), p50: l.reduce((a, v) => a + v[0]!, 0) / l.length, p99: Math.max(...l.map((v) => v[1]!)) });
  return [{ perS: nb / tb, lat: lat(lb), errors: eb }, { perS: no / to, lat: lat(lo), errors: eo, cpuUs: cpu / Math.max(1, no) }];
}

async function eapPair(): Promise<[Fig, Fig]> {
  const b = await bareEap(EAP_COUNT * 4);
  const cpu0 = process.cpuUsage();
  const c0 = processCpuUs(d.child.pid!);
  const s = await loadEapAka(eapOptions(d.url), { count: EAP_COUNT, concurrency: CONNS });
  const dc = processCpuUs(d.child.pid!) - c0;
  const cpu = process.cpuUsage(cpu0);
  return [{ perS: b.ok_per_s, lat: b.latency_ms, errors: b.failed }, { perS: s.ok_per_s, lat: s.latency_ms, errors: s.failed, cpuUs: dc / Math.max(1, s.ok), simCpuUs: (cpu.user + cpu.system) / EAP_COUNT }];
}

async function all(): Promise<Array<[string, Fig, Fig]>> {
  const rows: Array<[string, Fig, Fig]> = [];
  const row = (name: string, [b, o]: [Fig, Fig]) => rows.push([name, b, o]);
  row('token query, XML (2 apps)', await pair(CONNS, bget('/xml'), c['token-xml']));
  row('token query, JSON (2 apps)', await pair(CONNS, bget('/json'), c['token-json']));
  row('full EAP-AKA (simulate load mode → swm → built-in AAA, TCP Diameter)', await eapPair());
  row('XCAP GET simservs document', await pair(CONNS, bget('/xcap'), c['xcap-get']));
  row('XCAP conditional PUT element (If-Match, 1 writer)', await pair(1, bput, c['xcap-put']));
  return rows;
}

// Warm-up: JIT on both sides, Diameter connection, pools. The daemon's first seconds run code V8 has not optimised
// yet (profile.ts warmUp); the bare routes, a few lines each, are warm within a second.
await warmUp(4, [[CONNS, bget('/xml')], [CONNS, bget('/json')], [CONNS, bget('/xcap')], [1, bput]]);
await warmUp(WARMUP, [[CONNS, c['token-xml']], [CONNS, c['token-json']], [CONNS, c['xcap-get']], [1, c['xcap-put']]]);
await loadEapAka(eapOptions(d.url), { count: EAP_WARMUP, concurrency: CONNS });

const load0 = loadavg()[0]!;
const plain = await all();
let monitored: Array<[string, Fig, Fig]> | null = null;
let events = 0;
if (!values['no-monitor']) {
  const reader = await attachReader(d.agent);
  monitored = await all();
  events = reader.stop();
}
const load1 = loadavg()[0]!;
await c.pool.close();
await bp.close();
await bare.close();
await d.stop();

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(1);
console.log(`\nts43 bench (issue 14): omnisep serve child (embedded store, log level info), ${SECONDS} s per case in ${SLICES} alternating slices, ${CONNS} connections, node ${process.version}, ${new Date().toISOString()}`);
console.log(`load average at start ${load0.toFixed(2)}, at end ${load1.toFixed(2)} (2 cores shared with other work)`);
console.log('the bare routes run in this thread beside the undici load generator, which lifts every ratio; issue 14\'s own method (wrk, the bare route in its own process): dist/bench/wrk.bench.js\n');
console.log('| case | bare /s | omnisep /s | ratio | p50 ms | p99 ms | errors | daemon CPU µs/req | simulator CPU µs/auth |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, b, o] of plain) console.log(`| ${name} | ${f0(b.perS)} | ${f0(o.perS)} | ${(o.perS / b.perS).toFixed(3)}× | ${ms(o.lat.p50)} | ${ms(o.lat.p99)} | ${o.errors} | ${f0(o.cpuUs ?? 0)} | ${o.simCpuUs ? f0(o.simCpuUs) : ''} |`);
if (monitored) {
  console.log(`\nwith an /api/events reader attached (${events} events read):\n`);
  console.log('| case | bare /s | omnisep /s | ratio | vs no reader (ratio of ratios) | p50 ms | p99 ms | daemon CPU µs/req | vs no reader |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  monitored.forEach(([name, b, o], i) => {
    const [, pb, po] = plain[i]!;
    console.log(`| ${name} | ${f0(b.perS)} | ${f0(o.perS)} | ${(o.perS / b.perS).toFixed(3)}× | ${((o.perS / b.perS) / (po.perS / pb.perS)).toFixed(3)} | ${ms(o.lat.p50)} | ${ms(o.lat.p99)} | ${f0(o.cpuUs ?? 0)} | ${((o.cpuUs ?? 0) / (po.cpuUs ?? 1)).toFixed(3)} |`);
  });
}
