/**
 * Visual voicemail on the PostgreSQL driver (issue 16), on a throw-away cluster (test/pg-cluster.ts):
 * - the mailbox service on two stores over one database (two daemons): deposit, UIDs, flags, move, quota,
 *   expunge, UIDVALIDITY/UIDNEXT after reopening;
 * - deposits on one daemon racing STORE \Deleted + EXPUNGE on the other: every deposit visible exactly
 *   once, every expunged record gone, no index entry without its message;
 * - a real daemon on PostgreSQL: admin API deposit → SYNC ev=NM at a loopback gateway, IMAP LOGIN, UID FETCH,
 *   UID STORE, GETQUOTAROOT, an EXPUNGE racing a deposit, and vvm_messages_total on /metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPgStore } from '../daemon/store/pg/pg-store.js';
import { defaultConfig } from '../src/contracts/config.js';
import { buildVvm } from '../daemon/services.js';
import { openCollection } from '../src/store/collections.js';
import { VvmQuotaError } from '../src/services/vvm/mailbox.js';
import type { Store } from '../src/ports.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';
import { RawImap } from './imap-client.js';
import { IMSI, PHONE, withSetup } from './vvm-sms-harness.js';

let cluster: PgCluster;
before(async () => { cluster = await startPgCluster(); }, { timeout: 300_000 });
after(async () => { await cluster?.destroy(); });

const audio = (n: number, salt = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i + salt) & 0xff));
const T0 = Date.UTC(2025, 0, 25, 10, 30, 0);

function vvmOn(store: Store, maxMessages = 100) {
  const config = defaultConfig();
  config.vvm.default_max_messages = maxMessages;
  return buildVvm(config, store, { now: () => T0 });
}

/** The message records stored under a folder (what the index must match). */
async function recordUids(store: Store, folder: string): Promise<number[]> {
  const rows = await openCollection<{ uid: number }>(store, 'vvm_messages').scan({ prefix: `${IMSI}/${folder}/`, limit: 10_000 });
  return rows.map(([, r]) => r.uid).sort((x, y) => x - y);
}

test('PostgreSQL: deposit, flags, move, quota and expunge through two daemons on one database; UIDVALIDITY and UIDNEXT kept on reopening', { timeout: 300_000 }, async () => {
  const url = await cluster.createDatabase('vvm_services');
  const a = await createPgStore({ url, nodeName: 'a' });
  const b = await createPgStore({ url, nodeName: 'b' });
  try {
    const va = vvmOn(a, 3);
    const vb = vvmOn(b, 3);
    await va.accounts.create(IMSI, { pin: '4817', status: 'ready', msisdn: PHONE });
    const d1 = await va.mailbox.deposit(IMSI, { from: PHONE, audio: audio(1500), contentType: 'audio/amr', durationS: 30 });
    const d2 = await vb.mailbox.deposit(IMSI, { from: '', audio: audio(900, 1), contentType: 'audio/amr' });
    assert.deepEqual([d1.uid, d2.uid], [1, 2]);
    const seenByB = await vb.mailbox.open(IMSI);
    assert.equal(seenByB.uidvalidity, (await va.mailbox.open(IMSI)).uidvalidity);
    assert.deepEqual(seenByB.folders.INBOX.msgs.map((m) => [m.uid, m.flags]), [[1, ['\\Recent']], [2, ['\\Recent']]]);
    assert.equal(seenByB.folders.INBOX.uidnext, 3);
    // The bytes survive the driver exactly (latin1 in JSON): the index size is the stored message's length.
    const m1 = (await vb.mailbox.getMessage(IMSI, 'INBOX', 1))!;
    assert.equal(Buffer.from(m1.raw, 'latin1').length, seenByB.folders.INBOX.msgs[0]!.size);
    assert.match(m1.raw, /^From: 61400123456@vvm\.example\.com\r$/m);
    // Flags set on one daemon are what the other reads.
    await va.mailbox.storeFlags(IMSI, 'INBOX', [1], 'add', ['\\Seen']);
    assert.deepEqual((await vb.mailbox.open(IMSI)).folders.INBOX.msgs[0]!.flags, ['\\Recent', '\\Seen']);
    // MOVE to Saved: one atomic update; the record moves with it.
    assert.deepEqual((await vb.mailbox.copy(IMSI, 'INBOX', [2], 'Saved', true)).pairs, [[2, 1]]);
    assert.deepEqual([await recordUids(a, 'INBOX'), await recordUids(a, 'Saved')], [[1], [1]]);
    // Quota (3 voice messages): the third fits, the fourth is refused whole.
    assert.equal((await va.mailbox.deposit(IMSI, { from: PHONE, audio: audio(700, 2), contentType: 'audio/amr' })).uid, 3);
    await assert.rejects(vb.mailbox.deposit(IMSI, { from: PHONE, audio: audio(700, 3), contentType: 'audio/amr' }), VvmQuotaError);
    assert.deepEqual(await recordUids(a, 'INBOX'), [1, 3], 'a refused deposit leaves no record');
    assert.equal((await va.mailbox.summary(IMSI)).messages, 3);
    // EXPUNGE on one daemon: gone for both, record deleted.
    await va.mailbox.storeFlags(IMSI, 'INBOX', [1], 'add', ['\\Deleted']);
    assert.deepEqual(await vb.mailbox.expunge(IMSI, 'INBOX'), [1]);
    assert.equal(await va.mailbox.getMessage(IMSI, 'INBOX', 1), undefined);
    assert.deepEqual((await va.mailbox.open(IMSI)).folders.INBOX.msgs.map((m) => m.uid), [3]);
  } finally {
    await a.close();
    await b.close();
  }
  // A daemon started later on the same database: the same UIDVALIDITY, UIDNEXT and flags.
  const c = await createPgStore({ url, nodeName: 'c' });
  try {
    const box = await vvmOn(c).mailbox.open(IMSI);
    assert.equal(box.folders.INBOX.uidnext, 4, 'UIDs 1 to 3 deposited; the refused deposit spent none');
    assert.deepEqual(box.folders.Saved.msgs.map((m) => m.uid), [1]);
  } finally {
    await c.close();
  }
});

