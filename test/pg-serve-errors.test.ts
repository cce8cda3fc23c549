/**
 * `omnisep serve` with storage.driver postgres and bad storage settings, as the real process: each a clear
 * message naming the problem on stderr, exit code 1, no stack trace, the password never printed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-harness.js';
import { startPgCluster, PG_PASSWORD, type PgCluster } from './pg-cluster.js';

let cluster: PgCluster;
let dir: string;
before(async () => {
  cluster = await startPgCluster();
  dir = mkdtempSync(join(tmpdir(), 'omnisep-pgserve-'));
}, { timeout: 300_000 });
after(async () => {
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const serve = (url: string) => runCli(['serve', '--data-dir', join(dir, 'data'), '--socket', join(dir, 'ctl.sock'), '--http-port', '0', '--api-port', '0',
  '--set', 'storage.driver=postgres', '--set', `storage.url=${url}`, '--set', 'aaa.enabled=false', '--set', 'diameter.enabled=false'], { timeoutMs: 120_000 });

/** Exit codes (docs/operations.md § Exit codes): 69 may pass (systemd restarts), 78 configuration, 65 data. */
function refused(r: { code: number | null; stderr: string; stdout: string }, re: RegExp, exit: 65 | 69 | 78) {
  assert.equal(r.code, exit, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.ok(!(r.stderr + r.stdout).includes(PG_PASSWORD), 'no password');
}

test('serve refuses a PostgreSQL URL that does not answer, wrong credentials, and a newer schema', { timeout: 600_000 }, async () => {
  refused(await serve(cluster.url('postgres').replace(`:${cluster.port}/`, ':1/')), /storage: PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres does not answer/, 69);
  refused(await serve(cluster.url('postgres').replace(PG_PASSWORD, 'wrong-password')), /storage: PostgreSQL at .* refused the login \(password authentication failed for user "postgres"\)/, 78);
  const url = await cluster.createDatabase('future');
  await cluster.psql("CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL); INSERT INTO schema_version (version, name, applied_by) VALUES (1, 'a', 'x'), (42, 'from the future', 'x')", 'future');
  refused(await serve(url), /storage: the database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/future has schema version 42, newer than this omnisep knows/, 65);
  refused(await serve(''), /storage\.driver is postgres but storage\.url is empty/, 78);
});
