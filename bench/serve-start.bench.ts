/**
 * `omnisep serve`'s start, two builds side by side: the wall time from the spawn until the control socket accepts a
 * connection (it opens last, once every listener is up) and the CPU the daemon used by then, on a fresh data directory
 * (first start: the store is created, the admin certificate generated) and again on the same directory (second
 * start). The builds alternate round by round, so a busy machine loads both alike.
 *
 *   node dist/bench/serve-start.bench.js OTHER_ROOT [rounds]     (default 7; OTHER_ROOT: another built checkout)
 *
 * The daemon is started as users start it: `omnisep serve` with its defaults (embedded store, admin TLS, Diameter
 * and the built-in AAA as configured by default), every port 0, log level at its default.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../src/util/repo-path.js';
import { processCpuUs } from './proc-cpu.js';
import { medianOf } from './pairs.js';

const other = process.argv[2];
const rounds = Number(process.argv[3] ?? 7);
if (!other) {
  console.error('usage: node dist/bench/serve-start.bench.js OTHER_ROOT [rounds]');
  process.exit(2);
}

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** One start of `root`'s daemon on `dir`: ms until the socket accepts, and CPU ms by then; then SIGTERM. */
async function start(root: string, dir: string): Promise<{ ms: number; cpu: number }> {
  const socket = join(dir, 'omnisep.sock');
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'serve', '--data-dir', join(dir, 'data'), '--socket', socket,
    '--http-port', '0', '--api-port', '0', '--diameter-port', '0', '--aaa-port', '0', '--imap-port', '0'],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: '' } });
  let err = '';
  child.stderr!.on('data', (c) => { err += String(c); });
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null || i > 6000) throw new Error(`${root}: omnisep serve did not open its socket: ${err}`);
      if (existsSync(socket) && await accepts(socket)) {
        return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpu: processCpuUs(child.pid!) / 1000 };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const builds = [['this', repoPath()], ['other', other]] as const;
const seen: Record<string, number[]> = {};
const put = (k: string, v: number) => (seen[k] ??= []).push(v);
for (let r = 0; r < rounds; r++) {
  for (const [label, root] of r % 2 ? [...builds].reverse() : builds) {
    const dir = mkdtempSync(join(tmpdir(), 'omnisep-start-'));
    try {
      for (const which of ['first', 'second']) {
        const s = await start(root, dir);
        put(`${label} ${which} ms`, s.ms);
        put(`${label} ${which} cpu`, s.cpu);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
const median = (a: number[]) => medianOf(a).median;
console.log(`${rounds} rounds, builds alternating; medians (every run in brackets)`);
console.log(`${'start'.padEnd(8)} ${'build'.padEnd(6)} ${'socket open, ms'.padStart(16)} ${'CPU by then, ms'.padStart(16)}`);
for (const which of ['first', 'second']) {
  for (const [label] of builds) {
    const ms = seen[`${label} ${which} ms`]!;
    const cpu = seen[`${label} ${which} cpu`]!;
    console.log(`${which.padEnd(8)} ${label.padEnd(6)} ${median(ms).toFixed(0).padStart(16)} ${median(cpu).toFixed(0).padStart(16)}   [${ms.map((x) => x.toFixed(0)).join(' ')}] [${cpu.map((x) => x.toFixed(0)).join(' ')}]`);
  }
  const ratio = (k: string) => median(seen[`this ${which} ${k}`]!) / median(seen[`other ${which} ${k}`]!);
  console.log(`${which.padEnd(8)} this / other: wall ${ratio('ms').toFixed(3)}×, CPU ${ratio('cpu').toFixed(3)}×`);
}
