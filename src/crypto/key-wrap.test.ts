import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyWrapError, makeKeyring, openKeys, parseKek, sealKeys } from './key-wrap.js';

// Vector computed independently with python3 `cryptography` (AESGCM) from the layout in key-wrap.ts:
// KEK 00..1f, IV cafebabefacedbaddecaf888, IMSI 001010000000001, Ki/OPc of TS 35.208 test set 1.
const KEK_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KI = Buffer.from('465b5ce8b199b49faa5f0a2ee238a6bc', 'hex');
const OPC = Buffer.from('cd63cb71954a9f4e48a5994e37a02baf', 'hex');
const IV = Buffer.from('cafebabefacedbaddecaf888', 'hex');
const IMSI = '001010000000001';
const SEALED = 'yv66vvrO263eyviIzPj8zhvj+4TsVFfzmSUvg8BDCyBKU/U6BnqdP4kpTlAhJ44cKnti4VgupAFSKReD';

test('key-wrap: KEK id and sealed blob match the independent vector; it opens to Ki and OPc', () => {
  const kek = parseKek(KEK_HEX);
  assert.equal(kek.id, '3137b38a');
  assert.equal(sealKeys(kek, IMSI, { ki: KI, opc: OPC }, IV), SEALED);
  const ring = makeKeyring(kek);
  const k = openKeys(ring, kek.id, IMSI, SEALED);
  assert.deepEqual(k.ki.reveal(), KI);
  assert.deepEqual(k.opc.reveal(), OPC);
  assert.equal(JSON.stringify(k), '{"ki":"[REDACTED]","opc":"[REDACTED]"}');
});

test('key-wrap: the KEK in base64 and base64url is the same KEK; other texts are refused without echoing them', () => {
  const b = Buffer.from(KEK_HEX, 'hex');
  assert.equal(parseKek(b.toString('base64')).id, '3137b38a');
  assert.equal(parseKek(` ${b.toString('base64url')}\n`).id, '3137b38a');
  for (const bad of ['', 'abcd', KEK_HEX.slice(2), `${KEK_HEX}00`, 'z'.repeat(64)]) {
    assert.throws(() => parseKek(bad), (e: unknown) => e instanceof KeyWrapError && e.code === 'OMNISEP_KEK_INVALID' && (!bad || !e.message.includes(bad)));
  }
});

test('key-wrap: an unknown KEK id, a wrong KEK, another IMSI or a flipped bit are clear errors', () => {
  const kek = parseKek(KEK_HEX);
  const other = parseKek('ff'.repeat(32));
  assert.throws(() => openKeys(makeKeyring(other), kek.id, IMSI, SEALED), (e: unknown) => e instanceof KeyWrapError && e.code === 'OMNISEP_KEK_UNKNOWN' && e.message.includes('3137b38a') && e.message.includes(other.id));
  assert.throws(() => openKeys(makeKeyring(null), kek.id, IMSI, SEALED), /no KEK is configured/);
  // The right id but another key behind it (a KEK file edited in place): the tag does not verify.
  const impostor = { id: kek.id, key: other.key };
  assert.throws(() => openKeys(makeKeyring(impostor), kek.id, IMSI, SEALED), (e: unknown) => e instanceof KeyWrapError && e.code === 'OMNISEP_KEK_OPEN_FAILED');
  assert.throws(() => openKeys(makeKeyring(kek), kek.id, '001010000000002', SEALED), /do not verify/);
  const raw = Buffer.from(SEALED, 'base64');
  raw[20]! ^= 1;
  assert.throws(() => openKeys(makeKeyring(kek), kek.id, IMSI, raw.toString('base64')), /do not verify/);
  assert.throws(() => openKeys(makeKeyring(kek), kek.id, IMSI, 'AAAA'), /bytes, not 60/);
});

test('key-wrap: a keyring opens with a previous KEK and seals with the current one', () => {
  const oldK = parseKek(KEK_HEX);
  const newK = parseKek('ab'.repeat(32));
  const ring = makeKeyring(newK, [oldK]);
  assert.equal(ring.current?.id, newK.id);
  assert.deepEqual(openKeys(ring, oldK.id, IMSI, SEALED).ki.reveal(), KI);
  const resealed = sealKeys(ring.current!, IMSI, { ki: KI, opc: OPC }, Buffer.alloc(12, 7));
  assert.deepEqual(openKeys(makeKeyring(newK), newK.id, IMSI, resealed).opc.reveal(), OPC);
});
