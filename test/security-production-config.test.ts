/**
 * Issue 13 item 11: production refuses lab settings, every problem in one pass with the allowed
 * values; `config check` and `serve` refuse the same file with the same documented exit code
 * (78, EX_CONFIG), which packaging/omnisep.service does not restart on; a production start
 * refuses published TS 35.208 keys in the subscriber store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, EXIT_CONFIG, resolveConfig } from '../src/contracts/config.js';
import { isHostOrIp, isLocalName } from '../src/contracts/config-policy.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { openCollection } from '../src/store/collections.js';
import { publishedKeyProblems } from '../daemon/security/published-keys.js';
import { makeKeyring, parseKek, sealKeys } from '../src/crypto/key-wrap.js';
import { startDaemon } from '../daemon/main.js';
import { createStore } from '../daemon/store/index.js';
import { createLogger } from '../daemon/logging.js';
import { repoPath } from '../src/util/repo-path.js';
import { runCli } from './cli-harness.js';
import { spawnServe } from './daemon-process.js';

const SECRET = 'a-production-secret-of-at-least-32-chars';
/** What issue 13 item 11 started: every lab setting at once. */
const LAB_IN_PRODUCTION = `server:
  environment: production
  fqdn: localhost
token:
  signing_secret: ${SECRET}
vvm:
  enabled: true
  imap_allow_plaintext_login: true
aaa:
  enabled: true
  subscribers_file: fixtures/subscribers/lab.csv
diameter:
  peers:
    - { host: aaa.example.net, ip: 10.0.0.300, port: 3868, transport: sctp }
`;

function problemsOf(text: string, sets: string[] = []): string[] {
  try {
    resolveConfig({ text, sets });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

test('production with lab settings: every problem reported at once, each with the allowed values', () => {
  const p = problemsOf(LAB_IN_PRODUCTION);
  const expect: Array<[RegExp, string]> = [
    [/^server\.fqdn: localhost cannot be reached/, 'localhost FQDN'],
    [/^aaa\.subscribers_file: .*published TS 35\.208/, 'lab subscriber file'],
    [/^vvm\.imap_allow_plaintext_login: production never takes a PIN in the clear/, 'plaintext IMAP LOGIN'],
    [/^diameter\.peers\.0\.transport: sctp is not supported/, 'sctp'],
    [/^diameter\.peers\.0\.ip: "10\.0\.0\.300" is neither an IP address nor a host name/, 'malformed address'],
  ];
  for (const [re, what] of expect) assert.ok(p.some((x) => re.test(x)), `${what} is reported: ${p.join(' | ')}`);
  for (const x of p) assert.match(x, /\(allowed/, `names the allowed values: ${x}`);
});

test('the same file in development: lab settings are fine, but sctp and a malformed address are not', () => {
  const p = problemsOf(LAB_IN_PRODUCTION.replace('environment: production', 'environment: development').replace('  enabled: true\naaa', '  enabled: false\naaa'));
  assert.deepEqual(p.map((x) => x.split(':')[0]).sort(), ['diameter.peers.0.ip', 'diameter.peers.0.transport']);
});

test('schema errors and policy problems come in one pass', () => {
  const p = problemsOf(`${LAB_IN_PRODUCTION}http:\n  prot: 1\n`);
  assert.ok(p.some((x) => x.startsWith('http.prot: unknown key')));
  assert.ok(p.some((x) => x.startsWith('server.fqdn')));
});

test('a production configuration without lab settings is accepted', () => {
  const cfg = resolveConfig({ sets: ['server.environment=production', 'server.fqdn=aes.mnc001.mcc001.pub.3gppnetwork.org', `token.signing_secret=${SECRET}`, 'aaa.subscribers_file='] });
  assert.equal(cfg.server.environment, 'production');
});

test('address and name rules', () => {
  assert.ok(isHostOrIp('10.0.0.30') && isHostOrIp('2001:db8::30') && isHostOrIp('aaa.example.net'));
  assert.ok(!isHostOrIp('10.0.0.300') && !isHostOrIp('a..b') && !isHostOrIp('-x.example') && !isHostOrIp('host name'));
  assert.ok(isLocalName('localhost') && isLocalName('127.0.0.1') && isLocalName('::1') && isLocalName('aes.localdomain'));
  assert.ok(!isLocalName('aes.example.com'));
});

test('config check and serve refuse the same file with exit 78, and systemd does not restart on it', async () => {
  assert.equal(EXIT_CONFIG, 78);
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-prodcfg-'));
  const file = join(dir, 'omnisep.yaml');
  writeFileSync(file, LAB_IN_PRODUCTION);
  const check = await runCli(['config', 'check', file]);
  assert.equal(check.code, 78, check.stderr);
  assert.match(check.stderr, /server\.fqdn/);
  assert.match(check.stderr, /diameter\.peers\.0\.transport/);
  const serve = spawnServe(join(dir, 'data'), join(dir, 's.sock'), ['--config', file]);
  assert.equal(await serve.exited, 78);
  const err = serve.stderr.join('');
  for (const key of ['server.fqdn', 'aaa.subscribers_file', 'vvm.imap_allow_plaintext_login', 'diameter.peers.0.transport', 'diameter.peers.0.ip']) assert.ok(err.includes(key), `serve names ${key}`);
  const unit = readFileSync(repoPath('packaging', 'omnisep.service'), 'utf8');
  const line = /^RestartPreventExitStatus=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  assert.ok(line.includes('78'), `RestartPreventExitStatus lists 78: ${line.join(' ')}`);
});

test('published TS 35.208 / lab keys in the subscriber store are found (paged), real-looking keys are not', async () => {
  const store = createMemoryStore();
  const subs = openCollection<{ imsi: string; ki: string }>(store, 'subscribers');
  for (let i = 0; i < 25; i++) await subs.put(`00101${String(i).padStart(10, '0')}`, { imsi: '', ki: (i + 1).toString(16).padStart(32, 'a') });
  assert.deepEqual(await publishedKeyProblems(store, 7), []);
  await subs.put('001010000000099', { imsi: '001010000000099', ki: '465B5CE8B199B49FAA5F0A2EE238A6BC' }); // TS 35.208 §4.3 set 1
  const p = await publishedKeyProblems(store, 7);
  assert.equal(p.length, 1);
  assert.match(p[0]!, /1 subscriber\(s\) use published test keys.*001010000000099.*\(allowed in production/);
  assert.ok(!p[0]!.toLowerCase().includes('465b5ce8'), 'the key itself is never printed');
});

test('a production start refuses a store holding published keys (ConfigError → serve exits 78)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-prodkeys-'));
  const cfg = resolveConfig({
    sets: [
      'server.environment=production', 'server.fqdn=aes.mnc001.mcc001.pub.3gppnetwork.org', `token.signing_secret=${SECRET}`,
      `storage.data_dir=${dir}`, `control.socket=${join(dir, 'c.sock')}`, 'aaa.subscribers_file=', 'aaa.enabled=false', 'diameter.enabled=false',
      'eap_aka.backend=local', 'http.port=0', 'admin.port=0', 'diameter.listen_port=0', 'aaa.listen_port=0', 'admin.tls=false',
    ],
  });
  // The lab SIM 001010000000002 (TS 35.208 set 2) provisioned earlier, e.g. by a development run.
  const store = await createStore(cfg, dir, () => {});
  await openCollection(store, 'subscribers').put('001010000000002', { imsi: '001010000000002', ki: '0396eb317b6d1c36f19c1c84cd6ffd16', opc: '53c15671c60a4b731c55b4a441c0bde2' });
  await store.close();
  await assert.rejects(startDaemon(cfg, { logger: createLogger({ level: 'silent', pretty: false }), env: {} }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /subscribers: 1 subscriber\(s\) use published test keys.*001010000000002/);
    return true;
  });
});

