import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startsWithBytes, trimBlanks } from './ndjson-lines.js';

test('trimBlanks: spaces, tabs and a CR off both ends; the same buffer when there are none; empty when all blank', () => {
  assert.equal(trimBlanks(Buffer.from('  {"b":2} \r')).toString(), '{"b":2}');
  const clean = Buffer.from('{"a":1}');
  assert.equal(trimBlanks(clean), clean);
  assert.equal(trimBlanks(Buffer.from(' \t\r')).length, 0);
  assert.equal(trimBlanks(Buffer.alloc(0)).length, 0);
});

test('startsWithBytes: at an offset, and never past the end', () => {
  const b = Buffer.from('{"kind":"activity",');
  assert.equal(startsWithBytes(b, Buffer.from('{"kind":')), true);
  assert.equal(startsWithBytes(b, Buffer.from('"activity",'), 8), true);
  assert.equal(startsWithBytes(b, Buffer.from('"activity",x'), 8), false, 'longer than what is left');
  assert.equal(startsWithBytes(b, Buffer.from('{"kinx')), false);
  assert.equal(startsWithBytes(b, Buffer.alloc(0), b.length), true);
});
