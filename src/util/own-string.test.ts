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
  // (The three equal texts are one copy: ownString's recent copies, tested below.)
  assert.deepEqual(stringsWith(`${marker}-terminal`).map((s) => s.type), ['string']);
  assert.deepEqual(own, Array.from({ length: 3 }, () => `${marker}-terminal-0123456789`));
  for (const s of ['', 'short', 'exactly13char', 'é€😀 and more than thirteen', '\ud800 lone surrogate here']) assert.equal(ownString(s), s);
  assert.equal(ownStringOrNull(null), null);
});

test('ownString hands out one copy for one text made again soon after: one IMSI kept by several maps is one string (heap snapshot)', () => {
  const marker = `zqSame${process.pid}`;
  const kept: string[] = [];
  // Five cuts of the same text from five requests, each copied: one string kept, not five.
  for (let i = 0; i < 5; i++) {
    const url = `/?x=${marker}-0123456789&n=${i}`;
    kept.push(ownString(url.slice(4, url.indexOf('&'))));
  }
  assert.deepEqual(kept, Array.from({ length: 5 }, () => `${marker}-0123456789`));
  assert.equal(stringsWith(marker).filter((s) => s.type === 'string' && s.length === marker.length + 11).length, 1);
  // The recent copies are bounded: a fleet's IMSIs pass through them without piling up, each still its own text.
  for (let i = 0; i < 10_000; i++) assert.equal(ownString(`00101${String(i).padStart(10, '0')}`), `00101${String(i).padStart(10, '0')}`);
});
