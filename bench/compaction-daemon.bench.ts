/**
 * What a phone sees while the daemon's activity log compacts at a fleet's size (docs/performance.md § Twenty-first
 * round): `omnisep serve` as users start it (bench/profile.ts `serve`: default embedded store, default log level,
 * the single-SIM settings) on a data directory whose activity log holds `--records` token-query records of
 * `--records / 2` subscribers, two each. The older half is dated so that it passes `activity.retention_seconds`
 * (600 here) `--expire-in` seconds after the fill: the daemon's retention timer (every 10 s) kills it
 * and the compaction that follows runs while token queries keep coming, `--concurrency` at a time for `--seconds`.
 * Prints the queries' latency (p50, p99, p99.9, the longest) and how many took longer than 100 ms and 1 s, and the
 * log's size before and after and when each compaction swapped its new file in (the inode changed), and the CPU per
 * query of the daemon's main thread, of its other threads, and of the bench itself (the queries' client).
 *
 *   npx tsc && node dist/bench/compaction-daemon.bench.js [--records 1000000] [--seconds 60] [--expire-in 45]
 *                                                       [--concurrency 16] [--root DIR]
 *
 * `--root` runs another build's daemon (a checkout built with `npx tsc`) on the same kind of log, after this one.
 */
import { mkdtempSync, openSync, writeSync, fsyncSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { threadsCpuUs } from './proc-cpu.js';
import { serve, tokenPath, ANDROID_UA } from './profile.js';
import { tokenQueryRecord } from './activity-records.js';

const { values } = parseArgs({ options: {
  records: { type: 'string', default: '1000000' }, seconds: { type: 'string', default: '60' }, 'expire-in': { type: 'string', default: '45' },
  concurrency: { type: 'string', default: '16' }, root: { type: 'string' },
} });
const N = Number(values.records);
const SECONDS = Number(values.seconds);
const EXPIRE_IN = Number(values['expire-in']);
const CONC = Number(values.concurrency);
const builds: Array<[string, string | undefined]> = [['this build', undefined], ...(values.root ? [['--root', resolve(values.root)] as [string, string]] : [])];
/** Ten minutes of retention; no disk bound (a log of a million such records is larger than the default 512 MiB, which would trim and compact it at start). */
const RETENTION_S = 600;
const SETS = [`activity.retention_seconds=${RETENTION_S}`, 'activity.max_bytes=0'];

/**
 * The log, written as the daemon writes lines: the older record of every IMSI first (expiring `--expire-in` s after
 * the fill), then the newer ones (now). Oldest first, as a daemon appends them: age retention walks from the oldest
 * and stops at the first young record.
 */
function fill(file: string): void {
  const fd = openSync(file, 'a');
  try {
    const old = new Date(Date.now() - RETENTION_S * 1000 + EXPIRE_IN * 1000).toISOString();
    const now = new Date().toISOString();
    let text = '';
    for (let j = 0; j < N; j++) {
      // Records k = 2i (the older of IMSI i), then k = 2i + 1 (the newer).
      const k = j < N / 2 ? 2 * j : 2 * (j - N / 2) + 1;
      text += `${JSON.stringify(tokenQueryRecord(k, k & 1 ? now : old))}\n`;
      if (text.length > 8 << 20) { writeSync(fd, text); text = ''; }
    }
    if (text) writeSync(fd, text);
    // On the disk before the daemon starts: the kernel's writeback of the fill would otherwise hold the daemon's
    // O_DSYNC commits (every query in flight waited 400–600 ms at times in the first seconds of the run).
    fsyncSync(fd);
  } finally { closeSync(fd); }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function once(name: string, root: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-compaction-daemon-'));
  const dataDir = join(dir, 'data');
  const log = join(dataDir, 'activity.jsonl');
  try {
    // A first start makes the data directory; the log is filled while no daemon runs.
    await (await serve({ root, dataDir, sets: SETS })).stop();
    const filled = performance.now();
    fill(log);
    const d = await serve({ root, dataDir, sets: SETS });
    try {
      const path = await tokenPath(d.url);
      const headers = { accept: 'text/vnd.wap.connectivity-xml', 'user-agent': ANDROID_UA, 'accept-encoding': 'gzip' };
      const query = async () => { const r = await request(`${d.url}${path}`, { headers }); await r.body.dump(); if (r.statusCode !== 200) throw new Error(`token query: ${r.statusCode}`); };
      const sizeBefore = statSync(log).size;
      const started = performance.now();
      const lat: number[] = [];
      /** When each query that took over 100 ms began, s into the run. */
      const slow: number[] = [];
      let longestAt = 0;
      let longest = 0;
      // A compaction renames its new file over the log: each change of inode is one swap.
      let ino = statSync(log).ino;
      const swaps: number[] = [];
      const end = started + SECONDS * 1000;
      const cpu0 = threadsCpuUs(d.child.pid!);
      const bench0 = process.cpuUsage();
      await Promise.all(Array.from({ length: CONC }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await query();
          const l = performance.now() - t;
          lat.push(l);
          if (l > 100) slow.push((t - started) / 1000);
          if (l > longest) { longest = l; longestAt = t - started; }
        }
      }).concat((async () => {
        while (performance.now() < end) {
          await new Promise((r) => setTimeout(r, 100));
          const now = statSync(log).ino;
          if (now !== ino) { ino = now; swaps.push((performance.now() - started) / 1000); }
        }
      })()));
      const cpu1 = threadsCpuUs(d.child.pid!);
      const benchCpu = process.cpuUsage(bench0);
      lat.sort((a, b) => a - b);
      return {
        name, queries: lat.length, perS: lat.length / SECONDS, p50: pct(lat, 0.5), p99: pct(lat, 0.99), p999: pct(lat, 0.999), max: longest,
        longestAt: longestAt / 1000, over100: lat.filter((l) => l > 100).length, over1s: lat.filter((l) => l > 1000).length,
        startedAfterFill: (started - filled) / 1000, swaps, slow, before: sizeBefore, after: statSync(log).size,
        mainUs: (cpu1.main - cpu0.main) / lat.length, otherUs: (cpu1.other - cpu0.other) / lat.length, benchUs: (benchCpu.user + benchCpu.system) / lat.length,
      };
    } finally { await d.stop(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

console.log(`compaction-daemon bench: ${N.toLocaleString('en')} records (${(N / 2).toLocaleString('en')} IMSIs), the older half expiring ${EXPIRE_IN} s after the fill; ${CONC} token queries in flight for ${SECONDS} s; node ${process.version}, ${new Date().toISOString()}\n`);
console.log('| build | queries/s | p50 ms | p99 ms | p99.9 ms | longest ms (at s) | > 100 ms | > 1 s | log MB before → after | compactions swapped in at s | queries began s after the fill | daemon CPU µs/query: main thread + other threads | bench CPU µs/query |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|');
const timelines: string[] = [];
for (const [name, root] of builds) {
  const r = await once(name, root);
  // Queries over 100 ms per 5-second stretch of the run: where the slow ones were, against the swaps.
  const per5 = Array.from({ length: Math.ceil(SECONDS / 5) }, (_, w) => r.slow.filter((t) => t >= w * 5 && t < w * 5 + 5).length);
  timelines.push(`${name}: queries over 100 ms per 5 s from the start: ${per5.join(' ')}`);
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(`| ${r.name} | ${r.perS.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.p999.toFixed(1)} | ${r.max.toFixed(0)} (${r.longestAt.toFixed(1)}) | ${r.over100} | ${r.over1s} | ${mb(r.before)} → ${mb(r.after)} | ${r.swaps.map((t) => t.toFixed(1)).join(', ') || 'none'} | ${r.startedAfterFill.toFixed(1)} | ${r.mainUs.toFixed(0)} + ${r.otherUs.toFixed(0)} | ${r.benchUs.toFixed(0)} |`);
}
console.log(`\n${timelines.join('\n')}`);
