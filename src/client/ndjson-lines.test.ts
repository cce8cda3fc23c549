import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, startsWithBytes } from './ndjson-lines.js';

const text = (lines: Buffer[]) => lines.map((l) => l.toString('utf8'));

test('LineSplitter: complete lines of each chunk, blanks and empty lines dropped, a cut line held for the next chunk', () => {
  const s = new LineSplitter();
  assert.deepEqual(text(s.push(Buffer.from('{"a":1}\n\n  {"b":2} \r\n{"c"'))), ['{"a":1}', '{"b":2}']);
  assert.equal(s.pending, 4);
  assert.deepEqual(text(s.push(Buffer.from(':3'))), [], 'no newline yet: nothing complete');
  assert.equal(s.pending, 6);
  assert.deepEqual(text(s.push(Buffer.from('}\n{"d":4}\n'))), ['{"c":3}', '{"d":4}']);
  assert.equal(s.pending, 0);
  assert.deepEqual(text(s.push(Buffer.from('\n\r\n \n'))), [], 'blank lines only');
});

test('LineSplitter: a multi-byte character cut between chunks comes out whole (0x0a is never inside one)', () => {
  const bytes = Buffer.from('{"x":"é€😀"}\n{"y":"ü"}\n', 'utf8');
  for (let cut = 1; cut < bytes.length; cut++) {
    const s = new LineSplitter();
    const got = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))];
    assert.deepEqual(text(got), ['{"x":"é€😀"}', '{"y":"ü"}'], `cut at ${cut}`);
  }
});

test('LineSplitter: a line inside one chunk is a view into it (no copy); a line across chunks is its own copy', () => {
  const chunk = Buffer.from('{"a":1}\n{"b"');
  const s = new LineSplitter();
  const [a] = s.push(chunk);
  const next = Buffer.from(':2}\n');
  const [b] = s.push(next);
  assert.equal(b!.toString(), '{"b":2}');
  chunk[5] = 0x32; // '1' → '2' in the chunk: the view sees it
  next[1] = 0x33; // '2' → '3' in the second chunk: the joined copy does not
  assert.equal(a!.toString(), '{"a":2}');
  assert.equal(b!.toString(), '{"b":2}');
});

test('startsWithBytes: at an offset, and never past the end', () => {
  const b = Buffer.from('{"kind":"activity",');
  assert.equal(startsWithBytes(b, Buffer.from('{"kind":')), true);
  assert.equal(startsWithBytes(b, Buffer.from('"activity",'), 8), true);
  assert.equal(startsWithBytes(b, Buffer.from('"activity",x'), 8), false, 'longer than what is left');
  assert.equal(startsWithBytes(b, Buffer.from('{"kinx')), false);
  assert.equal(startsWithBytes(b, Buffer.alloc(0), b.length), true);
});
