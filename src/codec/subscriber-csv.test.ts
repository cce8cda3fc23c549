import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSubscriberCsv } from './subscriber-csv.js';

test('subscriber CSV: comments and blanks skipped, header in any case and order, empty cells absent', () => {
  const r = parseSubscriberCsv('# lab\n\nIMSI,OPc,Ki,amf\r\n001010000000001, cd63 ,4657,\n');
  assert.deepEqual(r, { ok: true, rows: [{ line: 4, cells: { imsi: '001010000000001', opc: 'cd63', ki: '4657' } }] });
});

test('subscriber CSV: a header without imsi, ki, or opc/op names the missing column and its line', () => {
  assert.deepEqual(parseSubscriberCsv('# x\nki,opc\n'), { ok: false, line: 2, error: 'header lacks the imsi column' });
  assert.deepEqual(parseSubscriberCsv('imsi,opc\n'), { ok: false, line: 1, error: 'header lacks the ki column' });
  assert.deepEqual(parseSubscriberCsv('imsi,ki\n'), { ok: false, line: 1, error: 'header lacks an opc or op column' });
  assert.deepEqual(parseSubscriberCsv(''), { ok: true, rows: [] });
});
