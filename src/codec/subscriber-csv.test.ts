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

test('subscriber CSV (streaming): strict header refuses unknown and repeated columns; a row needs one cell per column', async () => {
  const { subscriberCsvHeader, subscriberCsvRow, isSubscriberCsvSkip } = await import('./subscriber-csv.js');
  assert.deepEqual(subscriberCsvHeader(' IMSI, Ki ,opc,amf'), { ok: true, columns: ['imsi', 'ki', 'opc', 'amf'] });
  assert.match((subscriberCsvHeader('imsi,ki,opc,kii', { strict: true }) as { error: string }).error, /unknown column\(s\) "kii"/);
  assert.match((subscriberCsvHeader('imsi,ki,opc,ki', { strict: true }) as { error: string }).error, /ki column twice/);
  assert.deepEqual(subscriberCsvRow(['imsi', 'ki', 'opc'], '001010000000001, aa ,'), { ok: true, cells: { imsi: '001010000000001', ki: 'aa' } });
  assert.deepEqual(subscriberCsvRow(['imsi', 'ki', 'opc'], '1,2'), { ok: false, error: '2 columns where the header has 3' });
  assert.deepEqual(subscriberCsvRow(['imsi', 'ki', 'opc'], '1,2,3,4'), { ok: false, error: '4 columns where the header has 3' });
  assert.equal(isSubscriberCsvSkip('  # x'), true);
  assert.equal(isSubscriberCsvSkip(' '), true);
  assert.equal(isSubscriberCsvSkip('1,2'), false);
});
