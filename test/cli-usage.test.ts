/**
 * The CLI's behaviour without a daemon: usage errors exit 2 before anything
 * is sent, a missing daemon is one line and exit 1, --help works for every
 * command. Runs the real bin/run.js as a child process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson, runCli } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'omnisep-cli-usage-'));
const sock = join(dir, 'nobody.sock');
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('no daemon: one line naming the socket and how to start one, exit 69 (EX_UNAVAILABLE)', async () => {
  const r = await runCli(['status', '--socket', sock]);
  assert.equal(r.code, 69);
  assert.equal(r.stderr, `no daemon at ${sock} — start one with: omnisep serve\n`);
  assert.equal(r.stdout, '');
});

test('no daemon with --json: the same line on stderr, {"error","code"} on stdout', async () => {
  const r = await runCli(['sessions', 'ls', '--json', '--socket', sock]);
  assert.equal(r.code, 69);
  assert.deepEqual(parseJson(r), { error: `no daemon at ${sock} — start one with: omnisep serve`, code: 'OMNISEP_CLI_NO_DAEMON' });
});

test('OMNISEP_SOCKET is the socket when --socket is absent; XDG_RUNTIME_DIR gives the default', async () => {
  const r = await runCli(['tokens', 'ls'], { env: { OMNISEP_SOCKET: sock } });
  assert.equal(r.code, 69);
  assert.match(r.stderr, new RegExp(`^no daemon at ${sock} `));
  const x = await runCli(['tokens', 'ls'], { env: { XDG_RUNTIME_DIR: dir } });
  assert.match(x.stderr, new RegExp(`^no daemon at ${join(dir, 'omnisep.sock')} `));
});

const usageCases: Array<[string[], RegExp]> = [
  [['entitlement', 'set', '12345', 'ap2004', '--status', '1'], /IMSI "12345" has 5 digits; expected exactly 15 digits \(MCC\+MNC\+MSIN\)/],
  [['entitlement', 'set', '001010000000001', 'ap9999', '--status', '1'], /unknown app id "ap9999"; expected one of ap2003 \(VoLTE\/VoNR\), ap2004 \(VoWiFi\)/],
  [['entitlement', 'set', '001010000000001', 'ap2004', '--status', '9'], /--status \(entitlement_status: 9 is out of range; expected 0 \(disabled\), 1 \(enabled\), 2 \(incompatible\), 3 \(provisioning\)\)/],
  [['entitlement', 'set', '001010000000001', 'ap2004', '--addr-status', '4'], /--addr-status \(addr_status: 4 is out of range/],
  [['entitlement', 'set', '001010000000001', 'ap2004', '--data', '{bad'], /--data is not valid JSON/],
  [['entitlement', 'set', '001010000000001', 'ap2004'], /nothing to set for ap2004/],
  [['entitlement', 'get', '0010100000000x1'], /contains "x", which is not a digit/],
  [['entitlement', 'rm', '001010000000001', 'apXXXX'], /unknown app id "apXXXX"/],
  [['activity', 'ls', '--since', 'last tuesday'], /--since "last tuesday" is not a time/],
  [['activity', 'ls', '--limit', '5000'], /--limit 5000 is out of range; expected an integer 1–1000/],
  [['activity', 'ls', '--type', 'nope'], /unknown activity type "nope"/],
  [['sessions', 'show', '../../etc/passwd'], /session_id "\.\.\/\.\.\/etc\/passwd" is not an id/],
  [['status', '--url', 'not a url'], /--url "not a url" is not a URL/],
];

for (const [args, re] of usageCases) {
  test(`usage error, exit 2, nothing sent: ${args.join(' ')}`, async () => {
    // The socket does not exist: had anything been sent, the answer would be "no daemon" with exit 1.
    const r = await runCli([...args, '--socket', sock]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /no daemon/);
  });
}

test('oclif parse errors (unknown flag, missing argument, non-integer) exit 2 as well', async () => {
  for (const args of [['status', '--bogus'], ['entitlement', 'set'], ['entitlement', 'set', '001010000000001', 'ap2004', '--status', 'one']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('--help of a command shows its summary, flags and examples', async () => {
  const r = await runCli(['entitlement', 'set', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Set one app's entitlement override for a subscriber\./);
  assert.match(r.stdout, /--addr-status=<value>\s+addr_status \(ap2004\): 0 not available/);
  assert.match(r.stdout, /\$ omnisep entitlement set 001010000000001 ap2004 --status 1/);
  assert.match(r.stdout, /--socket=PATH\s+\[env: OMNISEP_SOCKET\]/);
});

test('config check validates a file locally: ok, then every bad key named with the file, exit 78', async () => {
  const { writeFileSync } = await import('node:fs');
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, 'token:\n  validity_seconds: 3600\n');
  writeFileSync(bad, 'token:\n  validity_seconds: 5\nhttp:\n  prot: 1\n');
  const ok = await runCli(['config', 'check', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, `ok ${good}\n`);
  const j = parseJson<{ status: string; config: { token: { validity_seconds: number; signing_secret: string } } }>(await runCli(['config', 'check', good, '--json', '--set', 'token.validity_seconds=600']));
  assert.equal(j.config.token.validity_seconds, 600);
  assert.equal(j.config.token.signing_secret, '[REDACTED]');
  const ko = await runCli(['config', 'check', bad]);
  assert.equal(ko.code, 78, 'EX_CONFIG, as serve');
  assert.match(ko.stderr, new RegExp(`invalid configuration in ${bad}`));
  assert.match(ko.stderr, /token\.validity_seconds/);
  assert.match(ko.stderr, /http\.prot: unknown key/);
  const missing = await runCli(['config', 'check', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 78);
  assert.match(missing.stderr, /file not found/);
});
