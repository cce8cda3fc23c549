/**
 * Full EAP-AKA authentications per second through `simulate eap-aka
 * --count N --concurrency C` (src/ue loadEapAka) against the real daemon
 * (startDaemon wired as `omnisep serve` with no config: swm back-end → the
 * built-in AAA over loopback TCP Diameter, lab subscribers), side by side in one run with a bare fastify route driven by
 * the same load runner and the same undici pool doing the same two HTTP
 * exchanges per "authentication" (GET, then POST of a relay body) with no
 * work behind them — the ceiling of the HTTP path on this machine.
 *
 * Cases: EAP-AKA at concurrency 1, 8, 32; EAP-AKA'; EAP-AKA with a resync
 * round every time (USIM ahead: 2 challenges, 3 HTTP exchanges); EAP-AKA on
 * a daemon with `storage.driver=memory` (no fsync of sessions and tokens).
 *
 * Usage: node --import tsx bench/ts43-auth.bench.ts [count-per-case]   (default 300)
 */
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { request } from 'undici';
import { Secret } from '../src/util/secret.js';
import { createDispatcher } from '../src/ue/http.js';
import { runLoad, type LoadSummary } from '../src/ue/load.js';
import { loadEapAka, simulateOptions, type SimulateOptions } from '../src/ue/run.js';
import { labSims, startSimDaemon } from '../test/simulate-daemon.js';

const COUNT = Number(process.argv[2] ?? 300);
const sim = labSims()[0]!;

async function bareRoute(concurrency: number): Promise<LoadSummary> {
  const app = Fastify({ logger: false });
  const relay = JSON.stringify({ 'eap-relay-packet': Buffer.alloc(68, 1).toString('base64') });
  app.addContentTypeParser('application/vnd.gsma.eap-relay.v1.0+json', { parseAs: 'string' }, (_r, b, done) => done(null, b));
  app.get('/', async (_req, reply) => reply.header('content-type', 'application/vnd.gsma.eap-relay.v1.0+json').header('set-cookie', 'S=1; Path=/').send(relay));
  app.post('/', async (_req, reply) => reply.header('content-type', 'text/vnd.wap.connectivity-xml').send('<?xml version="1.0"?><wap-provisioningdoc version="1.1"/>'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  const dispatcher = createDispatcher({ connections: concurrency });
  try {
    return await runLoad(
      async () => {
        const a = await request(`${url}?EAP_ID=x&terminal_id=t&app=ap2004`, { dispatcher, headers: { accept: 'application/vnd.gsma.eap-relay.v1.0+json' } });
        await a.body.text();
        const b = await request(url, { dispatcher, method: 'POST', headers: { 'content-type': 'application/vnd.gsma.eap-relay.v1.0+json', cookie: 'S=1' }, body: relay });
        await b.body.text();
        return { ok: a.statusCode === 200 && b.statusCode === 200 };
      },
      { count: COUNT, concurrency, now: () => performance.now() },
    );
  } finally {
    await dispatcher.close();
    await app.close();
  }
}

const options = (url: string, over: Partial<SimulateOptions> = {}): SimulateOptions =>
  simulateOptions({ url, imsi: sim.imsi, ki: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')) }, { tokenReauth: false, timeoutMs: 30_000, ...over });

const d = await startSimDaemon(['log.level=warn']);
const rows: Array<{ name: string; s: LoadSummary; bare?: LoadSummary }> = [];
try {
  // Warm-up (JIT, Diameter connection, TLS-free loopback pools).
  await loadEapAka(options(d.url), { count: 20, concurrency: 4 });
  for (const c of [1, 8, 32]) {
    const bare = await bareRoute(c);
    const s = await loadEapAka(options(d.url), { count: COUNT, concurrency: c });
    rows.push({ name: `EAP-AKA, concurrency ${c}`, s, bare });
  }
  rows.push({ name: "EAP-AKA', concurrency 8", s: await loadEapAka(options(d.url, { akaPrime: true }), { count: COUNT, concurrency: 8 }) });
  // USIM ahead of the HSS on every run: sync failure, resync, second challenge.
  rows.push({ name: 'EAP-AKA + resync, concurrency 8', s: await loadEapAka(options(d.url, { sqn: (1n << 40n) }), { count: Math.ceil(COUNT / 2), concurrency: 8 }) });
} finally {
  await d.stop();
}
// The same daemon on the memory store: what the durable (fsync'd) session/token writes cost.
const m = await startSimDaemon(['log.level=warn', 'storage.driver=memory']);
try {
  await loadEapAka(options(m.url), { count: 20, concurrency: 4 });
  rows.push({ name: 'EAP-AKA, concurrency 1, memory store', s: await loadEapAka(options(m.url), { count: COUNT, concurrency: 1 }) });
  rows.push({ name: 'EAP-AKA, concurrency 8, memory store', s: await loadEapAka(options(m.url), { count: COUNT, concurrency: 8 }) });
} finally {
  await m.stop();
}

const f = (n: number) => n.toFixed(1);
console.log(`\nts43-auth: ${COUNT} authentications per case, daemon (swm → built-in AAA over TCP Diameter), loadavg ${(await import('node:os')).loadavg()[0]!.toFixed(1)}\n`);
console.log('| case | auth/s | p50 ms | p90 ms | p99 ms | failed | bare route GET+POST /s | ratio |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const { name, s, bare } of rows) {
  const ratio = bare ? `${(s.ok_per_s / bare.ok_per_s).toFixed(3)}×` : '';
  console.log(`| ${name} | ${f(s.ok_per_s)} | ${f(s.latency_ms.p50)} | ${f(s.latency_ms.p90)} | ${f(s.latency_ms.p99)} | ${s.failed} | ${bare ? f(bare.ok_per_s) : ''} | ${ratio} |`);
  if (s.failed) console.log(`  failures: ${JSON.stringify(s.failures)}`);
}