test('PostgreSQL: deposits on one daemon racing STORE \\Deleted + EXPUNGE on another: each deposit visible once, nothing half-visible', { timeout: 300_000 }, async () => {
  const url = await cluster.createDatabase('vvm_race');
  const a = await createPgStore({ url, nodeName: 'a' });
  const b = await createPgStore({ url, nodeName: 'b' });
  try {
    const va = vvmOn(a);
    const vb = vvmOn(b);
    await va.accounts.create(IMSI, { pin: '4817', status: 'ready', msisdn: PHONE });
    const old: number[] = [];
    for (let i = 0; i < 10; i++) old.push((await va.mailbox.deposit(IMSI, { from: PHONE, audio: audio(400, i), contentType: 'audio/amr' })).uid);
    const deposited: number[] = [];
    const expunged: number[] = [];
    let depositing = true;
    const deposits = (async () => {
      // Four lanes of five deposits on daemon a.
      await Promise.all(Array.from({ length: 4 }, async (_, lane) => {
        for (let i = 0; i < 5; i++) deposited.push((await va.mailbox.deposit(IMSI, { from: PHONE, audio: audio(300, lane * 10 + i), contentType: 'audio/amr' })).uid);
      }));
      depositing = false;
    })();
    // Daemon b deletes the old messages two at a time, expunging after each STORE, while the deposits run.
    const pending = [...old];
    while (depositing || pending.length) {
      const two = pending.splice(0, 2);
      if (two.length) await vb.mailbox.storeFlags(IMSI, 'INBOX', two, 'add', ['\\Deleted']);
      expunged.push(...(await vb.mailbox.expunge(IMSI, 'INBOX')));
      if (!two.length) await new Promise((r) => setTimeout(r, 5));
    }
    await deposits;
    expunged.push(...(await vb.mailbox.expunge(IMSI, 'INBOX')));
    assert.deepEqual([...expunged].sort((x, y) => x - y), old, 'exactly the deleted messages were expunged');
    assert.equal(new Set(deposited).size, 20, 'distinct UIDs');
    const box = await vb.mailbox.open(IMSI);
    const visible = box.folders.INBOX.msgs.map((m) => m.uid);
    assert.deepEqual(visible, [...deposited].sort((x, y) => x - y), 'every deposit visible, in UID order');
    assert.ok(box.folders.INBOX.msgs.every((m) => !m.flags.includes('\\Deleted')));
    assert.equal(box.folders.INBOX.uidnext, 31);
    assert.deepEqual(await recordUids(a, 'INBOX'), visible, 'a record for every visible message and none for an expunged one');
  } finally {
    await a.close();
    await b.close();
  }
});

