/**
 * A well-kept npm IMAP client (imapflow, as a Node voicemail backend would use) against the VVM IMAP
 * server of a real `omnisep serve`: STARTTLS with the daemon's certificate verified, LOGIN, SELECT,
 * FETCH of envelope, flags and the whole message, STORE \Seen, GETQUOTA on the `voice` resource,
 * APPEND of a greeting, MOVE to Saved (RFC 6851), and the mailbox as the next session sees it; then
 * the implicit-TLS port, and a wrong PIN refused.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startVvmDaemon, VVM_IMSI, VVM_PIN, type VvmDaemon } from './vvm-imap-harness.js';

let d: VvmDaemon;
before(async () => { d = await startVvmDaemon(); });
after(async () => { await d?.stop(); });

const client = (port: number, secure: boolean, pass = VVM_PIN) =>
  new ImapFlow({ host: '127.0.0.1', port, secure, auth: { user: VVM_IMSI, pass }, tls: { ca: d.ca, servername: 'localhost' }, logger: false, disableCompression: true });

test('imapflow over STARTTLS: select, fetch, flags, quota, append a greeting, move to Saved', async () => {
  const c = client(d.imap, false);
  await c.connect();
  try {
    assert.ok(c.secureConnection || (c as unknown as { _socket?: { encrypted?: boolean } })._socket?.encrypted !== false, 'upgraded to TLS');
    const lock = await c.getMailboxLock('INBOX');
    try {
      const box = c.mailbox;
      assert.ok(box && box.exists === 2, `INBOX holds the two seeded messages (got ${box ? box.exists : 'none'})`);
      const msgs = [];
      for await (const m of c.fetch('1:*', { uid: true, envelope: true, flags: true, size: true, source: true })) msgs.push(m);
      assert.equal(msgs.length, 2);
      const first = msgs[0]!;
      assert.equal(first.envelope?.from?.[0]?.address, '61400123456@vvm.example.com');
      assert.equal(first.flags?.has('\\Seen'), false);
      assert.ok(first.source && first.source.length === first.size, 'the whole message, RFC822.SIZE bytes');
      assert.match(first.source!.toString('latin1'), /Content-Type: audio\/amr/);

      assert.equal(await c.messageFlagsAdd({ uid: String(first.uid) }, ['\\Seen'], { uid: true }), true);
      const again = await c.fetchOne(String(first.uid), { flags: true }, { uid: true });
      assert.ok(again && again.flags?.has('\\Seen'), '\\Seen is stored');

      const quota = await c.getQuota('INBOX');
      assert.ok(quota, 'GETQUOTAROOT answered');
      const voice = quota.voice as { usage?: number; limit?: number } | undefined;
      assert.equal(voice?.usage, 2, `the voice resource counts the messages: ${JSON.stringify(quota)}`);
      assert.equal(voice?.limit, 100);
      assert.ok(quota.storage && typeof quota.storage !== 'string', 'and STORAGE the bytes');

      const moved = await c.messageMove({ uid: String(first.uid) }, 'Saved', { uid: true });
      assert.ok(moved && moved.uidMap && moved.uidMap.size === 1, 'MOVE answered with COPYUID');
    } finally {
      lock.release();
    }
    const greeting = Buffer.concat([
      Buffer.from('From: ' + VVM_IMSI + '@vvm.example.com\r\nX-CNS-Greeting-Type: normal-greeting\r\nContent-Type: audio/amr\r\nContent-Transfer-Encoding: base64\r\n\r\n'),
      Buffer.from(Buffer.from('#!AMR\n0123456789').toString('base64') + '\r\n'),
    ]);
    const appended = await c.append('Greetings', greeting);
    assert.ok(appended && appended.uid && appended.uid > 0, 'APPENDUID for the greeting');
    const saved = await c.status('Saved', { messages: true });
    assert.ok(saved && saved.messages === 1, 'the moved message is in Saved');
    const inbox = await c.status('INBOX', { messages: true, unseen: true });
    assert.ok(inbox && inbox.messages === 1 && inbox.unseen === 1, 'one unseen message left in INBOX');
  } finally {
    await c.logout();
  }
});

test('imapflow on the implicit-TLS port logs in; a wrong PIN is refused', async () => {
  const c = client(d.imaps, true);
  await c.connect();
  assert.equal(c.authenticated !== false, true);
  await c.logout();
  const bad = client(d.imaps, true, '0000');
  await assert.rejects(bad.connect(), (e: Error & { authenticationFailed?: boolean; responseText?: string }) => Boolean(e.authenticationFailed) || /auth|login/i.test(String(e.responseText ?? e.message)));
  bad.close();
});
