/**
 * Bad input against a real `omnisep serve` (issue 16 § Show): garbage, a 10 GB literal announcement,
 * unbalanced parentheses, sequence numbers past 2^32-1, commands before STARTTLS and before LOGIN, wrong
 * PINs in a loop (lock-out and failure delay), 1,000 idle connections — each answered BAD/NO or closed, the
 * daemon up after all of it with its RSS under 200 MB. And IDLE reporting a deposit (in-process daemon, so
 * the test can deposit through the service while the client idles).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { RawImap } from './imap-client.js';
import { extraImsi, rssOf, startVvmDaemon, VVM_IMSI, VVM_PIN, type VvmDaemon } from './vvm-imap-harness.js';
import { startTestDaemon } from './daemon-helpers.js';

let d: VvmDaemon;
const DELAY_MS = 300;
before(async () => {
  d = await startVvmDaemon([
    `vvm.login_failure_delay_ms=${DELAY_MS}`, 'vvm.max_login_failures=3', 'vvm.login_lockout_seconds=600',
    'vvm.imap_max_connections_per_ip=5000', 'vvm.imap_max_literal_bytes=100000', 'vvm.imap_max_line_bytes=4096',
  ], { accounts: 2 });
});
after(async () => { await d?.stop(); });

/** A connection upgraded with STARTTLS and logged in as `imsi`. */
async function loggedIn(imsi: string): Promise<RawImap> {
  const c = await RawImap.connect(d.imap);
  await c.line();
  assert.equal((await c.cmd('s', 'STARTTLS')).at(-1), 's OK Begin TLS negotiation now');
  await c.startTls(d.ca);
  assert.match((await c.cmd('l', `LOGIN ${imsi} "${VVM_PIN}"`)).at(-1)!, /^l OK/);
  return c;
}

test('garbage, unbalanced parentheses, huge sequence sets, over-long lines: BAD, and the session goes on', async () => {
  const c = await loggedIn(extraImsi(0));
  c.write('\x00\xff\x01garbage\r\n');
  assert.match((await c.line()).text, /^\* BAD /);
  assert.match((await c.cmd('g1', 'FETCH 1 (FLAGS')).at(-1)!, /^g1 BAD /);
  assert.match((await c.cmd('g2', 'FETCH 1 FLAGS))')).at(-1)!, /^g2 BAD /);
  assert.match((await c.cmd('g3', 'UID FETCH 1:4294967296 FLAGS')).at(-1)!, /^g3 BAD .*4294967295/);
  assert.match((await c.cmd('g4', `UID FETCH ${'1,'.repeat(3000)}1 FLAGS`)).at(-1)!, /^g4 BAD line longer than 4096 bytes/);
  assert.match((await c.cmd('g5', 'SELECT "INBOX')).at(-1)!, /^g5 BAD /);
  assert.match((await c.cmd('g6', 'STORE 1 +FLAGS (\\Flagged)')).at(-1)!, /^g6 BAD STORE needs SELECT first/);
  await c.cmd('s', 'SELECT INBOX');
  assert.equal((await c.cmd('g7', 'UID STORE 1 +FLAGS (\\Flagged)')).at(-1), 'g7 NO command not allowed', 'VVM.md: any other flag');
  assert.equal((await c.cmd('g8', 'NOOP')).at(-1), 'g8 OK NOOP completed');
  c.end();
});

test('a 10 GB literal: NO [TOOBIG] before any byte (synchronizing), BYE and closed (non-synchronizing)', async () => {
  const c = await loggedIn(extraImsi(1));
  c.write('t1 APPEND Greetings {10737418240}\r\n');
  assert.match((await c.line()).text, /^t1 NO \[TOOBIG\] literal of 10737418240 bytes/);
  assert.equal((await c.cmd('t2', 'NOOP')).at(-1), 't2 OK NOOP completed');
  c.write('t3 APPEND Greetings {10737418240+}\r\nxxxx');
  assert.match((await c.line()).text, /^\* BYE \[TOOBIG\]/);
  await c.closedBy();
});

