import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { ownString, ownStringOrNull } from './own-string.js';

/** How many strings of the heap hold `marker` and are longer than `min` characters (a snapshot names a string by its first 1,024 or so). */
function bigStringsWith(marker: string, min: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-own-string-'));
  try {
    const h = JSON.parse(readFileSync(writeHeapSnapshot(join(dir, 'h.heapsnapshot')), 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
    const f = h.snapshot.meta.node_fields;
    const [width, type, name] = [f.length, f.indexOf('type'), f.indexOf('name')];
    let n = 0;
    for (let i = 0; i < h.nodes.length; i += width) {
      if (!h.snapshot.meta.node_types[0][h.nodes[i + type]!]!.includes('string')) continue;
      const text = h.strings[h.nodes[i + name]!]!;
      if (text.length > min && text.includes(marker)) n++;
    }
    return n;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ownString keeps the text and not the string it was cut from (a heap snapshot); a cut kept as it is keeps its parent', () => {
  const marker = `zqParent${process.pid}`;
  const make = () => `/?EAP_ID=0001010123456789%40nai&terminal_id=${marker}-terminal-0123456789&pad=${'x'.repeat(4000)}`;
  const cut = (url: string) => url.slice(url.indexOf(marker), url.indexOf('&pad'));
  const raw: string[] = [];
  const own: string[] = [];
  for (let i = 0; i < 3; i++) raw.push(cut(make() + String(i)));
  assert.equal(bigStringsWith(marker, 900), 3, 'each cut kept as it is holds its 4 KB parent');
  raw.length = 0;
  for (let i = 0; i < 3; i++) own.push(ownString(cut(make() + String(i))));
  assert.equal(bigStringsWith(marker, 900), 0, 'an own copy holds none');
  assert.deepEqual(own, Array.from({ length: 3 }, () => `${marker}-terminal-0123456789`));
  for (const s of ['', 'short', 'exactly13char', 'é€😀 and more than thirteen', '\ud800 lone surrogate here']) assert.equal(ownString(s), s);
  assert.equal(ownStringOrNull(null), null);
});
