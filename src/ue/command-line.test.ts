import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateCommandLine } from './command-line.js';

test('builds a paste-ready line with every given flag', () => {
  assert.equal(
    simulateCommandLine({
      url: 'http://127.0.0.1:9014/',
      imsi: '001010000000001',
      ki: '465B5CE8B199B49FAA5F0A2EE238A6BC',
      opc: 'CD63CB71954A9F4E48A5994E37A02BAF',
      amf: '8000',
      sqn: 32n,
      apps: ['ap2004', 'ap2003'],
    }),
    'omnisep simulate eap-aka --url http://127.0.0.1:9014/ --imsi 001010000000001 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --opc cd63cb71954a9f4e48a5994e37a02baf --amf 8000 --sqn 32 --app ap2004,ap2003',
  );
});

test('quotes words the shell would split', () => {
  const line = simulateCommandLine({ url: 'http://h/?a=1&b=2', imsi: '001010000000001', ki: '00', opc: '11', bin: 'node bin/run.js', akaPrime: true });
  assert.ok(line.startsWith('node bin/run.js simulate eap-aka'));
  assert.ok(line.includes(`--url 'http://h/?a=1&b=2'`));
  assert.ok(line.endsWith('--aka-prime'));
});

test('the line for the first usable SIM of a lab CSV names the file, never the keys', async () => {
  const { simulateLineForLab, simFromCsv } = await import('./command-line.js');
  const csv = '# lab\nimsi,msisdn,ki,opc,amf,sqn\nbad,1,x,y,8000,0\n001010000000001,+1,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf,8000,0\n';
  const line = simulateLineForLab({ url: 'http://127.0.0.1:9014/', csv, simFile: 'fixtures/subscribers/lab.csv' });
  assert.equal(line, 'omnisep simulate eap-aka --url http://127.0.0.1:9014/ --sim-file fixtures/subscribers/lab.csv --imsi 001010000000001 --app ap2004,ap2003');
  assert.ok(!line!.includes('465b5ce8') && !line!.includes('cd63cb71'), 'no key in the printed line');
  assert.ok(simulateLineForLab({ url: 'http://x/', csv, simFile: 'a b.csv', bin: 'node bin/run.js' })!.startsWith("node bin/run.js simulate eap-aka --url http://x/ --sim-file 'a b.csv' "));
  assert.equal(simulateLineForLab({ url: 'http://x/', csv: 'imsi,ki\n', simFile: 'f' }), undefined);
  assert.equal(simulateLineForLab({ url: 'http://x/', csv: '', simFile: 'f' }), undefined);
  assert.deepEqual(simFromCsv(csv, '001010000000001'), { imsi: '001010000000001', ki: '465b5ce8b199b49faa5f0a2ee238a6bc', opc: 'cd63cb71954a9f4e48a5994e37a02baf', op: undefined, amf: '8000' });
  assert.equal(simFromCsv(csv, '001010000000009'), undefined);
});

test('every usable SIM of a CSV, in file order; keys as load SIMs, OPc computed from OP; a bad row named by IMSI, never by key', async () => {
  const { simsFromCsv } = await import('./command-line.js');
  const { loadSimsFrom } = await import('./options.js');
  const { computeOpc } = await import('../crypto/milenage.js');
  const csv = [
    'imsi,ki,opc,op,amf',
    '001010000000001,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf,,8000',
    'not-an-imsi,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf,,8000',
    '001010000000002,0396eb317b6d1c36f19c1c84cd6ffd16,,ff53bade17df5d4e793073ce9d7579fa,',
    '001010000000003,fec86ba6eb707ed08905757b1bb44b8f,,,8000',
  ].join('\n');
  const rows = simsFromCsv(csv);
  assert.deepEqual(rows.map((r) => r.imsi), ['001010000000001', '001010000000002'], 'rows without an IMSI or without OPc/OP are not SIMs');
  const sims = loadSimsFrom(rows, 'f.csv');
  assert.equal(sims[0]!.opc.reveal().toString('hex'), 'cd63cb71954a9f4e48a5994e37a02baf');
  assert.deepEqual(sims[0]!.amf, Buffer.from('8000', 'hex'));
  const ki2 = Buffer.from('0396eb317b6d1c36f19c1c84cd6ffd16', 'hex');
  assert.deepEqual(sims[1]!.opc.reveal(), computeOpc(ki2, Buffer.from('ff53bade17df5d4e793073ce9d7579fa', 'hex')));
  assert.equal(sims[1]!.amf, undefined);
  assert.deepEqual(simsFromCsv('no csv at all'), []);
  const badKey = '0396eb317b6d1c36f19c1c84cd6ffd1';
  assert.throws(() => loadSimsFrom([{ imsi: '001010000000009', ki: badKey, opc: 'cd63cb71954a9f4e48a5994e37a02baf' }], 'f.csv'), (e: Error) => {
    assert.match(e.message, /f\.csv: the row of IMSI 001010000000009: --ki must be 32 hex digits/);
    assert.ok(!e.message.includes(badKey));
    return true;
  });
});
