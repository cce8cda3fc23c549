import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './line-splitter.js';

/** A splitter that collects what it is handed: [text, offset] per line. */
function collect(start = 0) {
  const got: Array<[string, number]> = [];
  const views: Buffer[] = [];
  const s = new LineSplitter(start, (line, off) => {
    got.push([line.toString('utf8'), off]);
    views.push(line);
  });
  return { s, got, views };
}

test('LineSplitter: complete lines of each chunk with their offsets, a cut line held for the next chunk', () => {
  const { s, got } = collect(100);
  s.push(Buffer.from('{"a":1}\n\n{"b":2}\n{"c"'));
  assert.deepEqual(got, [['{"a":1}', 100], ['', 108], ['{"b":2}', 109]]);
  assert.equal(s.rest.toString(), '{"c"');
  assert.equal(s.restOffset, 117);
  s.push(Buffer.from(':3'));
  assert.equal(got.length, 3, 'no newline yet: nothing complete');
  assert.equal(s.rest.toString(), '{"c":3');
  s.push(Buffer.from('}\n{"d":4}\n'));
  assert.deepEqual(got.slice(3), [['{"c":3}', 117], ['{"d":4}', 125]]);
  assert.equal(s.rest.length, 0);
  assert.equal(s.restOffset, 133);
  s.push(Buffer.from('tail'));
  assert.equal(s.rest.toString(), 'tail', 'an unterminated last line is the rest');
  assert.equal(s.restOffset, 133);
});

test('LineSplitter: a multi-byte character cut between chunks comes out whole (0x0a is never inside one)', () => {
  const bytes = Buffer.from('{"x":"é€😀"}\n{"y":"ü"}\n', 'utf8');
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { s, got } = collect();
    s.push(bytes.subarray(0, cut));
    s.push(bytes.subarray(cut));
    assert.deepEqual(got, [['{"x":"é€😀"}', 0], ['{"y":"ü"}', bytes.indexOf(0x0a) + 1]], `cut at ${cut}`);
  }
});

test('LineSplitter: a line inside one chunk is a view into it (no copy); a line across chunks is its own copy', () => {
  const chunk = Buffer.from('{"a":1}\n{"b"');
  const { s, views } = collect();
  s.push(chunk);
  const next = Buffer.from(':2}\n');
  s.push(next);
  const [a, b] = views;
  assert.equal(b!.toString(), '{"b":2}');
  chunk[5] = 0x32; // '1' → '2' in the chunk: the view sees it
  chunk[10] = 0x63; // the held start of the cut line: a copy was joined, not the chunk
  next[1] = 0x33; // '2' → '3' in the second chunk: the joined copy does not see it
  assert.equal(a!.toString(), '{"a":2}');
  assert.equal(b!.toString(), '{"b":2}');
});
