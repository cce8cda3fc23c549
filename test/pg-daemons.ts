/**
 * Two real daemons (startDaemon twice) on one throw-away PostgreSQL 15 database, the local EAP-AKA back-end
 * (Milenage over the shared subscriber store, SQN advanced in the database), SIM1 and SIM2 provisioned
 * through A. Used by test/pg-two-daemons*.test.ts (one file per heavy case: each file must finish within
 * the runner's per-file bound on a busy host).
 */
import assert from 'node:assert/strict';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';
import { SIM1, SIM2 } from './ts43-harness.js';

export interface TwoDaemons {
  cluster: PgCluster;
  A: TestDaemon;
  B: TestDaemon;
  stop(): Promise<void>;
}

export async function startTwoDaemons(): Promise<TwoDaemons> {
  const cluster = await startPgCluster();
  const url = await cluster.createDatabase('two');
  const sets = (node: string) => [
    'storage.driver=postgres', `storage.url=${url}`, `server.node_name=${node}`, 'storage.pool_max=10',
    'storage.cluster_secret=two-daemon-test-cluster-secret', 'eap_aka.backend=local', 'token.signing_secret=two-daemons-shared-signing-secret',
    // The 2 × 200 case runs 400 sessions of one SIM from one address at once: the admission limits are raised for it.
    'eap_aka.max_sessions_per_imsi=1000', 'eap_aka.client_rate_per_s=100000', 'eap_aka.client_burst=100000',
    // …and 400 exchanges queued on a busy 2-core host take longer than the default 30 s session timeout.
    'eap_aka.session_timeout_ms=600000',
  ];
  // A sends every statement through its pool, B its per-record ones on pipelined connections (the default): the
  // races between the two daemons run across both paths.
  const A = await startTestDaemon([...sets('node-a'), 'storage.pipelines=0']);
  const B = await startTestDaemon(sets('node-b'));
  for (const sim of [SIM1, SIM2]) {
    const r = await A.call('POST', '/api/subscribers', { imsi: sim.imsi, ki: sim.k.toString('hex'), opc: sim.opc.toString('hex') });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  }
  return {
    cluster, A, B,
    async stop() {
      await A.stop();
      await B.stop();
      await cluster.destroy();
    },
  };
}

export const pub = (d: TestDaemon): string => `${d.addresses.http.url.replace(/\/$/, '')}/`;
