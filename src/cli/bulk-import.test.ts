import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImportHeaderError, runImport } from './bulk-import.js';
import { subscriberCsvFormat } from './import-formats.js';
import { readLines } from './line-stream.js';
import type { BatchResult, SubscriberBatchRow } from '../contracts/imports.js';

// The daemon's side is exercised for real in test/import-cli.test.ts; here `send` records the batches the
// client cuts, to check the client's own rules (line numbers, duplicates, batching, interruption).
const KI = '465b5ce8b199b49faa5f0a2ee238a6bc';
const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';
const imsi = (n: number) => `00101${String(n).padStart(10, '0')}`;

async function* chunks(text: string | Buffer, size = 7) {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

const accept = (batches: SubscriberBatchRow[][]) => async (rows: SubscriberBatchRow[]): Promise<BatchResult> => {
  batches.push(rows);
  return { status: 'ok', dry_run: false, added: rows.length, replaced: 0, unchanged: 0, rejected: [] };
};

test('bulk import: CSV faults by line number, first line keeps an IMSI, batches in file order', async () => {
  const csv = [
    '# provisioning file', // 1
    'imsi,ki,opc,amf', // 2
    `${imsi(1)},${KI},${OPC},8000`, // 3
    `${imsi(2)},${KI},${OPC}`, // 4: 3 columns
    '', // 5
    `${imsi(3)},${KI},${OPC},8000,extra`, // 6: 5 columns
    `${imsi(1)},${KI},${OPC},8000`, // 7: duplicate of 3
    `12345,${KI},${OPC},8000`, // 8: bad IMSI
    `${imsi(4)},${KI},${OPC},8000`, // 9
  ].join('\n');
  const bytes = Buffer.concat([Buffer.from(`${csv}\n`), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from(`${imsi(5)},${KI},${OPC},8000\n${'x'.repeat(5000)}\n${imsi(6)},${KI},${OPC},8000`)]);
  const batches: SubscriberBatchRow[][] = [];
  const s = await runImport({ lines: readLines(chunks(bytes), 4096), format: subscriberCsvFormat(), batchSize: 2, dryRun: false, send: accept(batches) });
  assert.deepEqual(s.rejected.map((r) => [r.line, r.code]), [[4, 'columns'], [6, 'columns'], [7, 'duplicate'], [8, 'invalid'], [10, 'utf8'], [12, 'too_long']]);
  assert.match(s.rejected.find((r) => r.line === 7)!.error, /also on line 3/);
  assert.deepEqual(batches.map((b) => b.map((r) => r.line)), [[3, 9], [11, 13]]);
  assert.deepEqual(batches[0]![0], { line: 3, imsi: imsi(1), ki: KI, opc: OPC, amf: '8000' });
  assert.equal(s.lines, 10);
  assert.equal(s.added, 4);
  assert.equal(s.skipped, 1);
  assert.equal(s.errors, 5);
  assert.equal(s.applied_through, 13);
  assert.equal(s.status, 'ok');
  // No report carries a line's contents (they hold keys).
  assert.ok(!JSON.stringify(s.rejected).includes(KI));
});

test('bulk import: a header that is missing, unknown or bad stops before anything is sent', async () => {
  for (const [text, re] of [
    ['# only comments\n\n', /no header line/],
    [`imsi,kee,opc\n${imsi(1)},${KI},${OPC}\n`, /line 1: header lacks the ki column/],
    [`\nimsi,ki,opc,colour\n`, /line 2: .*unknown column\(s\) "colour"/],
  ] as const) {
    const batches: SubscriberBatchRow[][] = [];
    await assert.rejects(runImport({ lines: readLines(chunks(text)), format: subscriberCsvFormat(), batchSize: 10, dryRun: false, send: accept(batches) }), (e: unknown) => e instanceof ImportHeaderError && re.test(e.message));
    assert.equal(batches.length, 0);
  }
});

test('bulk import: a batch that fails stops the import and says up to which line it is applied', async () => {
  const lines = ['imsi,ki,opc', ...Array.from({ length: 10 }, (_, i) => `${imsi(i)},${KI},${OPC}`)].join('\n');
  let calls = 0;
  const s = await runImport({
    lines: readLines(chunks(lines)),
    format: subscriberCsvFormat(),
    batchSize: 3,
    dryRun: false,
    send: async (rows) => {
      if (++calls === 2) throw new Error('no daemon at /tmp/x.sock');
      return { status: 'ok', dry_run: false, added: rows.length, replaced: 0, unchanged: 0, rejected: [] };
    },
  });
  assert.equal(s.status, 'interrupted');
  assert.match(s.interrupted!, /no daemon/);
  assert.equal(s.added, 3);
  assert.equal(s.applied_through, 4); // header on line 1, rows on lines 2-4 applied
  assert.ok(calls <= 3, `kept sending after a failure (${calls} calls)`);
});

test('bulk import: rejections from the daemon merge with local ones in line order', async () => {
  const text = `imsi,ki,opc\n${imsi(1)},${KI},${OPC}\n${imsi(2)},bad,${OPC}\n${imsi(3)},${KI}\n`;
  const seen: number[][] = [];
  const s = await runImport({
    lines: readLines(chunks(text)),
    format: subscriberCsvFormat(),
    batchSize: 100,
    dryRun: true,
    send: async (rows) => ({ status: 'ok', dry_run: true, added: 1, replaced: 0, unchanged: 0, rejected: rows.filter((r) => r.ki === 'bad').map((r) => ({ line: r.line, code: 'invalid' as const, error: 'ki must be 32 hex digits' })) }),
    onBatch: (rej) => seen.push(rej.map((r) => r.line)),
  });
  assert.deepEqual(seen, [[3, 4]]);
  assert.equal(s.dry_run, true);
  assert.equal(s.errors, 2);
});

test('bulk import: a batch answered 503 (store briefly unavailable) is sent again; a 500 stops the import', async () => {
  const { ApiError } = await import('../client/errors.js');
  const csv = `imsi,ki,opc,amf\n${[1, 2, 3, 4].map((n) => `${imsi(n)},${KI},${OPC},8000`).join('\n')}\n`;
  const batches: SubscriberBatchRow[][] = [];
  let calls = 0;
  const s = await runImport({
    lines: readLines(chunks(csv)), format: subscriberCsvFormat(), batchSize: 2, dryRun: false,
    send: async (rows) => {
      if (++calls <= 2) throw new ApiError(503, 'storage unavailable', 'OMNISEP_STORE_UNAVAILABLE');
      return accept(batches)(rows);
    },
  });
  assert.equal(s.status, 'ok');
  assert.equal(s.added, 4);
  assert.equal(batches.length, 2);
  assert.equal(calls, 4, 'the first batch was sent three times');
  let failed = 0;
  const stopped = await runImport({
    lines: readLines(chunks(csv)), format: subscriberCsvFormat(), batchSize: 2, dryRun: false,
    send: async () => { failed++; throw new ApiError(500, 'boom'); },
  });
  assert.equal(stopped.status, 'interrupted');
  assert.match(stopped.interrupted!, /boom/);
  assert.equal(failed, 1, 'a 500 is not retried');
});
