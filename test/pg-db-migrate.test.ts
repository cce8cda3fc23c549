/**
 * `omnisep db migrate`, run as the real CLI process against a real PostgreSQL 15 (test/pg-cluster.ts): applies
 * the schema once, then says up to date; a newer schema and a wrong password exit 1 with one message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LATEST_SCHEMA_VERSION } from '../daemon/store/pg/migrations.js';
import { parseJson, runCli } from './cli-harness.js';
import { startPgCluster, PG_PASSWORD, type PgCluster } from './pg-cluster.js';

let cluster: PgCluster;
before(async () => { cluster = await startPgCluster(); }, { timeout: 300_000 });
after(async () => { await cluster?.destroy(); });

test('db migrate applies the schema once, then says up to date; a newer schema exits 1', { timeout: 600_000 }, async () => {
  const url = await cluster.createDatabase('mig');
  const r1 = await runCli(['db', 'migrate', '--database', url, '--json']);
  assert.equal(r1.code, 0, r1.stderr);
  const b1 = parseJson<{ from_version: number; schema_version: number; applied: unknown[]; location: string }>(r1);
  assert.equal(b1.from_version, 0);
  assert.equal(b1.schema_version, LATEST_SCHEMA_VERSION);
  assert.equal(b1.applied.length, LATEST_SCHEMA_VERSION);
  assert.ok(!r1.stdout.includes(PG_PASSWORD));
  const r2 = await runCli(['db', 'migrate', '--database', url]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, new RegExp(`up to date .*: schema ${LATEST_SCHEMA_VERSION}`));
  await cluster.psql("INSERT INTO schema_version (version, name, applied_by) VALUES (50, 'future', 'x')", 'mig');
  const r3 = await runCli(['db', 'migrate', '--database', url]);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /schema version 50, newer than this omnisep knows/);
  assert.doesNotMatch(r3.stderr, /\n\s+at /, 'no stack trace');
  const r4 = await runCli(['db', 'migrate', '--database', url.replace(PG_PASSWORD, 'wrong')]);
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /refused the login/);
});
