/**
 * Admin API throughput, side by side in one run with a bare fastify route
 * (same process, same transport), so the ratio shows what omnisep's route
 * layer (schemas, hooks, durable storage, audit log) costs.
 *
 *   node --import tsx bench/admin-api.bench.ts [--seconds 5] [--concurrency 16]
 *
 * Also times `omnisep --help` and `omnisep status` as a user runs them
 * (a fresh node process each time; from dist/ when built, else via tsx).
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { resolveConfig } from '../src/contracts/config.js';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { repoPath } from '../src/util/repo-path.js';
import { openCollection } from '../src/store/collections.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '16' }, 'skip-cli': { type: 'boolean', default: false } } });
const SECONDS = Number(values.seconds);
const execFileP = promisify(execFile);
const C = Number(values.concurrency);

interface Result { name: string; rps: number; p50: number; p99: number; errors: number }

async function load(name: string, socketPath: string, make: (i: number) => { method: 'GET' | 'POST'; path: string; body?: string }): Promise<Result> {
  const pool = new Pool('http://localhost', { socketPath, connections: C, pipelining: 1 });
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  // warm-up
  for (let i = 0; i < 20; i++) { const r = make(i); await (await pool.request({ ...r, headers: { 'content-type': 'application/json' } })).body.dump(); }
  await Promise.all(Array.from({ length: C }, async () => {
    while (performance.now() < end) {
      const r = make(n++);
      const t0 = performance.now();
      const res = await pool.request({ ...r, headers: { 'content-type': 'application/json' } });
      await res.body.dump();
      lat.push(performance.now() - t0);
      if (res.statusCode >= 300) errors++;
    }
  }));
  await pool.close();
  lat.sort((a, b) => a - b);
  return { name, rps: lat.length / SECONDS, p50: lat[Math.floor(lat.length * 0.5)] ?? NaN, p99: lat[Math.floor(lat.length * 0.99)] ?? NaN, errors };
}

const dir = mkdtempSync(join(tmpdir(), 'omnisep-bench-'));
const config = resolveConfig({ sets: [`storage.data_dir=${dir}`, `control.socket=${dir}/omnisep.sock`, 'http.port=0', 'admin.port=0', 'admin.tls=false', 'diameter.enabled=false', 'aaa.enabled=false', 'log.level=warn'] });
const daemon = await startDaemon(config, { logger: createLogger({ level: 'warn', pretty: false }), env: {} });

const bare = Fastify({ logger: false });
bare.get('/api/status', async () => ({ status: 'ok', application: 'OmniSEP', uptime_seconds: 1 }));
bare.post('/api/entitlements/:imsi', async (req) => ({ status: 'ok', imsi: (req.params as { imsi: string }).imsi, entitlement: (req.body as { entitlement: unknown }).entitlement }));
const bareSock = join(dir, 'bare.sock');
await bare.listen({ path: bareSock });

const imsi = (i: number) => `00101${String(i % 100000).padStart(10, '0')}`;
const post = (i: number) => ({ method: 'POST' as const, path: `/api/entitlements/${imsi(i)}`, body: JSON.stringify({ app_id: 'ap2004', entitlement: { entitlement_status: i % 4, addr_status: 1 } }) });
const get = () => ({ method: 'GET' as const, path: '/api/status' });

console.log(`admin API over the Unix socket, ${C} connections, ${SECONDS}s each (node ${process.version}, ${process.platform})`);
const rows: Array<[Result, Result]> = [];
rows.push([await load('bare fastify GET', bareSock, get), await load('omnisep GET /api/status', daemon.addresses.socket.path!, get)]);
rows.push([await load('bare fastify POST (no storage)', bareSock, post), await load('omnisep POST /api/entitlements/:imsi (embedded store: durable journal commit + audit record)', daemon.addresses.socket.path!, post)]);
for (const [b, o] of rows) {
  for (const r of [b, o]) console.log(`  ${r.name.padEnd(60)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms${r.errors ? `   errors ${r.errors}` : ''}`);
  console.log(`  ${'ratio omnisep / bare'.padEnd(60)} ${(o.rps / b.rps).toFixed(3)}`);
}
console.log(`  entitlements stored: ${(await openCollection(daemon.ctx.store, 'entitlements').count())}, activity records: ${(await daemon.ctx.store.activity.count())}`);
await bare.close();

if (!values['skip-cli']) {
  const built = existsSync(repoPath('dist', 'commands', 'status.js'));
  const argv = (args: string[]) => (built ? [repoPath('bin', 'run.js'), ...args] : ['--import', 'tsx', repoPath('bin', 'dev.js'), ...args]);
  // Asynchronous spawn: the daemon answering `status` lives in this process and must keep running.
  const time = async (args: string[]) => {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await execFileP(process.execPath, argv(args), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      runs.push(performance.now() - t0);
    }
    runs.sort((a, b) => a - b);
    return runs[2]!;
  };
  console.log(`CLI wall time, median of 5 (${built ? 'dist/ via bin/run.js' : 'sources via tsx — build for real figures'})`);
  console.log(`  omnisep --help                         ${(await time(['--help'])).toFixed(0)} ms`);
  console.log(`  omnisep status --json (live daemon)    ${(await time(['status', '--json', '--socket', daemon.addresses.socket.path!])).toFixed(0)} ms`);
  console.log(`  node -e 0 (floor)                      ${(() => { const t0 = performance.now(); spawnSync(process.execPath, ['-e', '0']); return performance.now() - t0; })().toFixed(0)} ms`);
}

await daemon.close();
rmSync(dir, { recursive: true, force: true });
