import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { deriveSealKey, open, openJson, seal, sealJson, SealError } from './seal.js';

const nonce = Buffer.alloc(12, 7);

test('the key is HKDF-SHA256 of the cluster secret, per purpose', () => {
  const k = deriveSealKey('cluster secret', 'eap_state').reveal();
  assert.deepEqual(k, Buffer.from(hkdfSync('sha256', Buffer.from('cluster secret'), Buffer.from('omnisep seal v1'), Buffer.from('eap_state'), 32)));
  assert.equal(k.length, 32);
  assert.notDeepEqual(deriveSealKey('cluster secret', 'other').reveal(), k);
  assert.notDeepEqual(deriveSealKey('cluster secreT', 'eap_state').reveal(), k);
  assert.throws(() => deriveSealKey('', 'eap_state'), /cluster_secret is empty/);
  assert.equal(String(deriveSealKey('x', 'p')), '[REDACTED]');
});

test('a box is AES-256-GCM: nonce ‖ tag ‖ ciphertext, and opens to the plaintext', () => {
  const key = deriveSealKey('s', 'eap_state');
  const box = seal(key, 'CK and IK here', nonce, 'session-1');
  assert.match(box, /^s1\.[A-Za-z0-9_-]+$/);
  assert.ok(!box.includes('CK and IK'));
  const raw = Buffer.from(box.slice(3), 'base64url');
  const d = createDecipheriv('aes-256-gcm', key.reveal(), raw.subarray(0, 12));
  d.setAAD(Buffer.from('session-1'));
  d.setAuthTag(raw.subarray(12, 28));
  assert.equal(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString(), 'CK and IK here');
  assert.equal(open(key, box, 'session-1').toString(), 'CK and IK here');
  assert.deepEqual(openJson(key, sealJson(key, { a: [1, 'x'] }, randomBytes(12), 'k'), 'k'), { a: [1, 'x'] });
});

test('a wrong key, another record (aad), a flipped bit or garbage do not open', () => {
  const key = deriveSealKey('s', 'eap_state');
  const box = seal(key, Buffer.from('secret'), nonce, 'session-1');
  assert.throws(() => open(deriveSealKey('t', 'eap_state'), box, 'session-1'), SealError);
  assert.throws(() => open(key, box, 'session-2'), SealError);
  const raw = Buffer.from(box.slice(3), 'base64url');
  raw[raw.length - 1]! ^= 1;
  assert.throws(() => open(key, `s1.${raw.toString('base64url')}`, 'session-1'), /authentication failed/);
  assert.throws(() => open(key, 'plain json', 'session-1'), /not a sealed value/);
  assert.throws(() => open(key, 's1.AAAA', 'session-1'), /too short/);
  assert.throws(() => seal(key, 'x', Buffer.alloc(8)), /12 bytes/);
});

test('two boxes of the same value differ with fresh nonces', () => {
  const key = deriveSealKey('s', 'eap_state');
  assert.notEqual(seal(key, 'v', randomBytes(12)), seal(key, 'v', randomBytes(12)));
});
