import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../client/errors.js';
import { optionsFromFlags, parseApps, parseKey, parseSqn, type SimulateFlagValues } from './options.js';

// TS 35.208 §4.3 test set 1: K, OP and the OPc computed from them.
const K = '465b5ce8b199b49faa5f0a2ee238a6bc';
const OP = 'cdc202d5123e20f62b6d676ac72cb318';
const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';

const flags = (over: Partial<SimulateFlagValues> = {}): SimulateFlagValues => ({
  url: 'http://127.0.0.1:9014/',
  imsi: '001010000000001',
  ki: K,
  opc: OPC,
  sqn: '0',
  app: 'ap2004',
  'aka-prime': false,
  post: false,
  accept: 'xml',
  'mnc-length': 2,
  'entitlement-version': '2.0',
  vers: '0',
  'token-reauth': true,
  insecure: false,
  timeout: 1000,
  ...over,
});

test('--op gives the OPc of TS 35.208 test set 1; keys are Secrets', () => {
  const o = optionsFromFlags(flags({ opc: undefined, op: OP }));
  assert.equal(o.opc.reveal().toString('hex'), OPC);
  assert.equal(String(o.ki), '[REDACTED]');
  assert.equal(JSON.stringify({ k: o.ki }), '{"k":"[REDACTED]"}');
});

test('usage errors say what is wrong and never echo a key', () => {
  const secretish = 'deadbeefdeadbeefdeadbeefdeadbe';
  const err = (() => {
    try {
      parseKey(secretish, 'ki');
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(err instanceof UsageError);
  assert.match(err.message, /--ki must be 32 hex digits \(128 bits\), got 30 characters/);
  assert.ok(!err.message.includes(secretish));
  assert.throws(() => optionsFromFlags(flags({ op: OP })), /--opc or --op, not both/);
  assert.throws(() => optionsFromFlags(flags({ opc: undefined })), /missing --opc/);
  assert.throws(() => optionsFromFlags(flags({ imsi: '1234' })), /expected exactly 15 digits/);
  assert.throws(() => optionsFromFlags(flags({ url: 'ftp://x/' })), /http:\/\/ or https:\/\//);
  assert.throws(() => optionsFromFlags(flags({ amf: '80' })), /--amf must be 4 hex digits/);
});

test('SQN decimal or 0x-hex within 48 bits; app lists', () => {
  assert.equal(parseSqn('32'), 32n);
  assert.equal(parseSqn('0x000000000020'), 32n);
  assert.equal(parseSqn('0xffffffffffff'), (1n << 48n) - 1n);
  assert.throws(() => parseSqn('281474976710656'), /48 bits/);
  assert.throws(() => parseSqn('-1'), UsageError);
  assert.deepEqual(parseApps('AP2004, ap2003,ap2004'), ['ap2004', 'ap2003']);
  assert.throws(() => parseApps('vowifi'), /not a TS.43 app id/);
  assert.throws(() => parseApps(','), /at least one app id/);
});
