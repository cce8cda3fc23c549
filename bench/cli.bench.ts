/**
 * CLI start-up cost, side by side in one run: wall time of `omnisep --help`
 * and `omnisep status` (against a real daemon on a temp socket), with a bare
 * `node` start as the floor and `--help` without the oclif manifest (every
 * command module imported) to show what the manifest saves.
 *
 *   node --import tsx bench/cli.bench.ts [runs]      (default 15; needs `npm run build`)
 *   node dist/bench/cli.bench.js [runs]              (the same, compiled)
 *
 * Uses hyperfine when it is installed; otherwise a node loop of spawns
 * (median and p90 of the wall time of each run).
 *
 * Then the idle daemon: `omnisep serve` as users start it (defaults: embedded store, admin TLS with the
 * generated certificate, Diameter, built-in AAA off as by default) in a temp data dir, VmRSS 15 s after it
 * answered its first status — on a first start (the certificate is generated) and on a second start of
 * the same data dir (it exists).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../src/util/repo-path.js';
import { startTestDaemon } from '../test/cli-daemon.js';

const runs = Number(process.argv[2] ?? 15);
if (!existsSync(repoPath('dist', 'commands', 'status.js'))) {
  console.error('build first: npm run build');
  process.exit(1);
}

const node = process.execPath;
const run = repoPath('bin', 'run.js');
const coreUrl = pathToFileURL(repoPath('node_modules', '@oclif', 'core', 'lib', 'index.js')).href;
const manifestUrl = pathToFileURL(repoPath('bin', 'manifest.js')).href;
// The same CLI with every command module imported to find the one to run (what oclif does without a manifest).
const noManifest = `const { execute } = await import(${JSON.stringify(coreUrl)}); const { loadConfigFresh } = await import(${JSON.stringify(manifestUrl)}); await execute({ args: ['--help'], loadOptions: (await loadConfigFresh(${JSON.stringify(repoPath())})).config });`;

/** One run, asynchronously: the daemon under test lives in this process and must keep serving. */
function once(argv: string[]): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(node, argv, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code }));
  });
}

async function measure(argv: string[]): Promise<{ median: number; p90: number; ok: boolean }> {
  const times: number[] = [];
  let ok = true;
  await once(argv); // warm the page cache
  for (let i = 0; i < runs; i++) {
    const r = await once(argv);
    times.push(r.ms);
    if (r.code !== 0) ok = false;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.min(times.length - 1, Math.floor(times.length * 0.9))]!, ok };
}

/** VmRSS (MB) of `omnisep serve` on `dir`, `idleMs` after it first answers on its control socket. */
async function idleRss(dir: string, idleMs: number): Promise<number> {
  const socket = join(dir, 'omnisep.sock');
  const child = spawn(node, [run, 'serve', '--data-dir', join(dir, 'data'), '--socket', socket, '--http-port', '0', '--api-port', '0', '--diameter-port', '0', '--aaa-port', '0', '--imap-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: '' } });
  let err = '';
  child.stderr!.on('data', (c) => { err += String(c); });
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null || i > 1200) throw new Error(`omnisep serve did not start: ${err}`);
      if (spawnSync(node, [run, 'status', '--json', '--socket', socket], { stdio: 'ignore' }).status === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, idleMs));
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
    return kb / 1024;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const d = await startTestDaemon();
try {
  const cases: Array<[string, string[]]> = [
    ['node -e "" (floor)', ['-e', '']],
    ['omnisep --help', [run, '--help']],
    ['omnisep --help, no manifest', ['--input-type=module', '-e', noManifest]],
    ['omnisep status (socket)', [run, 'status', '--socket', d.socket]],
    ['omnisep status --json', [run, 'status', '--json', '--socket', d.socket]],
    ['omnisep entitlement ls', [run, 'entitlement', 'ls', '--socket', d.socket]],
  ];
  const hyperfine = spawnSync('hyperfine', ['--version']).status === 0;
  if (hyperfine) {
    const cmds = cases.map(([, a]) => [node, ...a].map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(' '));
    spawnSync('hyperfine', ['--warmup', '2', '--runs', String(runs), '-N', ...cmds], { stdio: 'inherit' });
  } else {
    console.log(`${runs} runs each, wall time per run (ms); hyperfine not installed, node spawn loop`);
    console.log(`${'case'.padEnd(32)} ${'median'.padStart(8)} ${'p90'.padStart(8)} ${'vs node'.padStart(8)}`);
    let floor = 0;
    for (const [name, argv] of cases) {
      const r = { name, ...(await measure(argv)) };
      floor ||= r.median;
      console.log(`${r.name.padEnd(32)} ${r.median.toFixed(0).padStart(8)} ${r.p90.toFixed(0).padStart(8)} ${(r.median / floor).toFixed(2).padStart(7)}×${r.ok ? '' : '  (non-zero exit!)'}`);
    }
  }
} finally {
  await d.stop();
}

if (process.platform === 'linux') {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-rss-'));
  try {
    const first = await idleRss(dir, 15_000);
    const second = await idleRss(dir, 15_000);
    console.log(`\nidle omnisep serve (defaults, embedded store, admin TLS): VmRSS ${first.toFixed(0)} MB on a first start (certificate generated), ${second.toFixed(0)} MB on a second start (certificate exists); goal < 100 MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
