/**
 * CLI start-up cost, side by side in one run: wall time of `omnisep --help`
 * and `omnisep status` (against a real daemon on a temp socket), with a bare
 * `node` start as the floor and `--help` without the oclif manifest (every
 * command module imported) to show what the manifest saves.
 *
 *   node --import tsx bench/cli.bench.ts [runs]      (default 15; needs `npm run build`)
 *
 * Uses hyperfine when it is installed; otherwise a node loop of spawns
 * (median and p90 of the wall time of each run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
