/**
 * `omnisep status` and `--help` of two builds, interleaved round by round with a bare `node -e ""` (the floor),
 * against one daemon — so a busy machine loads every case alike (bench/README.md § cli, third round).
 *
 *   node dist/bench/cli-compare.bench.js OTHER_ROOT [rounds]     (default 9; OTHER_ROOT: another built checkout)
 *
 * Prints the median wall time of each case, its ratio to the floor's median in the same rounds, and every run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoPath } from '../src/util/repo-path.js';
import { startTestDaemon } from '../test/cli-daemon.js';

const other = process.argv[2];
const rounds = Number(process.argv[3] ?? 9);
if (!other) {
  console.error('usage: node dist/bench/cli-compare.bench.js OTHER_ROOT [rounds]');
  process.exit(2);
}
const d = await startTestDaemon();
try {
  const cases: Record<string, string[]> = { 'node -e "" (floor)': ['-e', ''] };
  for (const [label, root] of [['this', repoPath()], ['other', other]] as const) {
    const run = join(root, 'bin', 'run.js');
    cases[`${label}: --help`] = [run, '--help'];
    cases[`${label}: status`] = [run, 'status', '--socket', d.socket];
    cases[`${label}: status --json`] = [run, 'status', '--json', '--socket', d.socket];
  }
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  // Asynchronous spawns: the daemon under test lives in this process and must keep answering.
  const once = (argv: string[]) =>
    new Promise<{ ms: number; code: number | null }>((resolve) => {
      const t0 = process.hrtime.bigint();
      const child = spawn(process.execPath, argv, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
      child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code }));
    });
  for (const argv of Object.values(cases)) await once(argv); // warm the page cache
  for (let i = 0; i < rounds; i++)
    for (const [name, argv] of Object.entries(cases)) {
      const r = await once(argv);
      if (r.code !== 0) console.log(`${name}: exit ${r.code}`);
      times[name]!.push(r.ms);
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const floor = median(times['node -e "" (floor)']!);
  console.log(`${rounds} interleaved rounds; other = ${other}`);
  for (const [name, xs] of Object.entries(times))
    console.log(`${name.padEnd(24)} ${median(xs).toFixed(0).padStart(6)} ms ${(median(xs) / floor).toFixed(2).padStart(6)}× floor   runs: ${xs.map((x) => x.toFixed(0)).join(' ')}`);
} finally {
  await d.stop();
}
