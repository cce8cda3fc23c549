/**
 * 2 × 200 concurrent authentications of one SIM split across two daemons on one PostgreSQL database
 * (test/pg-daemons.ts): no SQN issued twice, read from the USIM side (SQN recovered from each AUTN).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEap, type EapAkaPacket } from '../src/codec/eap/packet.js';
import { read } from '../src/codec/eap/attributes.js';
import { usimAuthenticate } from '../src/crypto/milenage.js';
import type { TestDaemon } from './daemon-helpers.js';
import { pub, startTwoDaemons, type TwoDaemons } from './pg-daemons.js';
import { SIM1, runUe } from './ts43-harness.js';

let two: TwoDaemons;
let A: TestDaemon;
let B: TestDaemon;
before(async () => { two = await startTwoDaemons(); ({ A, B } = two); }, { timeout: 300_000 });
after(async () => { await two?.stop(); });

function sqnOfChallenge(body: string, sim: typeof SIM1): bigint {
  const pkt = decodeEap(Buffer.from((JSON.parse(body) as { 'eap-relay-packet': string })['eap-relay-packet'], 'base64')) as EapAkaPacket;
  const u = usimAuthenticate({ k: sim.k, opc: sim.opc, rand: read.rand(pkt)!, autn: read.autn(pkt)! });
  assert.ok(u.macOk, 'AUTN verifies on the USIM');
  return u.sqn;
}

test('2 × 200 concurrent authentications of one SIM split across A and B: no SQN issued twice (from the USIM side)', { timeout: 600_000 }, async () => {
  const runs = await Promise.all(Array.from({ length: 400 }, (_, i) => runUe({ url: pub(i % 2 ? A : B), ...SIM1, apps: ['ap2004'] })));
  const sqns = runs.map((r) => {
    assert.equal(r.final.status, 200, `authentication answered ${r.final.status}: ${r.final.body} after ${r.steps.map((x) => x.status).join(',')}`);
    return sqnOfChallenge(r.steps[0]!.body, SIM1);
  });
  assert.equal(new Set(sqns.map(String)).size, 400, 'every challenge carried its own SQN');
});
