/**
 * Issue 13 defect 2 replayed at scale: unauthenticated `GET /?terminal_id=<3.5 KB>` with a 3.5 KB User-Agent
 * and no IMSI, against a daemon started as `omnisep serve` starts it (child process, default config: embedded
 * store, activity log with its budgets). Reports `activity.jsonl`'s size before and after, the records stored
 * and the records sampled out (`omnisep_activity_records_sampled_out_total`), next to what the log would hold
 * at the ~14.7 KB per record measured before the fix.
 *
 *   npm run build && node --import tsx bench/activity-flood.ts [--requests 100000] [--connections 16]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';
import { repoPath } from '../src/util/repo-path.js';
import { waitReady, type ServeProcess } from '../test/daemon-process.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '100000' }, connections: { type: 'string', default: '16' } } });
const N = Number(values.requests);
const CONNS = Number(values.connections);
if (!existsSync(repoPath('dist', 'commands', 'serve.js'))) {
  console.error('bench/activity-flood.ts runs the built daemon: npm run build first');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'omnisep-flood-'));
const socket = join(dir, 'ctl', 'omnisep.sock');
const child = spawn(process.execPath, [repoPath('bin', 'run.js'), 'serve', '--data-dir', dir, '--socket', socket, '--http-port', '0', '--api-port', '0', '--diameter-port', '0', '--aaa-port', '0', '--no-pretty', '--log-level', 'warn'], {
  stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', XDG_RUNTIME_DIR: '' },
});
const daemon: ServeProcess = { child, stdout: [], stderr: [], exited: new Promise((r) => child.once('exit', (c) => r(c))) };
child.stdout!.on('data', () => {});
child.stderr!.on('data', (c) => { daemon.stderr.push(String(c)); if (daemon.stderr.length > 100) daemon.stderr.shift(); });
process.on('exit', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
const ctl = await waitReady(daemon, socket, 120_000);
const ctlGet = async (path: string) => (await (await request(`http://localhost${path}`, { dispatcher: ctl })).body.text());
const status = JSON.parse(await ctlGet('/api/status')) as { listeners: Record<string, { url: string }>; storage: { activity_records: number } };
const file = join(dir, 'activity.jsonl');
const size = () => (existsSync(file) ? statSync(file).size : 0);
const sampledOut = async () => {
  const text = await ctlGet('/metrics');
  return text.split('\n').filter((l) => l.startsWith('omnisep_activity_records_sampled_out_total{')).reduce((a, l) => a + Number(l.split(' ').pop()), 0);
};

const before = { bytes: size(), records: status.storage.activity_records, sampled: await sampledOut() };
const terminal = 'T'.repeat(3500);
const ua = `PRD-TS43 term-Flood/${'U'.repeat(3500)}`;
const pool = new Pool(status.listeners.http!.url.replace(/\/$/, ''), { connections: CONNS, pipelining: 1 });
const codes: Record<number, number> = {};
let sent = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: CONNS }, async () => {
  while (sent < N) {
    sent++;
    const r = await pool.request({ method: 'GET', path: `/?terminal_id=${terminal}`, headers: { 'user-agent': ua } });
    await r.body.dump();
    codes[r.statusCode] = (codes[r.statusCode] ?? 0) + 1;
  }
}));
const seconds = (performance.now() - t0) / 1000;
await pool.close();
await new Promise((r) => setTimeout(r, 1500)); // the last group commit
const after = { bytes: size(), records: (JSON.parse(await ctlGet('/api/status')) as typeof status).storage.activity_records, sampled: await sampledOut() };
child.kill('SIGTERM');
await daemon.exited;
await ctl.close();
rmSync(dir, { recursive: true, force: true });

const mb = (b: number) => (b / 2 ** 20).toFixed(2);
const stored = after.records - before.records;
console.log(`activity flood: ${N.toLocaleString('en')} × GET /?terminal_id=<3.5 KB>, User-Agent 3.5 KB, no IMSI; ${CONNS} connections; daemon = bin/run.js serve (embedded store, default activity budgets); node ${process.version}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`answers: ${Object.entries(codes).map(([c, n]) => `${c}×${n}`).join(' ')} in ${seconds.toFixed(1)} s (${Math.round(N / seconds)}/s)`);
console.log('| | before | after | change |');
console.log('|---|---:|---:|---:|');
console.log(`| activity.jsonl | ${mb(before.bytes)} MiB | ${mb(after.bytes)} MiB | +${mb(after.bytes - before.bytes)} MiB |`);
console.log(`| records stored | ${before.records} | ${after.records} | +${stored} |`);
console.log(`| sampled out (not stored, counted) | ${before.sampled} | ${after.sampled} | +${after.sampled - before.sampled} |`);
console.log(`bytes per stored record: ${stored ? Math.round((after.bytes - before.bytes) / stored) : 0}; before the fix every request was stored at ≈14.7 KB: ${mb(N * 14.7 * 1024)} MiB for this flood`);
