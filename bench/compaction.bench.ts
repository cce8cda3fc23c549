/**
 * The activity log's compaction (daemon/store/activity-log.ts `compact`, docs/performance.md § Twentieth round): a
 * log of `--records` token-query records, two per IMSI with a per-subscriber cap of one, so half are dead and
 * scattered through the file; then one compaction, timed. Prints its wall and CPU time, the longest the event
 * loop went without running a 1 ms timer meanwhile (what every request waits through), and when an append made as
 * the compaction starts was acknowledged (a token query waits for its activity record). Before 2026-12-05 appends
 * waited for the compaction's swap and the index was rebuilt after it in one piece; now commits go on during the
 * copy and only its last step holds them (docs/performance.md § Twenty-first round).
 *
 *   npx tsc && node dist/bench/compaction.bench.js [--records 200000] [--rounds 2] [--root DIR]
 *
 * `--root` takes another build's activity log (a checkout built with `npx tsc`), so two builds compare side by
 * side in one run, rounds alternating. The file is on the temporary directory's file system, as the daemon's data
 * directory would be on the machine's disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { watched } from './watched.js';
import { tokenQueryRecord as record } from './activity-records.js';
import type { ActivityFileLog } from '../daemon/store/activity-log.js';

const { values } = parseArgs({ options: {
  records: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '2' }, root: { type: 'string' },
} });
const N = Number(values.records);
const here = resolve(import.meta.dirname, '..', '..');
const builds = [['this build', here], ...(values.root ? [['--root', resolve(values.root)]] : [])] as const;

type LogClass = typeof ActivityFileLog;
const load = async (root: string): Promise<LogClass> =>
  ((await import(pathToFileURL(join(root, 'dist/daemon/store/activity-log.js')).href)) as { ActivityFileLog: LogClass }).ActivityFileLog;

async function once(Log: LogClass): Promise<{ wall: number; cpu: number; stall: number; acked: number; live: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-compaction-'));
  try {
    // No compaction but the one timed: the dead-record threshold is out of reach.
    const log = await Log.open({ file: join(dir, 'activity.jsonl'), retentionIntervalMs: 0, maxPerSubscriber: 1, retentionSeconds: 86_400, compactMinDead: Number.MAX_SAFE_INTEGER });
    const ts = new Date().toISOString();
    let batch: Promise<unknown>[] = [];
    for (let k = 0; k < N; k++) {
      batch.push(log.append(record(k, ts)));
      if (batch.length === 5000) { await Promise.all(batch); batch = []; }
    }
    await Promise.all(batch);
    // A build that writes its index snapshot in the background as the log grows: that write finished first (a
    // compaction waits for one in flight).
    await (log as unknown as { settled?: () => Promise<void> }).settled?.();
    let wall = 0;
    let acked = 0;
    const w = await watched(async () => {
      const t0 = performance.now();
      const compacted = log.compact();
      // An append made as the compaction starts: how long a request waiting for its activity record waits meanwhile.
      const appended = log.append(record(N, new Date().toISOString())).then(() => { acked = performance.now() - t0; });
      await compacted;
      wall = performance.now() - t0;
      await appended;
    });
    const live = await log.count();
    await log.close();
    return { wall, cpu: w.cpuS * 1000, stall: w.gapMs, acked, live };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const logs = await Promise.all(builds.map(async ([name, root]) => [name, await load(root)] as const));
console.log(`compaction bench: ${N.toLocaleString('en')} records, half dead; node ${process.version}, ${new Date().toISOString()}\n`);
console.log('| build | round | live records | wall ms | CPU ms | longest event-loop stall ms | an append made at its start acknowledged after ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const [name, Log] of logs) {
    const r = await once(Log);
    console.log(`| ${name} | ${round} | ${r.live.toLocaleString('en')} | ${r.wall.toFixed(0)} | ${r.cpu.toFixed(0)} | ${r.stall.toFixed(0)} | ${r.acked.toFixed(0)} |`);
  }
}
