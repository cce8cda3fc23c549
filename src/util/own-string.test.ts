import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownString, ownStringOrNull } from './own-string.js';
import { bigStringsWith, stringsWith } from '../../test/heap-strings.js';

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
  // And is a flat string, not a slice of a private copy (a slice costs 32 bytes more for every string kept this way).
  assert.deepEqual(stringsWith(`${marker}-terminal`).map((s) => s.type).sort(), ['string', 'string', 'string']);
  assert.deepEqual(own, Array.from({ length: 3 }, () => `${marker}-terminal-0123456789`));
  for (const s of ['', 'short', 'exactly13char', 'é€😀 and more than thirteen', '\ud800 lone surrogate here']) assert.equal(ownString(s), s);
  assert.equal(ownStringOrNull(null), null);
});
