/**
 * Two real daemons (startDaemon twice) on one PostgreSQL 15 database (test/pg-cluster.ts), the local
 * EAP-AKA back-end (Milenage over the shared subscriber store, SQN advanced in the database):
 * a token issued by A is accepted by B; revoked on A, B answers 511 on its very next query; an entitlement
 * set on A is in B's next answer; activity from both daemons in one query with their node names; 2 × 200
 * concurrent authentications of one SIM split across A and B with no SQN issued twice (read from the USIM
 * side: SQN recovered from each AUTN); `status` shows the driver, pool and schema; a database restart under
 * load answers 503 + Retry-After in the gap and no daemon crashes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEap, type EapAkaPacket } from '../src/codec/eap/packet.js';
import { read } from '../src/codec/eap/attributes.js';
import { usimAuthenticate } from '../src/crypto/milenage.js';
import { startPeer, stepPeer } from '../src/fsm/eap-aka-peer.js';
import { Secret } from '../src/util/secret.js';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { runCli } from './cli-harness.js';
import { startPgCluster, PG_PASSWORD, type PgCluster } from './pg-cluster.js';
import { ACCEPT_ANDROID, ANDROID_UA, SIM1, SIM2, firstRequestUrl, naiOf, runUe } from './ts43-harness.js';

let cluster: PgCluster;
let A: TestDaemon;
let B: TestDaemon;
let url: string;

const sets = (node: string) => [
  'storage.driver=postgres', `storage.url=${url}`, `server.node_name=${node}`, 'storage.pool_max=10',
  'storage.cluster_secret=two-daemon-test-cluster-secret', 'eap_aka.backend=local', 'token.signing_secret=two-daemons-shared-signing-secret',
  // The 2 × 200 case runs 400 sessions of one SIM from one address at once: the admission limits are raised for it.
  'eap_aka.max_sessions_per_imsi=1000', 'eap_aka.client_rate_per_s=100000', 'eap_aka.client_burst=100000',
  // …and 400 exchanges queued on a busy 2-core host take longer than the default 30 s session timeout.
  'eap_aka.session_timeout_ms=600000',
];
const pub = (d: TestDaemon) => `${d.addresses.http.url.replace(/\/$/, '')}/`;
const tokenQuery = (d: TestDaemon, token: string) =>
  `${pub(d)}?IMSI=${SIM1.imsi}&token=${encodeURIComponent(token)}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims`;
const get = (u: string) => fetch(u, { headers: { 'user-agent': ANDROID_UA } });

before(async () => {
  cluster = await startPgCluster();
  url = await cluster.createDatabase('two');
  A = await startTestDaemon(sets('node-a'));
  B = await startTestDaemon(sets('node-b'));
  for (const sim of [SIM1, SIM2]) {
    const r = await A.call('POST', '/api/subscribers', { imsi: sim.imsi, ki: sim.k.toString('hex'), opc: sim.opc.toString('hex') });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  }
});
after(async () => {
  await A?.stop();
  await B?.stop();
  await cluster?.destroy();
});

test('status shows the postgres driver, the URL without its password, the schema version and the pool', async () => {
  const s = await B.call('GET', '/api/status');
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.storage.driver, 'postgres');
  assert.match(s.json.storage.location, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/two$/);
  assert.equal(s.json.storage.schema_version, 1);
  assert.equal(s.json.storage.pool.max, 10);
  assert.ok(!s.text.includes(PG_PASSWORD));
  const cli = await runCli(['status', '--socket', A.socket]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /driver\s+postgres/);
  assert.match(cli.stdout, /location\s+postgres:\/\/postgres@127\.0\.0\.1:\d+\/two/);
  assert.match(cli.stdout, /schema_version\s+1/);
  assert.match(cli.stdout, /pool\s+\d+ open, \d+ idle, \d+ waiting, max 10/);
  assert.ok(!cli.stdout.includes(PG_PASSWORD));
});

test('a token issued by A works on B; revoked on A, B answers 511 on its next query; an entitlement set on A is in B\'s next answer', async () => {
  const r = await runUe({ url: pub(A), ...SIM1, apps: ['ap2004'] });
  assert.equal(r.final.status, 200, r.final.body);
  const token = /<parm name="token" value="([^"]+)"/.exec(r.final.body)![1]!;
  const onB = await get(tokenQuery(B, token));
  assert.equal(onB.status, 200, 'B accepts A\'s token');
  const before = await onB.text();
  assert.match(before, /<parm name="EntitlementStatus" value="1"\/>/);

  const set = await A.call('POST', `/api/entitlements/${SIM1.imsi}`, { app_id: 'ap2004', entitlement: { entitlement_status: 0 } });
  assert.equal(set.status, 200, set.text);
  assert.match(await (await get(tokenQuery(B, token))).text(), /<parm name="EntitlementStatus" value="0"\/>/, 'B\'s very next answer has A\'s override');

  const tokens = await A.call('GET', '/api/tokens');
  const id = (tokens.json.tokens as Array<{ token_id: string; imsi: string }>).find((t) => t.imsi === SIM1.imsi)!.token_id;
  const revoked = await A.call('DELETE', `/api/tokens/${id}`);
  assert.equal(revoked.status, 200, revoked.text);
  // No cache anywhere: the first query on B after the revoke on A is already refused (well within 1 s).
  assert.equal((await get(tokenQuery(B, token))).status, 511);
  assert.equal((await get(tokenQuery(A, token))).status, 511);
});

test('activity from both daemons in one query, each record with its node name', async () => {
  const r = await runUe({ url: pub(B), ...SIM2, apps: ['ap2004'] });
  assert.equal(r.final.status, 200, r.final.body);
  await runUe({ url: pub(A), ...SIM2, apps: ['ap2004'] });
  for (const d of [A, B]) {
    const acts = await d.call('GET', `/api/activity?imsi=${SIM2.imsi}&limit=100`);
    assert.equal(acts.status, 200, acts.text);
    const nodes = new Set((acts.json.activities as Array<{ node?: string }>).map((a) => a.node));
    assert.deepEqual([...nodes].sort(), ['node-a', 'node-b']);
  }
});

function sqnOfChallenge(body: string, sim: typeof SIM1): bigint {
  const pkt = decodeEap(Buffer.from((JSON.parse(body) as { 'eap-relay-packet': string })['eap-relay-packet'], 'base64')) as EapAkaPacket;
  const u = usimAuthenticate({ k: sim.k, opc: sim.opc, rand: read.rand(pkt)!, autn: read.autn(pkt)! });
  assert.ok(u.macOk, 'AUTN verifies on the USIM');
  return u.sqn;
}

test('2 × 200 concurrent authentications of one SIM split across A and B: no SQN issued twice (from the USIM side)', async () => {
  const runs = await Promise.all(Array.from({ length: 400 }, (_, i) => runUe({ url: pub(i % 2 ? A : B), ...SIM1, apps: ['ap2004'] })));
  const sqns = runs.map((r) => {
    assert.equal(r.final.status, 200, `authentication answered ${r.final.status}: ${r.final.body} after ${r.steps.map((x) => x.status).join(',')}`);
    return sqnOfChallenge(r.steps[0]!.body, SIM1);
  });
  assert.equal(new Set(sqns.map(String)).size, 400, 'every challenge carried its own SQN');
});

test('a database restart under load: 503 with Retry-After in the gap, no crash, service resumes', async () => {
  let stop = false;
  const seen = new Map<number, number>();
  let retryAfter = 0;
  const worker = async (d: TestDaemon) => {
    while (!stop) {
      try {
        const r = await fetch(`${pub(d)}?EAP_ID=0${SIM1.imsi}%40nai.epc.mnc001.mcc001.3gppnetwork.org&terminal_id=t&app=ap2004&entitlement_version=2`, { headers: { 'user-agent': ANDROID_UA } });
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        if (r.status === 503 && r.headers.get('retry-after')) retryAfter++;
        await r.arrayBuffer();
      } catch (e) {
        seen.set(-1, (seen.get(-1) ?? 0) + 1);
        throw e;
      }
    }
  };
  const until = async (what: string, ok: () => boolean) => {
    const end = Date.now() + 60_000;
    while (!ok()) { if (Date.now() > end) throw new Error(`timed out: ${what} (${JSON.stringify([...seen])})`); await new Promise((r) => setTimeout(r, 20)); }
  };
  const workers = [worker(A), worker(B), worker(A), worker(B)];
  try {
    await until('200s before the restart', () => (seen.get(200) ?? 0) >= 20);
    await cluster.stop('fast');
    await until('503s with Retry-After while the database is down', () => retryAfter >= 20);
    const health = await fetch(`${pub(A)}health`);
    assert.equal(health.status, 503, 'health reports the store down');
    await cluster.start();
    const ok = seen.get(200)!;
    await until('200s after the restart', () => (seen.get(200) ?? 0) >= ok + 20);
  } finally {
    stop = true;
    await Promise.allSettled(workers);
  }
  assert.equal(seen.get(-1), undefined, 'no connection ever failed: the daemons stayed up');
  assert.deepEqual([...seen.keys()].sort(), [200, 503], `only 200 and 503 were answered: ${JSON.stringify([...seen])}`);
  assert.equal((await A.call('GET', '/api/status')).status, 200);
  assert.equal((await B.call('GET', '/api/status')).status, 200);
});

test('an EAP-AKA exchange whose first request reached A and whose POST reaches B completes (no stickiness); the state in the database is sealed', async () => {
  const first = await fetch(firstRequestUrl({ url: pub(A), ...SIM2, apps: ['ap2004'] }), { headers: { accept: 'application/vnd.gsma.eap-relay.v1.0+json', 'user-agent': ANDROID_UA } });
  assert.equal(first.status, 200);
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const challenge = Buffer.from((JSON.parse(await first.text()) as { 'eap-relay-packet': string })['eap-relay-packet'], 'base64');

  // What the database holds for the session in flight: no plaintext key material, a sealed box.
  const held = await cluster.psql("SELECT value::text FROM volatile_records WHERE collection = 'eap_state'", 'two');
  assert.match(held, /"s1\.[A-Za-z0-9_-]+"/, 'session secrets are sealed with the cluster key');

  let peer = startPeer({ imsi: SIM2.imsi, k: new Secret(SIM2.k), opc: new Secret(SIM2.opc), sqnMs: 0n, variant: 'aka', mncLength: 3, identity: naiOf(SIM2.imsi) });
  const step = stepPeer(peer, { type: 'eap', packet: challenge });
  peer = step.state;
  const out = step.actions.find((a) => a.type === 'send');
  assert.ok(out && out.type === 'send', 'the peer answers the challenge');
  const post = await fetch(pub(B), {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.gsma.eap-relay.v1.0+json', accept: ACCEPT_ANDROID, 'user-agent': ANDROID_UA, cookie },
    body: JSON.stringify({ 'eap-relay-packet': out.packet.toString('base64') }),
  });
  const body = await post.text();
  assert.equal(post.status, 200, body);
  assert.match(post.headers.get('content-type') ?? '', /connectivity-xml/, 'B answered the configuration document');
  assert.match(body, /<parm name="token" value="[^"]+"/);
  const sessions = await A.call('GET', '/api/sessions');
  const mine = (sessions.json.sessions as Array<{ imsi: string; state: string }>).filter((x) => x.imsi === SIM2.imsi);
  assert.ok(mine.some((x) => x.state === 'completed'), `A sees the session B completed: ${JSON.stringify(mine)}`);
});
