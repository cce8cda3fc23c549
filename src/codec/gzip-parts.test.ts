import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { GzipTemplate, plainGzipFirst } from './gzip-parts.js';

const DOC = ['<?xml version="1.0"?><wap-provisioningdoc version="1.1"><characteristic type="TOKEN"><parm name="token" value="', '"/><parm name="validity" value="', '"/></characteristic>' + '<characteristic type="APPLICATION"><parm name="AppID" value="ap2004"/></characteristic>'.repeat(20) + '</wap-provisioningdoc>'];

test('gzip template: the member inflates to the text, with the CRC-32 and length zlib checks', () => {
  const t = new GzipTemplate(DOC);
  const values = ['AAECAwQFBgcICQoLDA0ODw-_AAECAwQFBgcICQoLDA0', '3599'];
  const gz = t.gzip(values);
  const text = DOC[0] + values[0] + DOC[1] + values[1] + DOC[2];
  assert.equal(gunzipSync(gz).toString('utf8'), text); // gunzip verifies CRC-32 and ISIZE
  assert.equal(t.byteLength(values), Buffer.byteLength(text));
  assert.deepEqual([...gz.subarray(0, 3)], [0x1f, 0x8b, 0x08]);
  assert.ok(gz.length < text.length / 3, `${gz.length} bytes for ${text.length}: the fixed pieces are compressed`);
});

test('gzip template: empty pieces and values, multi-byte text, values longer than one stored block', () => {
  const long = 'é'.repeat(40_000); // 80,000 bytes: two stored blocks
  for (const [statics, values] of [
    [[''], []],
    [['', ''], ['']],
    [['', 'tail'], ['head']],
    [['ä<', '>ö', ''], ['Ω', long]],
  ] as Array<[string[], string[]]>) {
    const gz = new GzipTemplate(statics).gzip(values);
    const text = statics.map((s, i) => s + (values[i] ?? '')).join('');
    assert.equal(gunzipSync(gz).toString('utf8'), text);
  }
});

test('gzip template: any pieces and values round-trip (property)', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 6 }), fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 6 }), (statics, vs) => {
    const values = statics.slice(1).map((_, i) => vs[i] ?? '');
    const text = statics.map((s, i) => s + (values[i] ?? '')).join('');
    assert.equal(gunzipSync(new GzipTemplate(statics).gzip(values)).toString('utf8'), text);
  }), { numRuns: 300 });
});

test('gzip template: gzipIfAtLeast answers null below the size and the same member at or above it', () => {
  const t = new GzipTemplate(DOC);
  const values = ['tök', '3599'];
  const bytes = t.byteLength(values);
  assert.equal(t.gzipIfAtLeast(values, bytes + 1), null);
  const at = t.gzipIfAtLeast(values, bytes);
  assert.ok(at);
  assert.deepEqual(at, t.gzip(values));
  assert.equal(gunzipSync(at).toString('utf8'), DOC[0] + values[0] + DOC[1] + values[1] + DOC[2]);
  // A template used again with values of other lengths (its scratch lengths reused) still adds up.
  for (const v of [['', ''], ['x'.repeat(70_000), 'é'], ['a', 'b']]) assert.equal(gunzipSync(t.gzip(v)).toString('utf8'), DOC[0] + v[0] + DOC[1] + v[1] + DOC[2]);
});

test('gzip template: the wrong number of values is refused', () => {
  assert.throws(() => new GzipTemplate(DOC).gzip(['one']), /takes 2 values, got 1/);
  assert.throws(() => new GzipTemplate([]), /at least one/);
});

test('gzip template: the deflate stream is well formed for a strict inflater and for gzip(1)', () => {
  const gz = new GzipTemplate(DOC).gzip(['tok', '12']);
  // The raw deflate stream alone (header and trailer stripped) inflates: every block is valid on its own.
  assert.match(inflateRawSync(gz.subarray(10, -8)).toString(), /value="tok"/);
  const r = spawnSync('gzip', ['-t'], { input: gz });
  if (r.error) return; // gzip(1) not installed: zlib's own check above stands
  assert.equal(r.status, 0, String(r.stderr));
});

test('Accept-Encoding: only a plain gzip-first header takes the precompressed path', () => {
  for (const h of ['gzip', 'GZIP', 'gzip, deflate', 'gzip,deflate,br', ' x-gzip , deflate']) assert.equal(plainGzipFirst(h), true, h);
  for (const h of [undefined, '', 'deflate, gzip', 'gzip;q=0', 'gzip, deflate;q=1', 'br', 'identity', '*', 'gzip;q=1.0']) assert.equal(plainGzipFirst(h), false, String(h));
});
