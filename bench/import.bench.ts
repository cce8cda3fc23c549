/**
 * Bulk subscriber import on the store users run: a real `omnisep serve`
 * child (default driver unless --set storage.driver=… is given after the
 * count) and the real CLI `subscriber import FILE`, over the control socket.
 *
 *   node --import tsx bench/import.bench.ts [lines=1000000] [--kek] [--set key=value …]
 *
 * Writes an N-line CSV (imsi,ki,opc,amf) to a temp dir, imports it, and
 * prints wall time, lines/s, the CLI's own summary, the daemon's peak RSS
 * (VmHWM from /proc/<pid>/status) and its RSS after the import, then the
 * daemon's restart time with that store. `--kek` seals the keys under a KEK.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgv, cliEnv } from '../test/cli-harness.js';
import { spawnServe, waitReady } from '../test/daemon-process.js';

const args = process.argv.slice(2);
const lines = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const kek = args.includes('--kek');
const sets = args.flatMap((a, i) => (a === '--set' && args[i + 1] ? ['--set', args[i + 1]!] : []));
const dir = mkdtempSync(join(tmpdir(), 'omnisep-import-bench-'));
const socket = join(dir, 'omnisep.sock');
const csv = join(dir, 'sims.csv');

function status(pid: number): { hwm: number; rss: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) / 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

async function writeCsv(): Promise<void> {
  const out = createWriteStream(csv);
  out.write('imsi,ki,opc,amf\n');
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const k = (i * 2654435761 >>> 0).toString(16).padStart(8, '0');
    buf += `0010${String(i).padStart(11, '0')},${k.repeat(4)},${'cd63cb71954a9f4e48a5994e37a02baf'},8000\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function main() {
  await writeCsv();
  console.log(`CSV: ${lines} lines, ${(statSync(csv).size / 2 ** 20).toFixed(1)} MiB (${csv})`);
  const extra = ['--set', 'aaa.enabled=false', '--set', 'diameter.enabled=false', ...(kek ? ['--set', `subscribers.kek=${'5a'.repeat(32)}`] : []), ...sets];
  let d = spawnServe(join(dir, 'data'), socket, extra);
  let agent = await waitReady(d, socket, 120_000);
  await agent.close();
  const before = status(d.child.pid!);
  const t0 = performance.now();
  const cli = spawn(process.execPath, [...cliArgv(), 'subscriber', 'import', csv, '--json', '--socket', socket], { env: cliEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  cli.stdout.on('data', (c) => (out += c));
  let peakSampled = before.rss;
  const sampler = setInterval(() => {
    try {
      peakSampled = Math.max(peakSampled, status(d.child.pid!).rss);
    } catch { /* exited */ }
  }, 200);
  const [code] = (await once(cli, 'close')) as [number];
  clearInterval(sampler);
  const wall = (performance.now() - t0) / 1000;
  const after = status(d.child.pid!);
  const summary = JSON.parse(out) as { added: number; unchanged: number; rejected: unknown[]; lines_per_second: number; elapsed_ms: number; interrupted?: string; applied_through?: number };
  console.log(`import: exit ${code}, ${summary.added} added, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected` +
    (summary.interrupted ? `; interrupted after line ${summary.applied_through}: ${summary.interrupted}` : ''));
  console.log(`wall ${wall.toFixed(1)} s (CLI process start to exit), ${Math.round(lines / wall)} lines/s; CLI's own figure ${summary.lines_per_second} lines/s over ${(summary.elapsed_ms / 1000).toFixed(1)} s`);
  console.log(`daemon RSS: ${before.rss.toFixed(0)} MiB before, ${after.rss.toFixed(0)} MiB after, peak (VmHWM) ${after.hwm.toFixed(0)} MiB`);
  d.child.kill('SIGTERM');
  await d.exited;
  const t1 = performance.now();
  d = spawnServe(join(dir, 'data'), socket, extra);
  agent = await waitReady(d, socket, 600_000);
  await agent.close();
  console.log(`restart with ${lines} subscribers: ready in ${((performance.now() - t1) / 1000).toFixed(1)} s, RSS ${status(d.child.pid!).rss.toFixed(0)} MiB`);
  d.child.kill('SIGTERM');
  await d.exited;
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
