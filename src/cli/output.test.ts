import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorEnabled, isoTime, makeChalk, renderKeyValue, renderTable, visibleLength } from './output.js';

test('colour: TTY only, NO_COLOR wins, FORCE_COLOR forces, dumb terminals get none', () => {
  assert.equal(colorEnabled({ isTTY: true, env: {} }), true);
  assert.equal(colorEnabled({ isTTY: false, env: {} }), false);
  assert.equal(colorEnabled({ isTTY: true, env: { NO_COLOR: '1' } }), false);
  assert.equal(colorEnabled({ isTTY: true, env: { NO_COLOR: '' } }), true);
  assert.equal(colorEnabled({ isTTY: false, env: { FORCE_COLOR: '1' } }), true);
  assert.equal(colorEnabled({ isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '1' } }), false);
  assert.equal(colorEnabled({ isTTY: true, env: { TERM: 'dumb' } }), false);
});

test('tables: aligned columns, no trailing blanks, colour does not disturb widths', () => {
  const rows = [
    { a: 'x', n: 5, s: 'ok' },
    { a: 'longer', n: 12345, s: 'failed' },
  ];
  const cols = [
    { header: 'name', get: (r: (typeof rows)[number]) => r.a },
    { header: 'n', get: (r: (typeof rows)[number]) => r.n, align: 'right' as const },
    { header: 'state', get: (r: (typeof rows)[number]) => r.s, style: (t: string, _r: unknown, c: ReturnType<typeof makeChalk>) => c.red(t) },
  ];
  const plain = renderTable(rows, cols, { chalk: makeChalk(false) });
  assert.equal(plain, ['NAME        N  STATE', 'x           5  ok', 'longer  12345  failed'].join('\n'));
  const coloured = renderTable(rows, cols, { chalk: makeChalk(true) });
  assert.notEqual(coloured, plain);
  // eslint-disable-next-line no-control-regex
  assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain);
});

test('tables cut the last column to the terminal width with an ellipsis', () => {
  const rows = [{ k: 'a', v: 'x'.repeat(50) }];
  const out = renderTable(rows, [{ header: 'k', get: (r) => r.k }, { header: 'value', get: (r) => r.v }], { chalk: makeChalk(false), maxWidth: 20 });
  const line = out.split('\n')[1]!;
  assert.equal(visibleLength(line), 20);
  assert.ok(line.endsWith('…'));
});

test('key/value blocks flatten nested objects and show empty values as -', () => {
  const out = renderKeyValue([['a', 1], ['nested', { b: null, c: [1, 2] }], ['empty', '']], { chalk: makeChalk(false) });
  assert.equal(out, ['a         1', 'nested.b  -', 'nested.c  1, 2', 'empty     -'].join('\n'));
});

test('times: unix seconds and ms both become ISO without fractions', () => {
  assert.equal(isoTime(1712834400), '2024-04-11T11:20:00Z');
  assert.equal(isoTime(1712834400000), '2024-04-11T11:20:00Z');
  assert.equal(isoTime('2026-03-09T04:19:19.461325Z'), '2026-03-09T04:19:19Z');
  assert.equal(isoTime(null), '-');
});
