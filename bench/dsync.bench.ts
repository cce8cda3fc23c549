/**
 * What one group commit's durable write costs on this machine (docs/performance.md § Eleventh round): appending
 * writes through the code the journals and the activity log commit with (`openForCommits` / `writeDurable` in
 * daemon/store/durable-write.ts: one positional O_DSYNC write on libuv's thread pool), one after the other, at
 * the sizes a commit carries (one record, a batch of a few, a batch of ≈ 16 token queries' activity records). The
 * wall time per write is the latency a request waiting on its commit sees; the CPU column is the process's (main
 * thread and the thread-pool thread that ran the write, user and system). In-process, no daemon; a temporary file in
 * the system temp directory.
 *
 *   npx tsc && node dist/bench/dsync.bench.js [--writes 2000] [--sizes 1200,8000,16000]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openForCommits, writeDurable } from '../daemon/store/durable-write.js';

const { values } = parseArgs({ options: { writes: { type: 'string', default: '2000' }, sizes: { type: 'string', default: '1200,8000,16000' } } });
const WRITES = Number(values.writes);
const dir = mkdtempSync(join(tmpdir(), 'omnisep-dsync-'));
try {
  console.log(`durable appends through durable-write.ts, ${WRITES} per size, one at a time (node ${process.version}, ${dir})`);
  console.log('| bytes per write | µs per write (wall) | process CPU µs per write (all threads) |');
  console.log('|---:|---:|---:|');
  for (const size of values.sizes.split(',').map(Number)) {
    const file = join(dir, `commits-${size}.bin`);
    writeFileSync(file, '');
    const fh = await openForCommits(file);
    const buf = Buffer.alloc(size, 0x61);
    let at = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < WRITES; i++) {
      await writeDurable(fh, buf, at);
      at += size;
    }
    const wallUs = ((performance.now() - t0) * 1000) / WRITES;
    const cpu = process.cpuUsage(cpu0);
    await fh.close();
    console.log(`| ${size} | ${wallUs.toFixed(1)} | ${((cpu.user + cpu.system) / WRITES).toFixed(1)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
