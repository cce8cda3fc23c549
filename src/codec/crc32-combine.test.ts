import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32Combine, crc32Shift } from './crc32-combine.js';

test('crc32 combine: the check value of CRC-32/ISO-HDLC from its halves ("123456789" → cbf43926)', () => {
  // The catalogue check value of the gzip CRC; the halves' CRCs come from zlib.
  const a = Buffer.from('1234'), b = Buffer.from('56789');
  assert.equal(crc32Combine(crc32(a), crc32(b), crc32Shift(b.length)), 0xcbf43926);
});

test('crc32 combine: equals zlib over the concatenation, any two buffers (property)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 5000 }), (a, b) => {
    assert.equal(crc32Combine(crc32(a), crc32(b), crc32Shift(b.length)), crc32(Buffer.concat([a, b])));
  }), { numRuns: 400 });
});

test('crc32 combine: an empty second part leaves the CRC as it was; an empty first part gives the second', () => {
  const c = crc32('entitlement');
  assert.equal(crc32Combine(c, 0, crc32Shift(0)), c);
  assert.equal(crc32Combine(0, c, crc32Shift(11)), c);
});

test('crc32 shift: long runs (a 5 MB part) combine as zlib computes them', () => {
  const b = Buffer.alloc(5_000_003, 0x5a);
  const a = Buffer.from('head');
  assert.equal(crc32Combine(crc32(a), crc32(b), crc32Shift(b.length)), crc32(Buffer.concat([a, b])));
  assert.throws(() => crc32Shift(-1), RangeError);
  assert.throws(() => crc32Shift(1.5), RangeError);
});
