/**
 * MSISDNs are stored in E.164 whichever way they arrive (docs/cli.md § MSISDNs): `subscriber add` and
 * `subscriber import` with --country-code (converted by the CLI, a bad number refused naming the flag or
 * the line), without it (converted by the daemon with subscribers.country_code), and the admin API itself;
 * a config with a country libphonenumber does not know is refused by `config check`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, runCli } from './cli-harness.js';
import type { ImportSummary } from '../src/cli/bulk-import.js';
import { KI, OPC, imsi, root, daemonAt, freshDir, cliOn, subs, type D } from './import-helpers.js';
import { rmSync } from 'node:fs';

let plain: D;
let de: D;
before(async () => {
  [plain, de] = await Promise.all([daemonAt(freshDir()), daemonAt(freshDir(), ['subscribers.country_code=DE'])]);
});
after(async () => {
  await Promise.all([plain?.stop(), de?.stop()]);
  rmSync(root, { recursive: true, force: true });
});

const add = (d: D, n: number, ...more: string[]) => cliOn(d, 'subscriber', 'add', imsi(n), '--ki', KI, '--opc', OPC, ...more);

test('subscriber add: --country-code converts in the CLI, the daemon converts with its country, "+" numbers are checked before sending', async () => {
  const [national, asE164, daemonDe, daemonRefuses, tooShort, badCountry] = await Promise.all([
    add(plain, 1, '--msisdn', '0170 1234567', '--country-code', 'DE', '--json'),
    add(plain, 2, '--msisdn', '15559990001', '--json'),
    add(de, 3, '--msisdn', '0170-1234567', '--json'),
    add(plain, 4, '--msisdn', '01701234567'),
    add(plain, 5, '--msisdn', '+1 555 0001'),
    add(plain, 6, '--msisdn', '01701234567', '--country-code', 'XX'),
  ]);
  assert.equal(national.code, 0, national.stderr);
  assert.equal(parseJson<{ msisdn: string }>(national).msisdn, '+491701234567');
  assert.equal(parseJson<{ msisdn: string }>(asE164).msisdn, '+15559990001');
  assert.equal(daemonDe.code, 0, daemonDe.stderr);
  assert.equal((await subs(de).get(imsi(3)))?.msisdn, '+491701234567', 'subscribers.country_code=DE on the daemon');
  assert.equal(daemonRefuses.code, 3, 'the daemon has no country code: refused, nothing stored');
  assert.match(daemonRefuses.stderr, /msisdn "01701234567" is not an E\.164 number: no such country calling code .*--country-code/);
  assert.equal(await subs(plain).get(imsi(4)), undefined);
  assert.equal(tooShort.code, 2, 'checked before anything is sent');
  assert.match(tooShort.stderr, /^--msisdn "\+15550001" is not an E\.164 number: too short/);
  assert.equal(badCountry.code, 2);
  assert.match(badCountry.stderr, /--country-code "XX" is not a country libphonenumber knows/);
});

test('subscriber import --country-code: national numbers converted, a number that cannot be is reported by its line', async () => {
  const csv = join(plain.dir, 'national.csv');
  writeFileSync(csv, ['imsi,ki,opc,msisdn', `${imsi(11)},${KI},${OPC},0170 1234568`, `${imsi(12)},${KI},${OPC},017`, `${imsi(13)},${KI},${OPC},+44 20 7946 0000`, ''].join('\n'));
  const r = await cliOn(plain, 'subscriber', 'import', csv, '--country-code', 'DE', '--json');
  assert.equal(r.code, 1, r.stderr);
  const s = parseJson<ImportSummary>(r);
  assert.equal(s.added, 2);
  assert.deepEqual(s.rejected.map((x) => [x.line, x.code]), [[3, 'invalid']]);
  assert.match(s.rejected[0]!.error, /msisdn "017" is not an E\.164 number: too short \(read as a national number of DE\)/);
  assert.equal((await subs(plain).get(imsi(11)))?.msisdn, '+491701234568');
  assert.equal((await subs(plain).get(imsi(13)))?.msisdn, '+442079460000');
});

test('config check refuses a subscribers.country_code libphonenumber does not know (exit 78, naming the key)', async () => {
  const file = join(plain.dir, 'bad-country.yaml');
  writeFileSync(file, 'subscribers:\n  country_code: Germany\n');
  const r = await runCli(['config', 'check', file]);
  assert.equal(r.code, 78, r.stderr + r.stdout);
  assert.match(r.stderr + r.stdout, /subscribers\.country_code: "Germany" is not a country/);
});
