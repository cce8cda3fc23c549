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
  // Text and Enter in one read: the Enter applies the filter instead of being dropped as a control character.
  const burst = splitBurst('ab\r', {});
  assert.deepEqual(burst, [{ input: 'a', key: {} }, { input: 'b', key: {} }, { input: '', key: { return: true } }]);
  const ui = { filterDraft: '', help: false, detail: null };
  assert.deepEqual(burst.map((b) => keyToAction(b.input, b.key, ui)), [{ type: 'filter-input', text: 'a' }, { type: 'filter-input', text: 'b' }, { type: 'filter-apply' }]);
  // A pasted Windows line end is one Enter, a lone \n one too.
  assert.deepEqual(splitBurst('ab\r\n', {}), burst);
  assert.deepEqual(splitBurst('ab\n', {}), burst);
});

test('VVM/ODSA panes, sort, row actions; a pending confirmation takes y and nothing else', () => {
  assert.deepEqual(k('5'), { type: 'pane', pane: 'vvm' });
  assert.deepEqual(k('6'), { type: 'pane', pane: 'sms' });
  assert.deepEqual(k('7'), { type: 'pane', pane: 'odsa' });
  assert.deepEqual(k('8'), { type: 'pane', pane: 'push' });
  assert.deepEqual(k('s'), { type: 'sort-next' });
  assert.deepEqual(k('S', { shift: true }), { type: 'sort-reverse' });
  assert.deepEqual(k('d', { ctrl: true }), { type: 'delete' });
  assert.deepEqual(k('x'), { type: 'delete' });
  assert.deepEqual(k('l'), { type: 'activity-of' });
  const c = { ...normal, confirm: { kind: 'revoke-token' as const, id: 't', imsi: null } };
  assert.deepEqual(k('y', {}, c), { type: 'confirm-yes' });
  assert.deepEqual(k('Y', { shift: true }, c), { type: 'confirm-yes' });
  for (const [input, key] of [['n', {}], ['', { return: true }], ['', { escape: true }], ['q', {}], ['x', {}]] as const)
    assert.deepEqual(k(input, key, c), { type: 'confirm-no' }, `${input} ${JSON.stringify(key)} says no`);
  // In a record, the row keys do nothing (act from the list).
  assert.equal(k('x', {}, { ...normal, detail: { pane: 'tokens', id: 't' } }), null);
  // `xy` in one read: two keys, the second answers the prompt the first raised (splitBurst + reducer order).
  assert.deepEqual(splitBurst('xy', {}).map((x) => x.input), ['x', 'y']);
  const text = KEY_HELP.map(([key]) => key).join(' ');
  for (const key of ['5 6 7 8', 's / S', 'Ctrl-D', 'l']) assert.ok(text.includes(key), key);
});
