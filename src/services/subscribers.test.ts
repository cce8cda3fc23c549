import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../store/memory-store.js';
import { openCollection } from '../store/collections.js';
import { buildAuts, milenage, sqnFromBuffer } from '../crypto/milenage.js';
import { nextSqn } from '../aka/sqn.js';
import type { AuthVector } from '../aka/types.js';
import { SubscriberService, type SqnRecord, type StoredSubscriber } from './subscribers.js';

/** TS 35.208 test set 1. */
const KI = '465b5ce8b199b49faa5f0a2ee238a6bc';
const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';
const IMSI = '001010000000001';
const k = Buffer.from(KI, 'hex');
const opc = Buffer.from(OPC, 'hex');

/** The SQN as the USIM reads it from AUTN: (SQN ⊕ AK) ⊕ AK, AK = f5(K, RAND) (TS 33.102 §6.3.3). */
function usimSqn(v: AuthVector): bigint {
  const { ak } = milenage(k, opc, v.rand, 0n, 0x8000);
  const conc = v.autn.subarray(0, 6);
  return sqnFromBuffer(Buffer.from(conc.map((b, i) => b ^ ak[i]!)));
}

function setup() {
  let now = 1_700_000_000_000;
  const store = createMemoryStore();
  const svc = new SubscriberService(store, { now: () => now });
  return { store, svc, tick: () => (now += 1000) };
}

test('a vector advances SQN_HE in the sqn collection; the subscriber (keys) record is not rewritten', async () => {
  const { store, svc, tick } = setup();
  await svc.add({ imsi: IMSI, ki: KI, opc: OPC, msisdn: '+15551230001' });
  const subs = openCollection<StoredSubscriber>(store, 'subscribers');
  const before = JSON.stringify(await subs.get(IMSI));
  const writes: string[] = [];
  store.onChange((c) => writes.push(c.collection));
  tick();
  const v = await svc.nextVector(IMSI, randomBytes(16));
  assert.equal(usimSqn(v), nextSqn(0n), 'SEQ+1, IND+1 (TS 33.102 Annex C)');
  assert.equal(JSON.stringify(await subs.get(IMSI)), before, 'keys record untouched');
  assert.deepEqual(writes, ['sqn'], 'one write, to sqn only');
  assert.equal((await openCollection<SqnRecord>(store, 'sqn').get(IMSI))!.sqn, String(nextSqn(0n)));
  const view = await svc.get(IMSI);
  assert.equal(view!.sqn, Number(nextSqn(0n)), 'the view reads SQN_HE from sqn');
  assert.ok(!JSON.stringify(view).includes(KI) && !JSON.stringify(view).includes(OPC), 'no keys in the view');
  assert.deepEqual((await svc.findByMsisdn('+15551230001')).map((s) => s.imsi), [IMSI]);
});

test('an old subscriber record carrying sqn is honoured: the larger of the two is the base', async () => {
  const { store, svc } = setup();
  // A record as written before SQN moved out (data directory of an older omnisep).
  const old: StoredSubscriber = { imsi: IMSI, msisdn: null, ki: KI, opc: OPC, opc_source: 'opc', amf: '8000', sqn: String(1000n * 32n + 7n), created_at: 1, updated_at: 1 };
  await openCollection<StoredSubscriber>(store, 'subscribers').put(IMSI, old);
  assert.equal((await svc.get(IMSI))!.sqn, 1000 * 32 + 7);
  const v1 = await svc.nextVector(IMSI, randomBytes(16));
  assert.equal(usimSqn(v1), nextSqn(1000n * 32n + 7n));
  // And when the sqn record is ahead, it wins.
  await openCollection<SqnRecord>(store, 'sqn').put(IMSI, { sqn: String(5000n * 32n), updated_at: 2 });
  const v2 = await svc.nextVector(IMSI, randomBytes(16));
  assert.equal(usimSqn(v2), nextSqn(5000n * 32n));
});

test('200 concurrent vectors for one SIM: 200 distinct SQNs, each above the last SQN_HE, none reused', async () => {
  const { svc } = setup();
  await svc.add({ imsi: IMSI, ki: KI, opc: OPC });
  const vs = await Promise.all(Array.from({ length: 200 }, () => svc.nextVector(IMSI, randomBytes(16))));
  const sqns = vs.map(usimSqn);
  assert.equal(new Set(sqns.map(String)).size, 200, 'no SQN issued twice');
  let expect = 0n;
  const sorted = [...sqns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const s of sorted) assert.equal(s, (expect = nextSqn(expect)), 'a gapless chain of nextSqn');
  assert.equal(BigInt((await svc.get(IMSI))!.sqn), sorted.at(-1));
});

