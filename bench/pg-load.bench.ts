/**
 * Full EAP-AKA authentications/s with the store on PostgreSQL, one daemon against several sharing the database: the
 * capacity model's fleet (docs/performance.md § Issue 14 at a glance, Capacity model) on one host instead of by arithmetic.
 *
 *   npx tsc && node dist/bench/pg-load.bench.js [--daemons 1,2] [--count 3000] [--warmup 2000] [--concurrency 32]
 *        [--rounds 1] [--sims 1000] [--statements] [--pg-set name=value …] [--root DIR] [--set key=value …] [--profile DIR]
 *
 * A throw-away PostgreSQL 15 cluster from `test/pg-cluster.ts` on this host (fsync and `synchronous_commit` on, the
 * cluster's defaults otherwise), a fresh database per run. Each daemon is `omnisep serve` as `profile.ts` starts it
 * (default log level; the swm back-end relaying to its own built-in AAA over loopback TCP Diameter; the single-SIM caps
 * raised) with `storage.driver=postgres` on that database, its own `server.node_name`, and the cluster secret and
 * token signing secret shared, as a fleet is configured (docs/storage.md § PostgreSQL). The simulator's load mode
 * (`loadEapAka`) goes round `--sims` subscribers (the CSV every daemon's AAA loads; keys derived as in eap-load) and
 * splits `--concurrency` and `--count` evenly over the daemons, each load against its own daemon, all at once.
 * Printed per run: authentications/s of all daemons together, p50/p99 (the slowest daemon's), CPU per authentication
 * of the daemons and of the database server (every process of the `postgres` user: only this cluster may run meanwhile
 * — a test suite's cluster beside it makes the figure wrong, even negative when it ends),
 * the database's commits per authentication (`pg_stat_database.xact_commit`), and the machine's idle share.
 *
 * `--statements`: the cluster runs with `pg_stat_statements` loaded, and each run prints, for the measured
 * authentications, every statement the daemons sent with its calls per authentication, the server's execution time
 * per authentication (planning excluded) and its share, heaviest first. The extension costs the server a little
 * itself, so the rate and CPU of a run with it are not compared with runs without.
 *
 * `--root DIR`: another build (an export of an older commit, built: see eap-load), run alternately with this one
 * in every round (its row first in odd rounds, this build's in even ones), each on a database of its own: before/after side by side.
 *
 * `--pg-set name=value` (repeatable): a server setting for the cluster (`postgres -c`), e.g. `commit_delay=200`.
 *
 * `--set key=value` (repeatable): a daemon setting for this build's daemons only, not `--root`'s (e.g.
 * `--root . --set storage.pipelines=0`: this build against itself with and without pipelined connections).
 *
 * `--profile DIR`: this build's daemons run with `--cpu-prof` into DIR (warm-up and measured authentications alike);
 * read one with `node dist/bench/profile.js table FILE.cpuprofile --requests <warm-up + count per daemon>`.
 *
 * Everything shares this 2-core host — the daemons, PostgreSQL, the simulator — so a second daemon competes with the
 * first for the same cores; the figures say what one host gives and what each authentication costs each part, which
 * is what sizing several hosts needs.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machineTicks, processCpuUs } from './proc-cpu.js';
import { inRoundOrder } from './pairs.js';
import { simFile } from './load-sims.js';
import { eapOptions, serve, type Served } from './profile.js';
import { loadEapAka } from '../src/ue/run.js';
import { Secret } from '../src/util/secret.js';
import { startPgCluster } from '../test/pg-cluster.js';

const { values } = parseArgs({ options: {
  daemons: { type: 'string', default: '1,2' }, count: { type: 'string', default: '3000' }, warmup: { type: 'string', default: '2000' },
  concurrency: { type: 'string', default: '32' }, rounds: { type: 'string', default: '1' }, sims: { type: 'string', default: '1000' },
  statements: { type: 'boolean', default: false }, 'pg-set': { type: 'string', multiple: true, default: [] },
  root: { type: 'string' }, set: { type: 'string', multiple: true, default: [] }, profile: { type: 'string' },
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

for (const s of values['pg-set']) if (!/^[a-z_.]+=[\w.-]+$/.test(s)) throw new Error(`--pg-set ${s}: name=value (letters, digits, . _ -)`);
const cluster = await startPgCluster([
  ...(values.statements ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_utility=on'] : []), ...values['pg-set']]);
if (values.statements) await cluster.psql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');

/** The statements of database `db` since the last reset: calls and execution time per authentication. */
async function statementsTable(db: string, auths: number): Promise<string[]> {
  const out = await cluster.psql(
    `SELECT s.calls, s.total_exec_time, regexp_replace(s.query, '\\s+', ' ', 'g') FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
     WHERE d.datname = '${db}' ORDER BY s.total_exec_time DESC`);
  const rows = out.trim().split('\n').filter(Boolean).map((l) => {
    const [calls, ms, ...q] = l.split('|');
    return { calls: Number(calls), us: Number(ms) * 1000, query: q.join('|') };
  });
  const total = rows.reduce((t, r) => t + r.us, 0) || 1;
  const calls = rows.reduce((t, r) => t + r.calls, 0);
  return [
    `statements of ${db}: ${(calls / auths).toFixed(1)} per authentication, ${(total / auths).toFixed(0)} µs of execution per authentication`,
    '| calls/auth | exec µs/auth | share | statement |', '|---:|---:|---:|---|',
    ...rows.filter((r) => r.calls / auths >= 0.01).map((r) =>
      `| ${(r.calls / auths).toFixed(2)} | ${(r.us / auths).toFixed(0)} | ${((r.us / total) * 100).toFixed(1)} % | \`${r.query.length > 140 ? `${r.query.slice(0, 140)}…` : r.query}\` |`),
  ];
}
const pgUid = statSync(join(cluster.dir, 'data')).uid;
const many = simFile(SIMS, Secret);
console.log(`pg-load: ${values.warmup} authentications of warm-up then ${COUNT} measured per run, ${CONC} in flight split over the daemons, round ${SIMS} SIMs; PostgreSQL 15 on this host (fsync on); daemons ${DAEMONS.join(', ')}; ${values.rounds} round(s)${values['pg-set'].length ? `; server settings ${values['pg-set'].join(' ')}` : ''}; load average ${load()}`);
const rows: string[] = [];
try {
  let run = 0;
  for (let round = 1; round <= Number(values.rounds); round++) {
    // The older build first in odd rounds, this one first in even rounds (`inRoundOrder`).
    const order = values.root ? inRoundOrder(round, [resolve(values.root), undefined]) : [undefined];
    for (const n of DAEMONS) for (const build of order) {
      const db = `load${++run}`;
      const url = await cluster.createDatabase(db);
      const ds: Served[] = [];
      try {
        for (let i = 0; i < n; i++) {
          const prof = !build && values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] } : {};
          ds.push(await serve({ ...prof, ...(build ? { root: build } : {}), sets: [
            'storage.driver=postgres', `storage.url=${url}`, `server.node_name=node-${i}`, 'storage.cluster_secret=pg-load-bench-cluster-secret',
            `aaa.subscribers_file=${many.file}`, ...(build ? [] : values.set),
          ] }));
        }
        const each = (count: number) => ds.map((d) => loadEapAka(eapOptions(d.url), { count: Math.ceil(count / n), concurrency: Math.max(1, Math.round(CONC / n)), sims: many.sims }));
        await Promise.all(each(Number(values.warmup)));
        const commits = async () => Number((await cluster.psql(`SELECT xact_commit FROM pg_stat_database WHERE datname = '${db}'`)).trim());
        if (values.statements) await cluster.psql('SELECT pg_stat_statements_reset()');
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
        rows.push(`| ${round} | ${build ?? `this build${values.set.length ? ` (${values.set.join(' ')})` : ''}`} | ${n} | ${(ok / wallS).toFixed(0)} | ${results.map((r) => r.ok_per_s.toFixed(0)).join(' + ')} | ${Math.max(...results.map((r) => r.latency_ms.p50)).toFixed(1)} | ${Math.max(...results.map((r) => r.latency_ms.p99)).toFixed(1)} | ${failed} | ${(daemonUs / per).toFixed(0)} | ${(pgUs / per).toFixed(0)} | ${((x1 - x0) / per).toFixed(2)} | ${(((m1.idle - m0.idle) / Math.max(1, m1.all - m0.all)) * 100).toFixed(0)} % | ${load()} |`);
        console.log(rows.at(-1));
        if (values.statements) console.log((await statementsTable(db, per)).join('\n'));
      } finally {
        for (const d of ds) await d.stop();
      }
    }
  }
} finally {
  await cluster.destroy();
  rmSync(many.dir, { recursive: true, force: true });
}
console.log('\n| round | build | daemons | auth/s (all) | auth/s per daemon | p50 ms (slowest daemon) | p99 ms | failed | daemons CPU µs/auth | PostgreSQL CPU µs/auth | database commits/auth | machine idle | load after |');
console.log('|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) console.log(r);