test('before STARTTLS: no LOGIN or AUTHENTICATE; before LOGIN: no mailbox commands', async () => {
  const c = await RawImap.connect(d.imap);
  await c.line();
  assert.equal((await c.cmd('p1', `LOGIN ${VVM_IMSI} "${VVM_PIN}"`)).at(-1), 'p1 NO [PRIVACYREQUIRED] LOGIN only after STARTTLS');
  assert.equal((await c.cmd('p2', 'AUTHENTICATE PLAIN')).at(-1), 'p2 NO [PRIVACYREQUIRED] AUTHENTICATE only after STARTTLS');
  assert.equal((await c.cmd('p3', 'SELECT INBOX')).at(-1), 'p3 BAD SELECT needs LOGIN first');
  assert.equal((await c.cmd('p4', 'XCHANGE_TUI_PWD PWD=1 OLD_PWD=2')).at(-1), 'p4 BAD XCHANGE_TUI_PWD needs LOGIN first');
  // A command pipelined behind STARTTLS in the clear is dropped, not run inside TLS.
  c.write('p5 STARTTLS\r\np6 LOGIN x y\r\n');
  assert.equal((await c.line()).text, 'p5 OK Begin TLS negotiation now');
  await c.startTls(d.ca);
  assert.equal((await c.cmd('p7', 'NOOP')).at(-1), 'p7 OK NOOP completed');
  c.end();
});

test('wrong PINs in a loop: OMTP texts, each after the failure delay, then locked out even for the right PIN', async () => {
  const c = await RawImap.connect(d.imap);
  await c.line();
  await c.cmd('s', 'STARTTLS');
  await c.startTls(d.ca);
  const answers: string[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    answers.push((await c.cmd(`w${i}`, `LOGIN ${VVM_IMSI} "000${i}"`)).at(-1)!);
    assert.ok(performance.now() - t0 >= DELAY_MS - 20, `failure ${i} waited the delay`);
  }
  assert.deepEqual(answers, ['w0 NO invalid password', 'w1 NO invalid password', 'w2 NO user is blocked', 'w3 NO user is blocked']);
  assert.equal((await c.cmd('r', `LOGIN ${VVM_IMSI} "${VVM_PIN}"`)).at(-1), 'r NO user is blocked');
  assert.equal((await c.cmd('u', 'LOGIN 999990000000001 "1234"')).at(-1), 'u NO unknown user');
  c.end();
});

test('1,000 idle connections: all greeted, the daemon still answers, RSS under 200 MB', async () => {
  const conns: RawImap[] = [];
  try {
    for (let i = 0; i < 1000; i++) conns.push(await RawImap.connect(d.imap));
    for (const c of conns) assert.match((await c.line(60_000)).text, /^\* OK \[CAPABILITY/);
    const rss = rssOf(d.proc.child.pid!);
    assert.ok(rss < 200 * 1024 * 1024, `RSS ${Math.round(rss / 1048576)} MB`);
    const probe = await loggedIn(extraImsi(0));
    assert.equal((await probe.cmd('n', 'NOOP')).at(-1), 'n OK NOOP completed');
    probe.end();
  } finally {
    for (const c of conns) c.end();
  }
  assert.ok((await d.health()).services.includes('vvm'));
});

test('IDLE: a deposit shows up as EXISTS at once; DONE ends it', async () => {
  const t = await startTestDaemon(['vvm.enabled=true', 'vvm.imap_port=0', 'vvm.imaps_port=0']);
  try {
    const { accounts, mailbox } = t.ctx.services.vvm;
    await accounts.create(VVM_IMSI, { pin: VVM_PIN, status: 'ready' });
    const c = await RawImap.connect(Number(t.addresses.imap?.port));
    await c.line();
    await c.cmd('s', 'STARTTLS');
    await c.startTls();
    await c.cmd('l', `LOGIN ${VVM_IMSI} "${VVM_PIN}"`);
    assert.ok((await c.cmd('x', 'SELECT INBOX')).includes('* 0 EXISTS'));
    c.write('i IDLE\r\n');
    assert.equal((await c.line()).text, '+ idling');
    await mailbox.deposit(VVM_IMSI, { from: '+61400123456', audio: Buffer.from('#!AMR\n'), contentType: 'audio/amr', durationS: 3 });
    assert.equal((await c.line()).text, '* 1 EXISTS');
    assert.equal((await c.line()).text, '* 1 RECENT');
    c.write('DONE\r\n');
    assert.equal((await c.line()).text, 'i OK IDLE terminated');
    assert.match((await c.cmd('f', 'UID FETCH 1 (FLAGS)')).join('\n'), /\* 1 FETCH \(UID 1 FLAGS \(\\Recent\)\)/);
    c.end();
  } finally {
    await t.stop();
  }
});
