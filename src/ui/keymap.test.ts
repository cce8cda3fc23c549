import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyToAction, KEY_HELP, PAGE, splitBurst } from './keymap.js';

const normal = { filterDraft: null, help: false, detail: null };
const k = (input: string, key = {}, ui: Parameters<typeof keyToAction>[2] = normal) => keyToAction(input, key, ui);

test('normal mode: panes, movement, filter, pause, detail, help, quit', () => {
  assert.deepEqual(k('1'), { type: 'pane', pane: 'activity' });
  assert.deepEqual(k('4'), { type: 'pane', pane: 'peers' });
  assert.deepEqual(k('', { tab: true }), { type: 'next-pane', delta: 1 });
  assert.deepEqual(k('', { tab: true, shift: true }), { type: 'next-pane', delta: -1 });
  assert.deepEqual(k('', { downArrow: true }), { type: 'move', delta: 1 });
  assert.deepEqual(k('k'), { type: 'move', delta: -1 });
  assert.deepEqual(k('', { pageDown: true }), { type: 'move', delta: PAGE });
  assert.deepEqual(k('G'), { type: 'bottom' });
  assert.deepEqual(k('/'), { type: 'filter-start' });
  assert.deepEqual(k('p'), { type: 'pause' });
  assert.deepEqual(k('', { return: true }), { type: 'open' });
  assert.deepEqual(k('', { escape: true }), { type: 'back' });
  assert.deepEqual(k('?'), { type: 'help' });
  assert.deepEqual(k('q'), { type: 'quit' });
  assert.equal(k('z'), null);
});

test('filter mode: keys are text; Enter applies, Esc cancels, q is a letter', () => {
  const f = { ...normal, filterDraft: '001' };
  assert.deepEqual(k('q', {}, f), { type: 'filter-input', text: 'q' });
  assert.deepEqual(k('2', {}, f), { type: 'filter-input', text: '2' });
  assert.deepEqual(k('', { return: true }, f), { type: 'filter-apply' });
  assert.deepEqual(k('', { escape: true }, f), { type: 'filter-cancel' });
  assert.deepEqual(k('', { backspace: true }, f), { type: 'filter-backspace' });
  assert.equal(k('\u0001', {}, f), null);
});

test('help swallows movement, detail turns it into scrolling; Esc, ? and q still work', () => {
  const h = { ...normal, help: true };
  assert.equal(k('', { downArrow: true }, h), null);
  assert.equal(k('2', {}, h), null);
  assert.deepEqual(k('?', {}, h), { type: 'help' });
  const d = { ...normal, detail: { pane: 'activity' as const, id: 'x' } };
  assert.equal(k('', { return: true }, d), null);
  assert.deepEqual(k('', { downArrow: true }, d), { type: 'scroll', delta: 1 });
  assert.deepEqual(k('', { pageUp: true }, d), { type: 'scroll', delta: -PAGE });
  assert.deepEqual(k('', { escape: true }, d), { type: 'back' });
  assert.deepEqual(k('q', {}, d), { type: 'quit' });
});

test('the help table names every key the handler reads', () => {
  const text = KEY_HELP.map(([key]) => key).join(' ');
  for (const key of ['1', '4', 'Tab', 'Enter', 'Esc', '/', 'p', '?', 'q']) assert.ok(text.includes(key), key);
});

test('splitBurst: plain keys in one read become single keys; special keys and single keys stay whole', () => {
  assert.deepEqual(splitBurst('jjj', {}), [{ input: 'j', key: {} }, { input: 'j', key: {} }, { input: 'j', key: {} }]);
  assert.deepEqual(splitBurst('jG', {}), [{ input: 'j', key: {} }, { input: 'G', key: { shift: true } }]);
  assert.deepEqual(splitBurst('j', {}), [{ input: 'j', key: {} }]);
  assert.deepEqual(splitBurst('[A', { upArrow: true }), [{ input: '[A', key: { upArrow: true } }]);
  assert.deepEqual(splitBurst('x', { meta: true }), [{ input: 'x', key: { meta: true } }]);
});
