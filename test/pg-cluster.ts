/**
 * A throw-away PostgreSQL cluster for tests and for trying the postgres driver by hand
 * (docs/storage.md § Trying it by hand). Debian's PostgreSQL 15 (`initdb`, `pg_ctl` from
 * /usr/lib/postgresql/15/bin, else PATH) in a temporary directory owned by the `postgres` user:
 * PostgreSQL refuses to run as root, so when we are root every server command runs through
 * `runuser -u postgres --`. The server listens on a Unix socket in that directory and on a
 * loopback port picked free; local socket connections are trusted, TCP ones need the password
 * (so a wrong-credentials case can be tested). `stop()` / `start()` restart it in place.
 *
 * By hand:  node dist/test/pg-cluster.js     (prints the URL, stops and removes it on Ctrl-C)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

export const PG_PASSWORD = 'omnisep-test-password';
export const PG_USER = 'postgres';

export interface PgCluster {
  /** The cluster directory (data in ./data, socket in ./run, log in ./server.log). */
  dir: string;
  socketDir: string;
  port: number;
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/DB — over TCP, with the password. */
  url(db?: string): string;
  /** The same database over the Unix socket (trusted, no password). */
  socketUrl(db?: string): string;
  /** CREATE DATABASE name (through psql on the socket). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL through psql on the socket; returns its stdout. */
  psql(sql: string, db?: string): Promise<string>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes the directory. */
  destroy(): Promise<void>;
}

function bin(name: string): string {
  const debian = `/usr/lib/postgresql/15/bin/${name}`;
  return existsSync(debian) ? debian : name;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL program as the unprivileged `postgres` user when we are root. */
async function asPostgres(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  try {
    const { stdout } = await run(file, argv, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string; stdout?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr || err.stdout || err.message}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `settings`: more server settings for `postgres -c` (e.g. `shared_preload_libraries=pg_stat_statements`, which a
 * benchmark uses to say which statements cost the server what).
 */
export async function startPgCluster(settings: readonly string[] = []): Promise<PgCluster> {
  const serverOptions = [`-c max_connections=200 -c shared_buffers=64MB`, ...settings.map((s) => `-c ${s}`)].join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'run');
  const log = join(dir, 'server.log');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  for (const d of [dir]) chmodSync(d, 0o755);
  if (isRoot()) {
    const { uid, gid } = await idOf('postgres');
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  await initdbOrCopy(dir, dataDir, pwfile);
  await asPostgres('mkdir', ['-m', '0755', socketDir]);
  let port = 0;
  const start = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (!port || attempt > 0) port = await freePort();
      try {
        // fsync stays on: the durability tests must mean what they say.
        await asPostgres(bin('pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '60', 'start', '-o', `-k ${socketDir} -p ${port} -h 127.0.0.1 ${serverOptions}`]);
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  };
  await start();
  const psql = (sql: string, db = 'postgres'): Promise<string> =>
    asPostgres(bin('psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', PG_USER, '-d', db, '-c', sql]);
  const cluster: PgCluster = {
    dir,
    socketDir,
    get port() { return port; },
    url: (db = 'postgres') => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${db}`,
    socketUrl: (db = 'postgres') => `postgres://${PG_USER}@/${db}?host=${encodeURIComponent(socketDir)}&port=${port}`,
    async createDatabase(name) {
      await psql(`CREATE DATABASE "${name}"`);
      return cluster.url(name);
    },
    psql,
    async stop(mode = 'fast') {
      await asPostgres(bin('pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async start() {
      // Same port as before: clients reconnect to the URL they were given.
      await asPostgres(bin('pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '60', 'start', '-o', `-k ${socketDir} -p ${port} -h 127.0.0.1 ${serverOptions}`]);
    },
    async destroy() {
      try { await cluster.stop('immediate'); } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

const INITDB_ARGS = ['-U', PG_USER, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'];

/**
 * A fresh cluster's data directory. initdb costs seconds of CPU, and a suite starts a cluster in every
 * PostgreSQL test file, so the first initdb of a machine (per PostgreSQL version, initdb arguments and
 * password) is kept as a template next to the clusters and the later ones copy it (`cp -a`, as postgres):
 * the same files initdb would write, the server never started on them. The template appears by an atomic
 * rename, so a reader sees a whole one or none; a test run that races another initdbs its own.
 */
async function initdbOrCopy(dir: string, dataDir: string, pwfile: string): Promise<void> {
  const version = (await asPostgres(bin('initdb'), ['--version'])).trim();
  const key = createHash('sha256').update(JSON.stringify([bin('initdb'), version, INITDB_ARGS, PG_PASSWORD])).digest('hex').slice(0, 16);
  const template = join(tmpdir(), `omnisep-pg-template-${key}`);
  const owner = isRoot() ? (await idOf('postgres')).uid : process.getuid?.();
  if (existsSync(join(template, 'PG_VERSION')) && statSync(template).uid === owner) {
    await asPostgres('cp', ['-a', template, dataDir]);
    return;
  }
  await asPostgres(bin('initdb'), ['-D', dataDir, `--pwfile=${pwfile}`, ...INITDB_ARGS]);
  // Publish a copy for the next clusters; losing the race to another run is fine (its template is the same).
  const staging = join(dir, 'template');
  try {
    await asPostgres('cp', ['-a', dataDir, staging]);
    renameSync(staging, template);
  } catch { /* another run published first, or /tmp refused: the next cluster runs initdb again */ }
}

async function idOf(user: string): Promise<{ uid: number; gid: number }> {
  const [u, g] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

// By hand: start one, print how to reach it, remove it on Ctrl-C.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const c = await startPgCluster();
  const url = await c.createDatabase('omnisep');
  process.stdout.write(`PostgreSQL 15 running in ${c.dir}\n  storage.url: ${url}\n  psql: psql -h ${c.socketDir} -p ${c.port} -U postgres omnisep\nCtrl-C stops it and removes the directory.\n`);
  const bye = () => { void c.destroy().then(() => process.exit(0)); };
  process.once('SIGINT', bye);
  process.once('SIGTERM', bye);
}
