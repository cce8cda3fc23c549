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
