/**
 * The durable commits one full EAP-AKA authentication waits for, in order (docs/performance.md § Sixteenth round):
 * `omnisep serve` as `profile.ts` starts it (default embedded store, built-in AAA behind `swm` over loopback TCP
 * Diameter), warmed with `--warmup` authentications, then `strace -f -e trace=pwrite64` attached while the simulator
 * runs `--count` authentications one after the other. Every commit of the journals and the activity log is one
 * positional write (daemon/store/durable-write.ts), so each `pwrite64` is one commit; the file is named from the
 * daemon's open descriptors. Prints each commit with its file and the time since the first, then the count per
 * authentication. strace slows the daemon: the times show the order and the gaps, not the speed.
 *
 *   npx tsc && node dist/bench/commit-chain.bench.js [--count 1] [--warmup 50]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { eapOptions, serve } from './profile.js';
import { loadEapAka } from '../src/ue/run.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1' }, warmup: { type: 'string', default: '50' } } });
const COUNT = Number(values.count);
if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error('--count: a whole number, 1 or more');
if (spawnSync('strace', ['-V']).status !== 0) throw new Error('strace is not installed (apt-get install strace)');

const d = await serve();
const pid = d.child.pid!;
const out = join(mkdtempSync(join(tmpdir(), 'omnisep-chain-')), 'trace.txt');
try {
  const opts = eapOptions(d.url);
  await loadEapAka(opts, { count: Number(values.warmup), concurrency: 1 });
  const st = spawn('strace', ['-f', '-ttt', '-e', 'trace=pwrite64', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500)); // attached to every thread
  const r = await loadEapAka(opts, { count: COUNT, concurrency: 1 });
  await new Promise((r) => setTimeout(r, 500)); // the last commits of the last authentication (none should follow its answer)
  st.kill('SIGINT');
  await new Promise((r) => st.once('exit', r));
  const files = new Map<string, string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try { files.set(fd, readlinkSync(`/proc/${pid}/fd/${fd}`)); } catch { /* closed meanwhile */ }
  }
  // `<tid> <seconds.micro> pwrite64(<fd>, …` (an unfinished call is written as two lines: the first one counts).
  const commits = readFileSync(out, 'utf8').split('\n').flatMap((line) => {
    const m = /^\d+\s+(\d+\.\d+) pwrite64\((\d+),/.exec(line);
    return m ? [{ at: Number(m[1]), file: basename(files.get(m[2]!) ?? `fd ${m[2]}`) }] : [];
  });
  console.log(`${COUNT} authentication(s) one at a time (${r.ok} ok), after ${values.warmup} to warm up; every durable commit the daemon made meanwhile:\n`);
  console.log('| # | ms since the first | file |');
  console.log('|---:|---:|---|');
  commits.forEach((c, i) => console.log(`| ${i + 1} | ${((c.at - commits[0]!.at) * 1000).toFixed(1)} | ${c.file} |`));
  console.log(`\n${commits.length} commits, ${(commits.length / COUNT).toFixed(1)} per authentication`);
} finally {
  rmSync(join(out, '..'), { recursive: true, force: true });
  await d.stop();
}
