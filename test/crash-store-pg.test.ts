/**
 * The SIGKILL-after-acknowledgement loop (test/crash-loop.ts) on the PostgreSQL driver: a real daemon on a
 * throw-away PostgreSQL 15 cluster (test/pg-cluster.ts), killed the instant each round's last answer arrives
 * (entitlement set, XCAP PUT, subscriber add, an authentication's SQN, in turn), restarted on the same
 * database: every acknowledged write is there and the USIM accepts the next challenge at once.
 */
import { after, before, test } from 'node:test';
import { startPgCluster, type PgCluster } from './pg-cluster.js';
import { crashLoop } from './crash-loop.js';

/** 8 cycles: each kind of write is the last one before the kill twice. 12 cycles took 285 s at load average 22, too near the runner's 300 s per file. */
const ROUNDS = 8;

let cluster: PgCluster;
before(async () => { cluster = await startPgCluster(); }, { timeout: 300_000 });
after(async () => { await cluster?.destroy(); });

test(`PostgreSQL: entitlement set, XCAP PUT, subscriber add and an authentication's SQN, then SIGKILL at once, ${ROUNDS} rounds: nothing acknowledged is lost`, { timeout: 1_200_000 }, async () => {
  const url = await cluster.createDatabase('crash');
  await crashLoop(ROUNDS, ['storage.driver=postgres', `storage.url=${url}`, 'storage.cluster_secret=crash-test-cluster-secret', 'server.node_name=crash']);
});