test('PostgreSQL daemon: API deposit → SYNC ev=NM; IMAP UID FETCH, STORE, GETQUOTAROOT; EXPUNGE racing a deposit; vvm_messages_total', { timeout: 300_000 }, async () => {
  const url = await cluster.createDatabase('vvm_daemon');
  await withSetup(async (d, gw) => {
    const created = await d.call('POST', '/api/vvm/accounts', { imsi: IMSI, msisdn: PHONE, pin: '4817', status: 'ready' });
    assert.equal(created.status, 201, created.text);
    const deposit = (salt: number) => d.call('POST', `/api/vvm/accounts/${IMSI}/deposit`, { from: PHONE, audio_base64: audio(800, salt).toString('base64'), content_type: 'audio/amr', duration_s: 12 });
    const first = await deposit(0);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.sync.state, 'sent');
    assert.match((await gw.waitFor(1))[0]!.body.text, /^\/\/VVM:SYNC:ev=NM;id=1;c=1;t=v;s=\+61400123456;dt=.*;l=12$/);

    const c = await RawImap.connect(d.ctx.listeners.imap!.port!);
    try {
      await c.line();
      assert.match((await c.cmd('a', `LOGIN ${IMSI} 4817`)).at(-1)!, /^a OK/);
      assert.ok((await c.cmd('b', 'SELECT INBOX')).includes('* 1 EXISTS'));
      const fetched = await c.cmd('f', 'UID FETCH 1 (UID BODY.PEEK[])');
      assert.match(fetched[0]!, /^\* 1 FETCH \(UID 1 BODY\[\] \{(\d+)\}~literal:\1:sha256:[0-9a-f]{16}~\)$/);
      assert.match((await c.cmd('s', 'UID STORE 1 +FLAGS (\\Seen \\Deleted)')).join('\n'), /\* 1 FETCH \(FLAGS \(\\Seen \\Deleted\) UID 1\)/);
      assert.match((await c.cmd('q', 'GETQUOTAROOT INBOX')).join('\n'), /^\* QUOTA "" \(voice 1 100 STORAGE \d+ 50000\)$/m);
      // A deposit racing the EXPUNGE: the expunge removes message 1 only; the deposit shows up as EXISTS.
      const [second, expunge] = await Promise.all([deposit(1), c.cmd('e', 'EXPUNGE')]);
      assert.equal(second.status, 201, second.text);
      assert.equal(second.json.uid, 2);
      assert.ok(expunge.includes('* 1 EXPUNGE'), expunge.join('\n'));
      assert.match(expunge.at(-1)!, /^e OK/);
      await c.cmd('p', 'NOOP');
      const search = await c.cmd('n', 'UID SEARCH ALL');
      assert.ok(search.includes('* SEARCH 2'), search.join('\n'));
      assert.match((await gw.waitFor(2))[1]!.body.text, /^\/\/VVM:SYNC:ev=NM;id=2;c=1;/);
      const moved = await c.cmd('m', 'UID MOVE 2 Saved');
      assert.ok(moved.some((l) => /^\* OK \[COPYUID \d+ 2 1\] moved$/.test(l)), moved.join('\n'));
      assert.ok(moved.includes('* 1 EXPUNGE'), moved.join('\n'));
      await c.cmd('z', 'LOGOUT');
    } finally {
      c.end();
    }
    const metrics = (await d.call('GET', '/metrics')).text;
    assert.match(metrics, /^vvm_messages_total\{operation="deposit",service="omnisep"\} 2$/m);
    assert.match(metrics, /^vvm_messages_total\{operation="read",service="omnisep"\} 1$/m);
    assert.match(metrics, /^vvm_messages_total\{operation="delete",service="omnisep"\} 1$/m);
    assert.match(metrics, /^vvm_messages_total\{operation="move",service="omnisep"\} 1$/m);
    assert.match(metrics, /^vvm_message_duration_seconds_count\{service="omnisep"\} 2$/m);
  }, ['storage.driver=postgres', `storage.url=${url}`, 'storage.cluster_secret=vvm-pg-test-cluster-secret', 'vvm.imap_allow_plaintext_login=true', 'vvm.login_failure_delay_ms=0']);
});