test('a published key sealed under a KEK is found too: the check opens it with the configured KEK (and a start refuses it)', async () => {
  const KEK = '11'.repeat(32);
  const kek = parseKek(KEK);
  const store = createMemoryStore();
  const subs = openCollection<Record<string, string>>(store, 'subscribers');
  const sealed = (imsi: string, ki: string, opc: string) => ({
    imsi, ki: '', opc: '', kek_id: kek.id, keys_sealed: sealKeys(kek, imsi, { ki: Buffer.from(ki, 'hex'), opc: Buffer.from(opc, 'hex') }, Buffer.alloc(12, imsi.length)),
  });
  // A real-looking sealed SIM passes; the lab SIM 001010000000002 (TS 35.208 set 2), sealed, does not.
  await subs.put('001010000000101', sealed('001010000000101', 'ab'.repeat(16), 'cd'.repeat(16)));
  assert.deepEqual(await publishedKeyProblems(store, 7, makeKeyring(kek)), []);
  await subs.put('001010000000002', sealed('001010000000002', '0396eb317b6d1c36f19c1c84cd6ffd16', '53c15671c60a4b731c55b4a441c0bde2'));
  const p = await publishedKeyProblems(store, 7, makeKeyring(kek));
  assert.equal(p.length, 1);
  assert.match(p[0]!, /1 subscriber\(s\) use published test keys.*001010000000002/);
  assert.ok(!p[0]!.toLowerCase().includes('0396eb31'), 'the key itself is never printed');
  // Without the KEK the sealed records cannot be checked: said so, not passed silently.
  const blind = await publishedKeyProblems(store, 7);
  assert.equal(blind.length, 1);
  assert.match(blind[0]!, /2 subscriber\(s\) have keys sealed under a KEK this daemon does not hold.*subscribers\.kek_file/);

  // Through a production start with subscribers.kek: refused (exit 78 in serve).
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-prodkek-'));
  const cfg = resolveConfig({
    sets: [
      'server.environment=production', 'server.fqdn=aes.mnc001.mcc001.pub.3gppnetwork.org', `token.signing_secret=${SECRET}`, `subscribers.kek=${KEK}`,
      `storage.data_dir=${dir}`, `control.socket=${join(dir, 'c.sock')}`, 'aaa.subscribers_file=', 'aaa.enabled=false', 'diameter.enabled=false',
      'eap_aka.backend=local', 'http.port=0', 'admin.port=0', 'diameter.listen_port=0', 'aaa.listen_port=0', 'admin.tls=false',
    ],
  });
  const disk = await createStore(cfg, dir, () => {});
  await openCollection(disk, 'subscribers').put('001010000000002', sealed('001010000000002', '0396eb317b6d1c36f19c1c84cd6ffd16', '53c15671c60a4b731c55b4a441c0bde2'));
  await disk.close();
  await assert.rejects(startDaemon(cfg, { logger: createLogger({ level: 'silent', pretty: false }), env: {} }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /subscribers: 1 subscriber\(s\) use published test keys.*001010000000002/);
    return true;
  });
});
