/**
 * ODSA throughput against the daemon as `omnisep serve` starts it (startDaemon: embedded store on a temp
 * dir, the swm back-end over loopback Diameter to the built-in AAA, lab operator), side by side in one run:
 *   1. the token entitlement query (`GET /?IMSI=&token=&app=ap2004`) — the baseline;
 *   2. ODSA with the same token: CheckEligibility and AcquireConfiguration (ap2006, one companion
 *      subscribed and active) alternating, one request each — ratio to (1).
 * Requests/s and latency p50/p99 for each. Usage: node --import tsx bench/odsa.bench.ts [seconds] [concurrency]
 */
import { Pool } from 'undici';
import { Secret } from '../src/util/secret.js';
import { simulateEapAka, simulateOptions } from '../src/ue/run.js';
import { simulateOdsa } from '../src/ue/odsa.js';
import type { EntitlementDocument } from '../src/ue/document.js';
import { summariseLatencies } from '../src/ue/load.js';
import { labSims, startSimDaemon } from '../test/simulate-daemon.js';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 16);

async function hammer(origin: string, paths: readonly string[], ms: number, conns: number) {
  const pool = new Pool(origin, { connections: conns, pipelining: 1 });
  const lat: number[] = [];
  let errors = 0;
  let i = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const path = paths[i++ % paths.length]!;
      const t0 = performance.now();
      const r = await pool.request({ method: 'GET', path, headers: { accept: 'text/vnd.wap.connectivity-xml' } });
      const body = await r.body.text();
      lat.push(performance.now() - t0);
      if (r.statusCode !== 200 || (path.includes('operation=') && !body.includes('name="OperationResult" value="1"'))) errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, worker));
  const dur = performance.now() - t0;
  await pool.close();
  return { rps: (lat.length / dur) * 1000, n: lat.length, errors, lat: summariseLatencies(lat) };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

async function main() {
  const d = await startSimDaemon(['activity.anonymous_records_per_minute=1000000']);
  try {
    const sim = labSims()[0]!;
    const base = simulateOptions({ url: d.url, imsi: sim.imsi, ki: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')) }, { amf: Buffer.from(sim.amf, 'hex'), tokenReauth: false });
    // One companion subscribed and active, so AcquireConfiguration has a configuration to render.
    const flow = await simulateOdsa({ base, app: 'ap2006', operation: 'flow', params: {}, device: { id: 'BENCH-WATCH', eid: '89049032000001000000000000000009', vendor: 'Omni', model: 'W1', friendlyName: 'bench' } });
    if (!flow.ok) throw new Error(`companion flow failed: ${flow.reason}`);
    const captured: { document?: EntitlementDocument } = {};
    const eap = await simulateEapAka({ ...base, apps: ['ap2006', 'ap2004'] }, captured);
    if (!eap.ok || !captured.document?.token) throw new Error(`EAP-AKA failed: ${eap.reason}`);
    const token = encodeURIComponent(captured.document.token.token.reveal());
    const common = `IMSI=${sim.imsi}&token=${token}&terminal_id=${base.terminal.id}&entitlement_version=2.0`;
    const tokenQuery = [`/?${common}&app=ap2004`];
    const odsa = [`/?${common}&app=ap2006&operation=CheckEligibility&companion_terminal_id=BENCH-WATCH`, `/?${common}&app=ap2006&operation=AcquireConfiguration&companion_terminal_id=BENCH-WATCH`];
    const origin = d.url.replace(/\/$/, '');
    await hammer(origin, tokenQuery, 500, concurrency); // warm-up
    await hammer(origin, odsa, 500, concurrency);
    const a = await hammer(origin, tokenQuery, seconds * 1000, concurrency);
    const b = await hammer(origin, odsa, seconds * 1000, concurrency);
    console.log(`odsa bench: ${seconds}s each, ${concurrency} connections, daemon as serve starts it (embedded store, temp dir; swm → built-in AAA)`);
    console.log(`  token entitlement query (ap2004)        ${fmt(a.rps)} req/s  p50 ${a.lat.p50.toFixed(2)} ms  p99 ${a.lat.p99.toFixed(2)} ms  errors ${a.errors}/${a.n}`);
    console.log(`  ODSA CheckEligibility+AcquireConfiguration ${fmt(b.rps)} req/s (${fmt(b.rps / 2)} pairs/s)  p50 ${b.lat.p50.toFixed(2)} ms  p99 ${b.lat.p99.toFixed(2)} ms  errors ${b.errors}/${b.n}`);
    console.log(`  ratio ODSA / token query: ${(b.rps / a.rps).toFixed(2)}`);
  } finally {
    await d.stop();
  }
}

await main();
