import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLines, type LineItem } from './line-stream.js';

async function collect(chunks: Array<string | Buffer>, max = 16): Promise<LineItem[]> {
  async function* src() {
    for (const c of chunks) yield c;
  }
  const out: LineItem[] = [];
  for await (const l of readLines(src(), max)) out.push(l);
  return out;
}

test('line-stream: lines split across chunks, CRLF, a last line without newline, empty lines numbered', async () => {
  assert.deepEqual(await collect(['ab', 'c\r\n\nd', 'ef\ng']), [
    { kind: 'line', line: 1, text: 'abc' },
    { kind: 'line', line: 2, text: '' },
    { kind: 'line', line: 3, text: 'def' },
    { kind: 'line', line: 4, text: 'g' },
  ]);
  assert.deepEqual(await collect([]), []);
});

test('line-stream: a line over the bound is reported with its number and length, the next line is intact', async () => {
  assert.deepEqual(await collect(['0123456789abcdef\n', '0123456789abcdefX', 'YZ\nok\n']), [
    { kind: 'line', line: 1, text: '0123456789abcdef' },
    { kind: 'too_long', line: 2, bytes: 19 },
    { kind: 'line', line: 3, text: 'ok' },
  ]);
});

test('line-stream: invalid UTF-8 is reported per line, a character split across chunks is fine', async () => {
  const e = Buffer.from('é');
  assert.deepEqual(await collect([Buffer.from([0x61, e[0]!]), Buffer.from([e[1]!, 0x0a, 0xff, 0xfe, 0x0a, 0xc3, 0x0a])]), [
    { kind: 'line', line: 1, text: 'aé' },
    { kind: 'bad_utf8', line: 2 },
    { kind: 'bad_utf8', line: 3 },
  ]);
});

test('line-stream: a 2 GiB line streamed through (never on disk) is skipped in bounded memory', async () => {
  const MiB = Buffer.alloc(1 << 20, 0x61); // one buffer yielded 2048 times: the test itself holds 1 MiB
  const total = 2048;
  async function* src() {
    yield 'imsi,ki\n';
    for (let i = 0; i < total; i++) yield MiB;
    yield '\nnext\n';
  }
  const before = process.memoryUsage().rss;
  let peak = before;
  const out: LineItem[] = [];
  const reader = readLines(src(), 4096);
  for await (const l of reader) {
    out.push(l);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.deepEqual(out, [
    { kind: 'line', line: 1, text: 'imsi,ki' },
    { kind: 'too_long', line: 2, bytes: total * (1 << 20) },
    { kind: 'line', line: 3, text: 'next' },
  ]);
  assert.equal(reader.bytesRead, 8 + total * (1 << 20) + 6);
  assert.ok(peak - before < 64 * (1 << 20), `RSS grew ${((peak - before) / 2 ** 20).toFixed(1)} MiB`);
});
