/**
 * EAP-AKA' vectors carry the AMF separation bit whatever AMF is stored (RFC 5448 §3, TS 33.402 §6.2): a SIM
 * provisioned with AMF 0000 can use EAP-AKA' (the peer refuses an AUTN without the bit), while its EAP-AKA
 * vectors keep the stored AMF. The USIM side recovers the AMF from AUTN and checks MAC-A over it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../store/memory-store.js';
import { LocalVectorSource, SubscriberService, withSeparationBit } from './subscribers.js';
import { usimAuthenticate } from '../crypto/milenage.js';

// TS 35.208 test set 1 keys.
const K = '465b5ce8b199b49faa5f0a2ee238a6bc';
const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';

test('withSeparationBit sets only the top bit of the first AMF octet', () => {
  assert.equal(withSeparationBit('0000').toString('hex'), '8000');
  assert.equal(withSeparationBit('8000').toString('hex'), '8000');
  assert.equal(withSeparationBit('1234').toString('hex'), '9234');
});

test("a SIM stored with AMF 0000: AKA' vectors carry AMF 8000 with a MAC-A the USIM verifies; AKA vectors keep 0000", async () => {
  const subs = new SubscriberService(createMemoryStore());
  await subs.add({ imsi: '001010000000099', ki: K, opc: OPC, amf: '0000' });
  const src = new LocalVectorSource(subs, randomBytes);
  const prime = await src.getVector({ imsi: '001010000000099', variant: 'aka-prime' });
  const usim = usimAuthenticate({ k: Buffer.from(K, 'hex'), opc: Buffer.from(OPC, 'hex'), rand: prime.rand, autn: prime.autn });
  assert.equal(usim.amf.toString('hex'), '8000');
  assert.equal(usim.macOk, true);
  const plain = await src.getVector({ imsi: '001010000000099', variant: 'aka' });
  const u2 = usimAuthenticate({ k: Buffer.from(K, 'hex'), opc: Buffer.from(OPC, 'hex'), rand: plain.rand, autn: plain.autn });
  assert.equal(u2.amf.toString('hex'), '0000');
  assert.equal(u2.macOk, true);
  assert.ok(u2.sqn > usim.sqn, 'each vector takes the next SQN');
});
