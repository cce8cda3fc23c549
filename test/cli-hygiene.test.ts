/**
 * CLI hygiene without a daemon (issue 18): "did you mean" for mistyped
 * commands, a JSON error object on stdout for every failure under --json,
 * one-line flag errors, topic help written for the topic, and the
 * schema-generated `entitlement set` flags. Runs the real bin/run.js; the
 * processes of one test run in parallel to stay fast on a busy machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson, runCli } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'omnisep-cli-hygiene-'));
const sock = join(dir, 'nobody.sock');
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a mistyped command: exit 2, what was typed with spaces, the closest command with its arguments ready to paste', async () => {
  const [r, folded, none] = await Promise.all([runCli(['sesions', 'ls']), runCli(['entitlment', 'get', '001019990000001']), runCli(['frobnicate'])]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, '"sesions ls" is not an omnisep command; did you mean: omnisep sessions ls\n');
  assert.equal(folded.code, 2);
  assert.match(folded.stderr, /"entitlment get 001019990000001" is not an omnisep command; did you mean: omnisep entitlement get 001019990000001\n/);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /"frobnicate" is not an omnisep command; see: omnisep --help/);
});

test('--json: every failure is a {"error","code"} object on stdout (unknown command, unknown flag, bad value, missing argument)', async () => {
  const cases = [['sesions', 'ls'], ['status', '--bogus'], ['sessions', 'ls', '--imsi', '123'], ['entitlement', 'set'], ['activity', 'ls', '--limit', '0']];
  const results = await Promise.all(cases.map((args) => runCli([...args, '--json', '--socket', sock])));
  for (const [i, args] of cases.entries()) {
    const r = results[i]!;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const body = parseJson<{ error: string; code: string }>(r);
    assert.equal(body.code, 'OMNISEP_CLI_USAGE', args.join(' '));
    assert.ok(body.error.length > 0);
    assert.ok(r.stderr.includes(body.error.split('\n')[0]!), `${args.join(' ')}: stderr says the same`);
  }
});

test('a bad flag value is one line naming the flag (no parser frame); hex keys and MSISDNs are checked before sending', async () => {
  const [r, m] = await Promise.all([
    runCli(['subscriber', 'add', '001010000000001', '--ki', '00112233', '--opc', 'cd63cb71954a9f4e48a5994e37a02baf', '--socket', sock]),
    runCli(['xcap', 'get', '12ab', '--socket', sock]),
  ]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, '--ki must be 32 hex digits (128 bits), got 8 characters; e.g. --ki 0123456789abcdef0123456789abcdef\n');
  assert.equal(m.code, 2);
  assert.match(m.stderr, /"12ab" is not an MSISDN/);
});

test('root --help describes each topic for itself, not by its first subcommand', async () => {
  const [r, t] = await Promise.all([runCli(['--help']), runCli(['sessions', '--help'])]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /entitlement\s+Per-subscriber TS\.43 entitlement overrides: set, get, list,/);
  assert.doesNotMatch(r.stdout, /entitlement\s+Show a subscriber's entitlements/);
  assert.match(t.stdout, /^EAP-AKA sessions held by the daemon: list, show, drop\./);
});

test('entitlement set --help: one flag per schema field, ap2003 entries with an example', async () => {
  const [r, bad] = await Promise.all([
    runCli(['entitlement', 'set', '--help']),
    runCli(['entitlement', 'set', '001010000000001', 'ap2003', '--status', '0', '--socket', sock]),
  ]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--entries=ITEM\.\.\.\s+entries \(ap2003\): one entry per radio access/);
  assert.match(r.stdout, /--five-g-sa-status=<value>\s+five_g_sa_status \(ap2010\): 0 not allowed, 1/);
  assert.match(r.stdout, /\$ omnisep entitlement set 001010000000001 ap2003 --entries \\?\s*access_type=1,home_roaming_nw_type=1,entitlement_status=1/);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ap2003 has entitlement_status per item of entries: e\.g\. --entries access_type=1,home_roaming_nw_type=1,entitlement_status=0/);
});
