import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeKeyring, parseKek } from '../crypto/key-wrap.js';
import { isSealed, needsReseal, recordKeys, sameKeys, storedForm, type KeyFields } from './subscriber-keys.js';

const KI = '465b5ce8b199b49faa5f0a2ee238a6bc';
const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';
const plain: KeyFields & { amf: string } = { imsi: '001010000000001', ki: KI, opc: OPC, amf: '8000' };
let n = 0;
const iv = () => Buffer.alloc(12, ++n);

test('subscriber keys: plain → sealed → resealed → plain keeps Ki/OPc and the other fields; nothing in clear while sealed', () => {
  const a = parseKek('11'.repeat(32));
  const b = parseKek('22'.repeat(32));
  const ringA = makeKeyring(a);
  const sealed = storedForm(plain, ringA, iv);
  assert.equal(sealed.kek_id, a.id);
  assert.equal(sealed.ki, '');
  assert.equal(sealed.opc, '');
  assert.equal(sealed.amf, '8000');
  assert.ok(isSealed(sealed));
  assert.ok(!JSON.stringify(sealed).includes(KI) && !JSON.stringify(sealed).includes(OPC));
  assert.equal(recordKeys(sealed, ringA).ki.reveal().toString('hex'), KI);
  assert.equal(needsReseal(sealed, ringA), false);
  assert.equal(needsReseal(plain, ringA), true);

  const ringB = makeKeyring(b, [a]);
  assert.equal(needsReseal(sealed, ringB), true);
  const resealed = storedForm(sealed, ringB, iv);
  assert.equal(resealed.kek_id, b.id);
  assert.ok(sameKeys(resealed, plain, ringB));
  assert.ok(!sameKeys(resealed, { ...plain, ki: OPC }, ringB));

  const back = storedForm(resealed, makeKeyring(null, [b]), iv);
  assert.deepEqual(back, plain);
  assert.equal(needsReseal(back, makeKeyring(null)), false);
  assert.throws(() => recordKeys(resealed, ringA), /sealed with KEK/);
});
