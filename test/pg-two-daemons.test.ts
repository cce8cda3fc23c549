/**
 * Two real daemons on one PostgreSQL 15 database (test/pg-daemons.ts): `status` (API and CLI) shows the driver,
 * the URL without its password, the schema version and the pool; a token issued by A is accepted by B; revoked on
 * A, B answers 511 on its very next query; an entitlement set on A is in B's next answer; activity from both
 * daemons in one query with their node names; an EAP-AKA exchange whose first request reached A and whose POST
 * reaches B completes, with its state sealed in the database.
 * The 2 × 200 SQN case and the database restart are in pg-two-daemons-sqn / -restart.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPeer, stepPeer } from '../src/fsm/eap-aka-peer.js';
import { Secret } from '../src/util/secret.js';
import type { TestDaemon } from './daemon-helpers.js';
import { runCli } from './cli-harness.js';
import { PG_PASSWORD, type PgCluster } from './pg-cluster.js';
import { pub, startTwoDaemons, type TwoDaemons } from './pg-daemons.js';
import { ACCEPT_ANDROID, ANDROID_UA, SIM1, SIM2, firstRequestUrl, naiOf, runUe } from './ts43-harness.js';

const tokenQuery = (d: TestDaemon, token: string) =>
  `${pub(d)}?IMSI=${SIM1.imsi}&token=${encodeURIComponent(token)}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims`;
const get = (u: string) => fetch(u, { headers: { 'user-agent': ANDROID_UA } });

let two: TwoDaemons;
let cluster: PgCluster;
let A: TestDaemon;
let B: TestDaemon;
before(async () => { two = await startTwoDaemons(); ({ cluster, A, B } = two); }, { timeout: 300_000 });
after(async () => { await two?.stop(); });

test('status shows the postgres driver, the URL without its password, the schema version, the pool and the pipelined connections', async () => {
  const s = await B.call('GET', '/api/status');
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.storage.driver, 'postgres');
  assert.match(s.json.storage.location, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/two$/);
  assert.equal(s.json.storage.schema_version, 1);
  assert.equal(s.json.storage.pool.max, 10);
  assert.deepEqual(s.json.storage.pipelines, { open: 2, max: 2 });
  assert.ok(!s.text.includes(PG_PASSWORD));
  const cli = await runCli(['status', '--socket', A.socket]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /driver\s+postgres/);
  assert.match(cli.stdout, /location\s+postgres:\/\/postgres@127\.0\.0\.1:\d+\/two/);
  assert.match(cli.stdout, /schema_version\s+1/);
  assert.match(cli.stdout, /pool\s+\d+ open, \d+ idle, \d+ waiting, max 10/);
  assert.match(cli.stdout, /pipelined\s+off \(storage\.pipelines 0\)/, 'A sends every statement through its pool');
  const cliB = await runCli(['status', '--socket', B.socket]);
  assert.match(cliB.stdout, /pipelined\s+2 of 2 open/);
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
  const cli = await runCli(['activity', 'ls', '--imsi', SIM2.imsi, '--limit', '100', '--socket', B.socket], { env: { COLUMNS: '250' } });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /\bnode\b/);
  assert.match(cli.stdout, /node-a/);
  assert.match(cli.stdout, /node-b/);
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
