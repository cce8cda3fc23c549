/**
 * TS.43 server throughput, side by side in one run on this machine:
 *   1. a bare fastify route answering a fixed XML document (the ceiling);
 *   2. token-authenticated entitlement queries (`GET /?IMSI=&token=`) through
 *      the full TS.43 plugin: token check (HMAC, constant-time), effective
 *      entitlements, VERS, XML rendering, activity record — ratio to (1);
 *   3. full EAP-AKA authentications through the simulator's load mode (what
 *      `omnisep simulate eap-aka --count N --concurrency C` runs) against the
 *      `swm` back-end relaying over TCP Diameter to the built-in AAA.
 * Latency p50/p99 for each. Usage: node --import tsx bench/ts43.bench.ts [seconds] [concurrency] [eap-count]
 */
import Fastify from 'fastify';
import { Pool } from 'undici';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { createBuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { createSwmRelay } from '../daemon/diameter/swm-client.js';
import { SubscriberService } from '../src/services/subscribers.js';
import { RelayBackend } from '../src/services/eap-auth/backends.js';
import { loadEapAka, DEFAULT_TERMINAL } from '../src/ue/run.js';
import { summariseLatencies } from '../src/ue/load.js';
import { Secret } from '../src/util/secret.js';
import { SIM1, runUe, startHarness } from '../test/ts43-harness.js';
import { nodeConfig, quietLogger } from '../test/diameter-helpers.js';

const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 16);
const eapCount = Number(process.argv[4] ?? 400);

async function hammer(origin: string, path: string, ms: number, conns: number, check: (status: number) => boolean) {
  const pool = new Pool(origin, { connections: conns, pipelining: 1 });
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const r = await pool.request({ method: 'GET', path, headers: { accept: 'text/vnd.wap.connectivity-xml', 'user-agent': 'PRD-TS43 term-Goog/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14' } });
      await r.body.text();
      lat.push(performance.now() - t0);
      if (!check(r.statusCode)) errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, worker));
  const dur = performance.now() - t0;
  await pool.close();
  return { rps: (lat.length / dur) * 1000, n: lat.length, errors, lat: summariseLatencies(lat) };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function main() {
  // 1. Bare fastify.
  const bare = Fastify({ logger: false });
  const fixed = '<?xml version="1.0"?>\n<wap-provisioningdoc version="1.1"><characteristic type="VERS"><parm name="version" value="1"/></characteristic></wap-provisioningdoc>';
  bare.get('/', async (_req, reply) => reply.type('text/vnd.wap.connectivity-xml').send(fixed));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareOrigin = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  // 2 + 3. TS.43 plugin, swm → built-in AAA over TCP Diameter.
  const aaaStore = createMemoryStore();
  const subs = new SubscriberService(aaaStore);
  await subs.add({ imsi: SIM1.imsi, ki: SIM1.k.toString('hex'), opc: SIM1.opc.toString('hex') });
  const aaa = createBuiltinAaa({ store: aaaStore, subscribers: subs, logger: quietLogger(), listen: { host: 'aaa.bench.local', realm: 'bench.local', listen_ip: '127.0.0.1', listen_port: 0, accept_peers: [{ host: 'client.test.local', ip: 'loopback' }] } });
  const { listen } = await aaa.start();
  const node = createDiameterNode(nodeConfig({ request_timeout: 10_000, peers: [{ host: 'aaa.bench.local', ip: '127.0.0.1', port: listen!.port, transport: 'tcp' }] }), { logger: quietLogger() });
  await node.start();
  await node.waitForPeer('aaa.bench.local', 5000);
  const h = await startHarness({ backend: new RelayBackend(createSwmRelay(node)), realClock: true, sets: ['eap_aka.session_timeout_ms=60000'] });

  const first = await runUe({ url: h.url, ...SIM1, apps: ['ap2004', 'ap2003'] });
  if (first.final.status !== 200) throw new Error(`EAP-AKA failed: ${first.final.status} ${first.final.body}`);
  const token = /<parm name="token" value="([^"]+)"/.exec(first.final.body)![1]!;
  const tokenPath = `/?IMSI=${SIM1.imsi}&token=${encodeURIComponent(token)}&terminal_id=356938035643809&app=ap2004&app=ap2003&entitlement_version=2.0&app_name=com.google.android.ims`;
  const tsOrigin = h.url.replace(/\/$/, '');

  // warm-up
  await hammer(bareOrigin, '/', 500, concurrency, (s) => s === 200);
  await hammer(tsOrigin, tokenPath, 500, concurrency, (s) => s === 200);
  const b = await hammer(bareOrigin, '/', seconds * 1000, concurrency, (s) => s === 200);
  const t = await hammer(tsOrigin, tokenPath, seconds * 1000, concurrency, (s) => s === 200);

  const eap = await loadEapAka(
    {
      url: h.url,
      imsi: SIM1.imsi,
      ki: new Secret(SIM1.k),
      opc: new Secret(SIM1.opc),
      sqn: 0n,
      apps: ['ap2004'],
      akaPrime: false,
      post: false,
      accept: 'xml',
      mncLength: 3,
      terminal: DEFAULT_TERMINAL,
      entitlementVersion: '2.0',
      vers: '0',
      tokenReauth: false,
      insecure: false,
      timeoutMs: 30_000,
    } as Parameters<typeof loadEapAka>[0],
    { count: eapCount, concurrency },
  );

  console.log(`TS.43 bench — ${seconds}s per HTTP case, ${concurrency} connections, node ${process.version}, ${new Date().toISOString()}`);
  console.log('store: MEMORY (no durable writes; `omnisep serve` runs the embedded store: see bench/store-auth.bench.ts)');
  console.log('| case | per second | p50 | p99 | ratio to bare | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| bare fastify route (fixed XML) | ${fmt(b.rps)} | ${ms(b.lat.p50)} | ${ms(b.lat.p99)} | 1.000× | ${b.errors} |`);
  console.log(`| token-authenticated entitlement query (2 apps, XML) | ${fmt(t.rps)} | ${ms(t.lat.p50)} | ${ms(t.lat.p99)} | ${(t.rps / b.rps).toFixed(3)}× | ${t.errors} |`);
  console.log(`| full EAP-AKA via simulate load mode, swm → built-in AAA (TCP Diameter) | ${fmt(eap.ok_per_s)} | ${ms(eap.latency_ms.p50)} | ${ms(eap.latency_ms.p99)} | ${(eap.ok_per_s / b.rps).toFixed(4)}× | ${eap.failed} |`);
  if (eap.failed) console.log('EAP failures:', eap.failures);

  await h.close();
  await node.stop();
  await aaa.stop();
  await bare.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
