/**
 * What the activity log's in-memory index costs the garbage collector at a fleet's size (daemon/store/activity-log.ts,
 * docs/performance.md § Twenty-second round): a log of `--records` token-query records, two per IMSI (so half as
 * many subscribers), every one live; then full collections forced with the log open and, for the floor, with it
 * closed. Every full collection marks what the index keeps on the heap, so its pause is paid by every request in
 * flight when one comes, and it grows with the fleet unless the index is kept in typed arrays.
 *
 * Prints, per build and round: the heap the open log keeps (V8's `heapUsed` after full collections, less the same
 * once the log is closed and dropped), the memory it keeps outside the heap in typed arrays and buffers
 * (`arrayBuffers`, the same way), and the median of five forced full collections with the log open and closed;
 * then a restart: how long the close took (it writes the index snapshot), the snapshot's size, and how long the log
 * takes to open from it; then, with the cap lowered to one record per IMSI and the log compacted (which deletes the
 * snapshot), how long a start after a crash takes, and a start with no snapshot at all (every record parsed).
 * A forced collection marks everything in one piece, so it is an upper bound of what a daemon's major collection
 * holds the event loop for (most of a daemon's marking runs concurrently), and it grows with what the heap holds.
 * In-process, on the file log users run (no daemon).
 *
 *   npx tsc && node dist/bench/activity-index.bench.js [--records 1000000] [--rounds 1] [--root DIR]
 *
 * `--root` takes another build's activity log (a checkout built with `npx tsc`), so two builds compare side by
 * side in one run, rounds alternating. The bench turns on `--expose-gc` itself (v8.setFlagsFromString).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tokenQueryRecord as record } from './activity-records.js';
import type { ActivityFileLog } from '../daemon/store/activity-log.js';

const { values } = parseArgs({ options: {
  records: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '1' }, root: { type: 'string' },
} });
const N = Number(values.records);
if (!Number.isInteger(N) || N < 2) throw new Error('--records: a whole number, 2 or more');
const here = resolve(import.meta.dirname, '..', '..');
const builds = [['this build', here], ...(values.root ? [['--root', resolve(values.root)]] : [])] as const;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type LogClass = typeof ActivityFileLog;
const load = async (root: string): Promise<LogClass> =>
  ((await import(pathToFileURL(join(root, 'dist/daemon/store/activity-log.js')).href)) as { ActivityFileLog: LogClass }).ActivityFileLog;

/** Median ms of five forced full collections, and the heap used after them (MB). */
function collections(): { ms: number; heapMb: number; outsideMb: number } {
  gc();
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    gc();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const m = process.memoryUsage();
  return { ms: ms[2]!, heapMb: m.heapUsed / 2 ** 20, outsideMb: m.arrayBuffers / 2 ** 20 };
}

type Collected = ReturnType<typeof collections>;

async function once(Log: LogClass): Promise<{ open: Collected; closed: Collected; fillS: number; closeS: number; reopenS: number; snapshotMb: number; crashS: number; parseS: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-activity-index-'));
  // No compaction and no retention pass of their own; `cap` records kept per IMSI.
  const openLog = (cap: number) => Log.open({ file: join(dir, 'activity.jsonl'), retentionIntervalMs: 0, maxPerSubscriber: cap, retentionSeconds: 86_400, compactMinDead: Number.MAX_SAFE_INTEGER });
  try {
    // Two records per IMSI under a cap of two: every record live; no compaction, no retention pass.
    let log: ActivityFileLog | null = await openLog(2);
    const ts = new Date().toISOString();
    const t0 = performance.now();
    let batch: Promise<unknown>[] = [];
    for (let k = 0; k < N; k++) {
      batch.push(log.append(record(k, ts)));
      if (batch.length === 5000) { await Promise.all(batch); batch = []; }
    }
    await Promise.all(batch);
    batch = [];
    const fillS = (performance.now() - t0) / 1000;
    // A build that writes its index snapshot in the background as the log grows: that write finished first (it keeps
    // the arrays it writes until then).
    await (log as unknown as { settled?: () => Promise<void> }).settled?.();
    if ((await log.count()) !== N) throw new Error(`the log holds ${await log.count()} live records, not ${N}`);
    const open = collections();
    const tc = performance.now();
    await log.close(); // writes the index snapshot
    const closeS = (performance.now() - tc) / 1000;
    log = null;
    const closed = collections();
    // A restart: the index from the snapshot written at close, nothing after it to parse.
    const snapshotMb = statSync(join(dir, '.activity.jsonl.index')).size / 2 ** 20;
    const t1 = performance.now();
    const again = await openLog(2);
    const reopenS = (performance.now() - t1) / 1000;
    if ((await again.count()) !== N) throw new Error(`the reopened log holds ${await again.count()} live records, not ${N}`);
    // Then the cap lowered to one (the older record of each IMSI killed) and a compaction, which deletes the
    // snapshot; then a crash (no close) and a start: from what the log wrote since (a build that writes its snapshot
    // in the background waits for it here), or from parsing the whole log.
    (again as unknown as { maxPerSubscriber: number }).maxPerSubscriber = 1;
    again.enforceRetention();
    await again.compact();
    await (again as unknown as { settled?: () => Promise<void> }).settled?.();
    const t2 = performance.now();
    const crashed = await openLog(1);
    const crashS = (performance.now() - t2) / 1000;
    if ((await crashed.count()) !== N / 2) throw new Error(`the log opened after the crash holds ${await crashed.count()} live records, not ${N / 2}`);
    await crashed.close();
    await again.close().catch(() => {});
    // And a start with no snapshot at all (deleted or damaged): every record parsed.
    rmSync(join(dir, '.activity.jsonl.index'), { force: true });
    const t3 = performance.now();
    const parsed = await openLog(1);
    const parseS = (performance.now() - t3) / 1000;
    if ((await parsed.count()) !== N / 2) throw new Error(`the parsed log holds ${await parsed.count()} live records, not ${N / 2}`);
    await parsed.close();
    return { open, closed, fillS, closeS, reopenS, snapshotMb, crashS, parseS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const logs = await Promise.all(builds.map(async ([name, root]) => [name, await load(root)] as const));
console.log(`activity-index bench: ${N.toLocaleString('en')} records of ${(N / 2).toLocaleString('en')} IMSIs, all live; node ${process.version}, ${new Date().toISOString()}\n`);
console.log('| build | round | full GC, log open ms | full GC, log closed ms | heap the index keeps MB | outside the heap MB | fill s | close s | index snapshot MB | reopen s | crash restart after a compaction s | start with no snapshot s |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const [name, Log] of logs) {
    const r = await once(Log);
    console.log(`| ${name} | ${round} | ${r.open.ms.toFixed(1)} | ${r.closed.ms.toFixed(1)} | ${Math.round(r.open.heapMb - r.closed.heapMb)} | ${Math.round(r.open.outsideMb - r.closed.outsideMb)} | ${r.fillS.toFixed(1)} | ${r.closeS.toFixed(2)} | ${r.snapshotMb.toFixed(0)} | ${r.reopenS.toFixed(2)} | ${r.crashS.toFixed(2)} | ${r.parseS.toFixed(2)} |`);
  }
}