test('replace and remove never move SQN_HE backwards; a resync moves it to SQN_MS, a stale AUTS does not lower it', async () => {
  const { svc } = setup();
  await svc.add({ imsi: IMSI, ki: KI, opc: OPC, sqn: 64 });
  await svc.nextVector(IMSI, randomBytes(16));
  const he = BigInt((await svc.get(IMSI))!.sqn);
  await svc.add({ imsi: IMSI, ki: KI, opc: OPC }, { replace: true }); // sqn 0 given
  assert.equal(BigInt((await svc.get(IMSI))!.sqn), he, 'replace kept SQN_HE');
  assert.ok(await svc.remove(IMSI));
  await svc.add({ imsi: IMSI, ki: KI, opc: OPC });
  assert.equal(BigInt((await svc.get(IMSI))!.sqn), he, 'the same SIM added again continues above what it has seen');

  // Resync (TS 33.102 §6.3.5): the USIM is at SQN_MS far ahead.
  const v = await svc.nextVector(IMSI, randomBytes(16));
  const sqnMs = 900n * 32n + 3n;
  const fresh = await svc.nextVector(IMSI, randomBytes(16), { rand: v.rand, auts: buildAuts({ k, opc, rand: v.rand, sqnMs }) });
  assert.equal(usimSqn(fresh), nextSqn(sqnMs));
  // A stale AUTS (SQN_MS below SQN_HE) verifies but must not lower SQN_HE.
  const heNow = BigInt((await svc.get(IMSI))!.sqn);
  const stale = await svc.nextVector(IMSI, randomBytes(16), { rand: v.rand, auts: buildAuts({ k, opc, rand: v.rand, sqnMs: 100n }) });
  assert.equal(usimSqn(stale), nextSqn(heNow));
  // A forged AUTS is refused and leaves SQN_HE alone.
  await assert.rejects(svc.nextVector(IMSI, randomBytes(16), { rand: v.rand, auts: randomBytes(14) }), /MAC-S/);
  assert.equal(BigInt((await svc.get(IMSI))!.sqn), nextSqn(heNow));
  await assert.rejects(svc.nextVector('001019999999999', randomBytes(16)), /no subscriber/);
});

test('list pages in IMSI order with after/limit', async () => {
  const { svc } = setup();
  for (let i = 5; i >= 1; i--) await svc.add({ imsi: `00101000000000${i}`, ki: KI, opc: OPC });
  const first = await svc.list({ limit: 2 });
  assert.deepEqual(first.map((s) => s.imsi), ['001010000000001', '001010000000002']);
  const next = await svc.list({ after: first.at(-1)!.imsi, limit: 10 });
  assert.deepEqual(next.map((s) => s.imsi), ['001010000000003', '001010000000004', '001010000000005']);
  assert.equal(await svc.count(), 5);
});

test('MSISDNs are stored in E.164 (subscribers.country_code reads national numbers); lookups normalise the same way and still find old records', async () => {
  const store = createMemoryStore();
  const de = new SubscriberService(store, { now: () => 0 }, { countryCode: 'DE' });
  const plain = new SubscriberService(store, { now: () => 0 });
  assert.equal((await de.add({ imsi: '262010000000001', ki: KI, opc: OPC, msisdn: '0170 1234567' })).msisdn, '+491701234567');
  assert.equal((await plain.add({ imsi: '001010000000002', ki: KI, opc: OPC, msisdn: '15559990001' })).msisdn, '+15559990001');
  assert.equal((await plain.add({ imsi: '001010000000003', ki: KI, opc: OPC, msisdn: '+15559990002' })).msisdn, '+15559990002');
  await assert.rejects(plain.add({ imsi: '001010000000004', ki: KI, opc: OPC, msisdn: '0170 1234567' }), /msisdn "0170 1234567" is not an E\.164 number: no such country calling code/);
  assert.deepEqual((await de.findByMsisdn('01701234567')).map((s) => s.imsi), ['262010000000001']);
  assert.deepEqual((await plain.findByMsisdn('+49 170 1234567')).map((s) => s.imsi), ['262010000000001']);
  assert.deepEqual((await plain.findByMsisdn('15559990002')).map((s) => s.imsi), ['001010000000003']);
  // A record stored as typed before normalisation: found by either form, and a re-import of the same row is unchanged.
  const stored = (await openCollection<StoredSubscriber>(store, 'subscribers').get('001010000000002'))!;
  await openCollection<StoredSubscriber>(store, 'subscribers').put('001010000000005', { ...stored, imsi: '001010000000005', msisdn: '15550000005' });
  assert.deepEqual((await plain.findByMsisdn('+15550000005')).map((s) => s.imsi), ['001010000000005']);
  assert.deepEqual((await plain.findByMsisdn('15550000005')).map((s) => s.imsi), ['001010000000005']);
  const again = await plain.applyBatch([{ line: 2, imsi: '001010000000005', ki: KI, opc: OPC, msisdn: '15550000005' }]);
  assert.equal(again.unchanged, 1, JSON.stringify(again));
  const bad = await plain.applyBatch([{ line: 7, imsi: '001010000000006', ki: KI, opc: OPC, msisdn: '017' }]);
  assert.deepEqual(bad.rejected.map((r) => [r.line, r.code]), [[7, 'invalid']]);
  assert.match(bad.rejected[0]!.error, /msisdn "017" is not an E\.164 number/);
});
