/**
 * Full EAP-AKA authentications/s with the store on PostgreSQL, one daemon against several sharing the database: the
 * capacity model's fleet (docs/performance.md § Capacity model) on one host instead of by arithmetic.
 *
 *   npx tsc && node dist/bench/pg-load.bench.js [--daemons 1,2] [--count 3000] [--warmup 2000] [--concurrency 32]
 *        [--rounds 1] [--sims 1000]
 *
 * A throw-away PostgreSQL 15 cluster from `test/pg-cluster.ts` on this host (fsync and `synchronous_commit` on, the
 * cluster's defaults otherwise), a fresh database per run. Each daemon is `omnisep serve` as `profile.ts` starts it
 * (default log level; the swm back-end relaying to its own built-in AAA over loopback TCP Diameter; the single-SIM caps
 * raised) with `storage.driver=postgres` on that database, its own `server.node_name`, and the cluster secret and
 * token signing secret shared, as a fleet is configured (docs/storage.md § PostgreSQL). The simulator's load mode
 * (`loadEapAka`) goes round `--sims` subscribers (the CSV every daemon's AAA loads; keys derived as in eap-load) and
 * splits `--concurrency` and `--count` evenly over the daemons, each load against its own daemon, all at once.
 * Printed per run: authentications/s of all daemons together, p50/p99 (the slowest daemon's), CPU per authentication
 * of the daemons and of the database server (every process of the `postgres` user: only this cluster runs here),
 * the database's commits per authentication (`pg_stat_database.xact_commit`), and the machine's idle share.
 *
 * Everything shares this 2-core host — the daemons, PostgreSQL, the simulator — so a second daemon competes with the
 * first for the same cores; the figures say what one host gives and what each authentication costs each part, which
 * is what sizing several hosts needs.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineTicks, processCpuUs } from './proc-cpu.js';
import { simFile } from './load-sims.js';
import { eapOptions, serve, type Served } from './profile.js';
import { loadEapAka } from '../src/ue/run.js';
import { Secret } from '../src/util/secret.js';
import { startPgCluster } from '../test/pg-cluster.js';

const { values } = parseArgs({ options: {
  daemons: { type: 'string', default: '1,2' }, count: { type: 'string', default: '3000' }, warmup: { type: 'string', default: '2000' },
  concurrency: { type: 'string', default: '32' }, rounds: { type: 'string', default: '1' }, sims: { type: 'string', default: '1000' },
} });
const DAEMONS = values.daemons.split(',').map(Number);
const COUNT = Number(values.count);
const CONC = Number(values.concurrency);
const SIMS = Number(values.sims);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** CPU µs of every process of `uid` now (the database server and its backends). */
function uidCpuUs(uid: number): number {
  let us = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (statSync(`/proc/${p}`).uid !== uid) continue;
      us += processCpuUs(Number(p));
    } catch { /* gone meanwhile */ }
  }
  return us;
}

const cluster = await startPgCluster();
const pgUid = statSync(join(cluster.dir, 'data')).uid;
const many = simFile(SIMS, Secret);
console.log(`pg-load: ${values.warmup} authentications of warm-up then ${COUNT} measured per run, ${CONC} in flight split over the daemons, round ${SIMS} SIMs; PostgreSQL 15 on this host (fsync on); daemons ${DAEMONS.join(', ')}; ${values.rounds} round(s); load average ${load()}`);
const rows: string[] = [];
try {
  let run = 0;
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const n of DAEMONS) {
      const db = `load${++run}`;
      const url = await cluster.createDatabase(db);
      const ds: Served[] = [];
      try {
        for (let i = 0; i < n; i++) {
          ds.push(await serve({ sets: [
            'storage.driver=postgres', `storage.url=${url}`, `server.node_name=node-${i}`, 'storage.cluster_secret=pg-load-bench-cluster-secret',
            `aaa.subscribers_file=${many.file}`,
          ] }));
        }
        const each = (count: number) => ds.map((d) => loadEapAka(eapOptions(d.url), { count: Math.ceil(count / n), concurrency: Math.max(1, Math.round(CONC / n)), sims: many.sims }));
        await Promise.all(each(Number(values.warmup)));
        const commits = async () => Number((await cluster.psql(`SELECT xact_commit FROM pg_stat_database WHERE datname = '${db}'`)).trim());
        const x0 = await commits();
        const c0 = ds.map((d) => processCpuUs(d.child.pid!));
        const p0 = uidCpuUs(pgUid);
        const m0 = machineTicks();
        const t0 = performance.now();
        const results = await Promise.all(each(COUNT));
        const wallS = (performance.now() - t0) / 1000;
        const m1 = machineTicks();
        const pgUs = uidCpuUs(pgUid) - p0;
        const daemonUs = ds.reduce((t, d, i) => t + processCpuUs(d.child.pid!) - c0[i]!, 0);
        const x1 = await commits();
        const ok = results.reduce((t, r) => t + r.ok, 0);
        const failed = results.reduce((t, r) => t + r.failed, 0);
        const per = Math.max(1, ok);
        rows.push(`| ${round} | ${n} | ${(ok / wallS).toFixed(0)} | ${results.map((r) => r.ok_per_s.toFixed(0)).join(' + ')} | ${Math.max(...results.map((r) => r.latency_ms.p50)).toFixed(1)} | ${Math.max(...results.map((r) => r.latency_ms.p99)).toFixed(1)} | ${failed} | ${(daemonUs / per).toFixed(0)} | ${(pgUs / per).toFixed(0)} | ${((x1 - x0) / per).toFixed(2)} | ${(((m1.idle - m0.idle) / Math.max(1, m1.all - m0.all)) * 100).toFixed(0)} % | ${load()} |`);
        console.log(rows.at(-1));
      } finally {
        for (const d of ds) await d.stop();
      }
    }
  }
} finally {
  await cluster.destroy();
  rmSync(many.dir, { recursive: true, force: true });
}
console.log('\n| round | daemons | auth/s (all) | auth/s per daemon | p50 ms (slowest daemon) | p99 ms | failed | daemons CPU µs/auth | PostgreSQL CPU µs/auth | database commits/auth | machine idle | load after |');
console.log('|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) console.log(r);
