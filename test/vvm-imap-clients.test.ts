/**
 * Real IMAP clients against a real `omnisep serve` over loopback (issue 16 § Show): Python's imaplib,
 * `openssl s_client -starttls imap`, the implicit-TLS port, and Android's visual-voicemail command
 * sequence (VVM.md § Client contract) replayed line for line from fixtures/vvm/android-session.txt
 * with every answer checked.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../src/util/repo-path.js';
import { RawImap } from './imap-client.js';
import { extraImsi, startVvmDaemon, VVM_PIN, type VvmDaemon } from './vvm-imap-harness.js';

let d: VvmDaemon;
// One account per test, so each sees the seeded mailbox as it was: the Android replay VVM_IMSI, the others extraImsi(n).
before(async () => { d = await startVvmDaemon([], { accounts: 3 }); });
after(async () => { await d?.stop(); });

function run(cmd: string, args: string[], input?: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += String(c); });
    child.stderr.on('data', (c) => { stderr += String(c); });
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} timed out:\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
    if (input !== undefined) child.stdin.end(input);
  });
}

test('/health and status list vvm once the IMAP listeners are up', async () => {
  assert.ok((await d.health()).services.includes('vvm'));
  const s = await d.status();
  assert.equal(s.services.vvm_enabled, true);
  assert.ok(s.listeners.imap!.port > 0 && s.listeners.imaps!.port > 0);
});

test('Python imaplib: STARTTLS, LOGIN, SELECT, UID SEARCH, UID FETCH headers then body, UID STORE, GETQUOTAROOT, APPEND, EXPUNGE, LOGOUT', async () => {
  const caFile = join(d.dir, 'data', 'tls', 'admin-cert.pem');
  const r = await run('python3', [repoPath('fixtures', 'vvm', 'imaplib-client.py'), String(d.imap), caFile, extraImsi(0), VVM_PIN]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.capabilities, ['IMAP4REV1', 'STARTTLS', 'AUTH=PLAIN', 'AUTH=LOGIN', 'UIDPLUS', 'MOVE', 'QUOTA', 'IDLE']);
  assert.match(out.login_before_tls, /PRIVACYREQUIRED/);
  assert.equal(out.starttls, 'OK');
  assert.match(out.tls_version, /^TLSv1\.[23]$/);
  assert.equal(out.login, 'OK');
  assert.deepEqual(out.select, ['OK', '2']);
  assert.deepEqual(out.search, ['OK', ['1', '2']]);
  assert.match(out.headers[0], /^From: 61400123456@vvm\.example\.com\r\n/);
  assert.match(out.headers[0], /\r\nContent-Duration: 30\r\n/);
  assert.match(out.headers[1], /^From: unknown@vvm\.example\.com\r\n/);
  assert.ok(!/X-VVM/.test(out.headers[0]), 'only the fields asked for');
  assert.match(out.body, /\r\nX-VVM-Sender: \+61400123456\r\n/);
  assert.match(out.body, /Content-Type: audio\/amr\r\nContent-Transfer-Encoding: base64\r\n/);
  assert.match(out.flags_before, /FLAGS \(\)/);
  assert.equal(out.store, 'OK');
  assert.match(out.flags_after, /FLAGS \(\\Seen\)/);
  assert.equal(out.quota[0], 'OK');
  assert.deepEqual(out.quota[1], ['"INBOX" ""']);
  assert.match(out.quota[2][0], /^"" \(voice 2 100 STORAGE \d+ 50000\)$/);
  assert.equal(out.append[0], 'OK');
  assert.match(out.append[1], /^\[APPENDUID \d+ 1\] APPEND completed$/);
  assert.deepEqual(out.expunge, ['OK', ['2']]);
  assert.equal(out.after_expunge, '1');
  assert.equal(out.logout[0], 'BYE');
});

test('openssl s_client -starttls imap: TLS upgrade, LOGIN and LOGOUT', async () => {
  const caFile = join(d.dir, 'data', 'tls', 'admin-cert.pem');
  const input = `a1 LOGIN ${extraImsi(1)} "${VVM_PIN}"\na2 GETQUOTAROOT "INBOX"\na3 LOGOUT\n`;
  const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${d.imap}`, '-starttls', 'imap', '-CAfile', caFile, '-verify_return_error', '-crlf', '-quiet'], input);
  const all = r.stdout + r.stderr;
  assert.match(all, /verify return:1/, 'the certificate verifies against the daemon\'s CA file');
  assert.match(r.stdout, /a1 OK \[CAPABILITY [^\]]+\] LOGIN completed/);
  assert.match(r.stdout, /\* QUOTA "" \(voice \d+ 100 STORAGE \d+ 50000\)/);
  assert.match(r.stdout, /\* BYE logging out\r?\na3 OK LOGOUT completed/);
});

test('implicit TLS port: no STARTTLS offered, LOGIN works at once', async () => {
  const c = await RawImap.connect(d.imaps, { tls: true, ca: d.ca });
  const greet = await c.line();
  assert.match(greet.text, /^\* OK \[CAPABILITY IMAP4rev1 AUTH=PLAIN/);
  assert.ok(!greet.text.includes('STARTTLS'));
  assert.deepEqual((await c.cmd('t1', 'STARTTLS')).at(-1), 't1 BAD TLS is already active');
  assert.match((await c.cmd('t2', `LOGIN ${extraImsi(2)} "${VVM_PIN}"`)).at(-1)!, /^t2 OK /);
  // AUTHENTICATE PLAIN with an initial response is the other way in (VVM.md lists AUTH=PLAIN).
  const c2 = await RawImap.connect(d.imaps, { tls: true, ca: d.ca });
  await c2.line();
  const plain = Buffer.from(`\0${extraImsi(2)}\0${VVM_PIN}`).toString('base64');
  assert.match((await c2.cmd('p1', `AUTHENTICATE PLAIN ${plain}`)).at(-1)!, /^p1 OK /);
  c.end();
  c2.end();
});

/**
 * fixtures/vvm/android-session.txt: `C: ` lines are sent as they are (CRLF added), `S: ` lines are the
 * exact answers expected, in order; `TLS` upgrades the connection after STARTTLS's OK. A server literal
 * reads `~literal:<bytes>:<its text, CR LF as \\r\\n>~`, or `~literal:<bytes>:sha256:<16 hex>~` when long. VVM_FIXTURE_RECORD=1 rewrites the S: lines.
 */
test('Android visual-voicemail sequence (VVM.md § Client contract) replayed exactly', async () => {
  const file = repoPath('fixtures', 'vvm', 'android-session.txt');
  const script = readFileSync(file, 'utf8').split('\n');
  const record = process.env.VVM_FIXTURE_RECORD === '1';
  const c = await RawImap.connect(d.imap);
  const got = [`S: ${(await c.line()).text}`];
  for (const line of script) {
    if (line === 'TLS') {
      got.push('TLS');
      await c.startTls(d.ca);
    } else if (line.startsWith('C: ')) {
      const text = line.slice(3);
      got.push(line);
      c.write(`${text}\r\n`);
      for (const l of await c.until(text.split(' ')[0]!)) got.push(`S: ${l.text}`);
      if (/ LOGOUT$/i.test(text)) await c.closedBy();
    }
  }
  const expected = script.filter((l) => l === 'TLS' || l.startsWith('C: ') || l.startsWith('S: '));
  if (record) {
    const header = script.filter((l) => l.startsWith('#'));
    writeFileSync(file, `${[...header, ...got].join('\n')}\n`);
    return;
  }
  assert.deepEqual(got, expected);
  assert.ok(c.closed, 'LOGOUT closes the connection');
});
