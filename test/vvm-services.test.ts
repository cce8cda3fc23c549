/**
 * VVM accounts and mailboxes over the Store port, on the memory and the embedded drivers (the embedded one
 * also across a restart: UIDVALIDITY, UIDNEXT, flags and expunges survive).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/ports.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { defaultConfig } from '../src/contracts/config.js';
import { buildVvm } from '../daemon/services.js';
import { VvmPinError } from '../src/services/vvm/accounts.js';
import { VvmQuotaError, type VvmEvent } from '../src/services/vvm/mailbox.js';
import { headerLength, headerValue } from '../src/imap/mime.js';

const IMSI = '505010000000001';

function vvm(store: Store, now: () => number, over: Partial<ReturnType<typeof defaultConfig>['vvm']> = {}) {
  const config = defaultConfig();
  Object.assign(config.vvm, { max_login_failures: 3, login_lockout_seconds: 60, ...over });
  return buildVvm(config, store, { now });
}

async function withDrivers(fn: (mk: () => Promise<Store>, name: string) => Promise<void>): Promise<void> {
  await fn(async () => createMemoryStore(), 'memory');
  const dir = mkdtempSync(join(tmpdir(), 'vvm-svc-'));
  try {
    await fn(async () => createEmbeddedStore({ dataDir: dir, lock: false }), 'embedded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('accounts: create, PIN rules, views without the hash, status and language', async () => {
  await withDrivers(async (mk, driver) => {
    const store = await mk();
    const { accounts } = vvm(store, () => 1_700_000_000_000);
    const v = await accounts.create(IMSI, { msisdn: '+61400123456', pin: '4817', status: 'ready' });
    assert.equal(v.pin_set, true, driver);
    assert.ok(!('pin_hash' in v));
    assert.ok(!JSON.stringify(await accounts.list()).includes('scrypt'));
    await assert.rejects(accounts.create(IMSI), /already exists/);
    await assert.rejects(accounts.create('12ab'), /not 5 to 15 digits/);
    await assert.rejects(accounts.setPin(IMSI, '12'), (e: unknown) => e instanceof VvmPinError && e.message === 'password too short');
    await assert.rejects(accounts.setPin(IMSI, '1'.repeat(16)), (e: unknown) => e instanceof VvmPinError && e.message === 'password too long');
    await assert.rejects(accounts.setPin(IMSI, '12a4'), (e: unknown) => e instanceof VvmPinError && e.message === 'password contains invalid characters');
    await assert.rejects(accounts.changePin(IMSI, '0000', '5931'), (e: unknown) => e instanceof VvmPinError && e.message === 'old password mismatch');
    await assert.rejects(accounts.changePin(IMSI, '4817', '1234'), (e: unknown) => e instanceof VvmPinError && e.message === 'password too weak');
    await accounts.changePin(IMSI, '4817', '5931');
    assert.equal((await accounts.authenticate(IMSI, '5931')).ok, true);
    assert.equal((await accounts.setLanguage(IMSI, '2')).language, '2');
    await assert.rejects(accounts.setLanguage(IMSI, 'en'), /language/);
    assert.equal((await accounts.setStatus(IMSI, 'blocked')).status, 'blocked');
    assert.deepEqual(await accounts.authenticate(IMSI, '5931'), { ok: false, reason: 'blocked', imsi: IMSI });
    await store.close();
  });
});

test('authenticate: OMTP reasons, user@domain, lock-out after N wrong PINs, cleared by set-pin', async () => {
  let now = 1_700_000_000_000;
  const store = createMemoryStore();
  const { accounts } = vvm(store, () => now);
  assert.deepEqual(await accounts.authenticate('nobody', 'x'), { ok: false, reason: 'unknown_user', imsi: null });
  assert.deepEqual(await accounts.authenticate(IMSI, 'x'), { ok: false, reason: 'unknown_user', imsi: IMSI });
  await accounts.create(IMSI, { status: 'new' });
  assert.equal((await accounts.authenticate(IMSI, 'x') as { reason: string }).reason, 'not_provisioned');
  await accounts.setStatus(IMSI, 'provisioned');
  assert.equal((await accounts.authenticate(IMSI, 'x') as { reason: string }).reason, 'not_activated');
  await accounts.setStatus(IMSI, 'ready');
  assert.equal((await accounts.authenticate(IMSI, 'x') as { reason: string }).reason, 'not_initialized');
  await accounts.setPin(IMSI, '4817');
  assert.equal((await accounts.authenticate(`${IMSI}@vvm.example.com`, '4817')).ok, true);
  assert.equal((await accounts.authenticate(`${IMSI}@other.example`, '4817')).ok, false);
  assert.equal((await accounts.authenticate(IMSI, '0001') as { reason: string }).reason, 'invalid_password');
  assert.equal((await accounts.authenticate(IMSI, '0002') as { reason: string }).reason, 'invalid_password');
  assert.equal((await accounts.authenticate(IMSI, '0003') as { reason: string }).reason, 'locked');
  // Locked: even the right PIN is refused until the lock-out ends.
  assert.equal((await accounts.authenticate(IMSI, '4817') as { reason: string }).reason, 'locked');
  now += 61_000;
  assert.equal((await accounts.authenticate(IMSI, '4817')).ok, true);
  for (const p of ['1', '2', '3']) await accounts.authenticate(IMSI, p);
  assert.equal((await accounts.authenticate(IMSI, '4817') as { reason: string }).reason, 'locked');
  await accounts.setPin(IMSI, '7351');
  assert.equal((await accounts.authenticate(IMSI, '7351')).ok, true);
});

test('mailbox: deposit is visible with its counters; flags, expunge, move, copy; events; restart keeps UIDs and flags', async () => {
  await withDrivers(async (mk, driver) => {
    let store = await mk();
    let svc = vvm(store, () => Date.UTC(2025, 0, 25, 10, 30));
    await svc.accounts.create(IMSI, { pin: '4817', status: 'ready' });
    const events: VvmEvent[] = [];
    svc.mailbox.onEvent((e) => events.push(e));
    const a = await svc.mailbox.deposit(IMSI, { from: '+61400123456', audio: Buffer.alloc(3000, 7), contentType: 'audio/amr', durationS: 30 });
    const b = await svc.mailbox.deposit(IMSI, { from: '', audio: Buffer.alloc(100, 1), contentType: 'audio/amr' });
    assert.deepEqual([a.uid, b.uid], [1, 2], driver);
    assert.deepEqual(events.map((e) => `${e.kind}:${e.uid}`), ['NM:1', 'NM:2']);
    const msg = (await svc.mailbox.getMessage(IMSI, 'INBOX', 1))!;
    const raw = Buffer.from(msg.raw, 'latin1');
    const head = raw.subarray(0, headerLength(raw));
    assert.equal(headerValue(head, 'from'), '61400123456@vvm.example.com');
    assert.equal(headerValue(head, 'content-duration'), '30');
    assert.equal(headerValue(head, 'x-vvm-sender'), '+61400123456');
    assert.equal(headerValue(head, 'date'), 'Sat, 25 Jan 2025 10:30:00 +0000');
    assert.match(headerValue(head, 'content-type')!, /^multipart\/voice-message; boundary=/);
    assert.match(raw.toString('latin1'), /Content-Type: audio\/amr\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="voicemail.amr"/);
    const withheld = Buffer.from((await svc.mailbox.getMessage(IMSI, 'INBOX', 2))!.raw, 'latin1');
    assert.equal(headerValue(withheld.subarray(0, headerLength(withheld)), 'from'), 'unknown@vvm.example.com');
    let sum = await svc.mailbox.summary(IMSI);
    assert.equal(sum.messages, 2);
    assert.equal(sum.unseen, 2);
    assert.equal(sum.bytes, raw.length + withheld.length);

    assert.deepEqual(await svc.mailbox.storeFlags(IMSI, 'INBOX', [1], 'add', ['\\SEEN']), [{ uid: 1, flags: ['\\Recent', '\\Seen'] }]);
    await assert.rejects(svc.mailbox.storeFlags(IMSI, 'INBOX', [1], 'add', ['\\Flagged']), /not allowed/);
    assert.equal((await svc.mailbox.summary(IMSI)).unseen, 1);
    const moved = await svc.mailbox.copy(IMSI, 'INBOX', [1], 'Saved', true);
    assert.deepEqual(moved.pairs, [[1, 1]]);
    assert.equal(await svc.mailbox.getMessage(IMSI, 'INBOX', 1), undefined);
    assert.ok(await svc.mailbox.getMessage(IMSI, 'Saved', 1));
    const copied = await svc.mailbox.copy(IMSI, 'INBOX', [2], 'Trash', false);
    assert.deepEqual(copied.pairs, [[2, 1]]);
    await svc.mailbox.storeFlags(IMSI, 'Trash', [1], 'add', ['\\Deleted']);
    assert.deepEqual(await svc.mailbox.expunge(IMSI, 'Trash'), [1]);
    assert.equal(await svc.mailbox.getMessage(IMSI, 'Trash', 1), undefined);
    const uidvalidity = (await svc.mailbox.open(IMSI)).uidvalidity;
    assert.ok(events.some((e) => e.kind === 'MBU' && e.origin === 'imap'));

    await store.close();
    store = await mk();
    svc = vvm(store, () => Date.UTC(2025, 0, 26));
    const box = await svc.mailbox.open(IMSI);
    if (driver === 'embedded') {
      assert.equal(box.uidvalidity, uidvalidity, 'UIDVALIDITY survives a restart');
      assert.equal(box.folders.INBOX.uidnext, 3);
      assert.equal(box.folders.Trash.uidnext, 2);
      assert.deepEqual(box.folders.Saved.msgs.map((m) => m.flags), [['\\Seen', '\\Recent']]);
      assert.deepEqual(box.folders.INBOX.msgs.map((m) => m.uid), [2]);
      sum = await svc.mailbox.summary(IMSI);
      assert.equal(sum.messages, 2);
      assert.equal((await svc.mailbox.deposit(IMSI, { from: '+1', audio: Buffer.from('x'), contentType: 'audio/amr' })).uid, 3);
    }
    await store.close();
  });
});

test('mailbox: quota by message count and by bytes refuses a deposit whole (typed error, nothing visible)', async () => {
  const store = createMemoryStore();
  const svc = vvm(store, () => 1_700_000_000_000, { default_max_messages: 2, default_storage_limit_kb: 10 });
  await svc.accounts.create(IMSI, { pin: '4817', status: 'ready' });
  await svc.mailbox.deposit(IMSI, { from: '+1', audio: Buffer.alloc(10), contentType: 'audio/amr' });
  await svc.mailbox.deposit(IMSI, { from: '+1', audio: Buffer.alloc(10), contentType: 'audio/amr' });
  await assert.rejects(svc.mailbox.deposit(IMSI, { from: '+1', audio: Buffer.alloc(10), contentType: 'audio/amr' }), (e: unknown) => e instanceof VvmQuotaError && /2\/2 messages/.test(e.message));
  await svc.accounts.setQuota(IMSI, { maxMessages: 50 });
  await assert.rejects(svc.mailbox.deposit(IMSI, { from: '+1', audio: Buffer.alloc(20_000), contentType: 'audio/amr' }), VvmQuotaError);
  const box = await svc.mailbox.open(IMSI);
  assert.equal(box.folders.INBOX.msgs.length, 2);
  assert.equal(await svc.mailbox.getMessage(IMSI, 'INBOX', 3), undefined, 'no record is left behind');
  await assert.rejects(svc.mailbox.deposit('505010000000009', { from: '+1', audio: Buffer.alloc(10), contentType: 'audio/amr' }), /no VVM account/);
  await assert.rejects(svc.mailbox.deposit(IMSI, { from: '+1', audio: Buffer.alloc(10), contentType: 'text/plain' }), /not audio/);
});

test('mailbox: concurrent deposits get distinct UIDs and all become visible', async () => {
  const store = createMemoryStore();
  const svc = vvm(store, () => 1_700_000_000_000);
  await svc.accounts.create(IMSI, { pin: '4817', status: 'ready' });
  const got = await Promise.all(Array.from({ length: 20 }, (_, i) => svc.mailbox.deposit(IMSI, { from: `+${i}`, audio: Buffer.alloc(10, i), contentType: 'audio/amr' })));
  assert.deepEqual(got.map((g) => g.uid).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal((await svc.mailbox.summary(IMSI)).messages, 20);
});

test('greetings: set, list, replace, one active, remove; APPEND needs the greeting type', async () => {
  const store = createMemoryStore();
  const svc = vvm(store, () => 1_700_000_000_000, { default_max_greeting_seconds: 60 });
  await svc.accounts.create(IMSI, { pin: '4817', status: 'ready' });
  const events: VvmEvent[] = [];
  svc.mailbox.onEvent((e) => events.push(e));
  const n = await svc.mailbox.setGreeting(IMSI, 'normal', Buffer.alloc(50, 1), 'audio/amr', 10);
  assert.equal(n.active, true);
  const busy = await svc.mailbox.setGreeting(IMSI, 'busy', Buffer.alloc(50, 2), 'audio/amr', 5);
  const sig = await svc.mailbox.setGreeting(IMSI, 'voice_signature', Buffer.alloc(20, 3), 'audio/amr', 3);
  let list = await svc.mailbox.listGreetings(IMSI);
  assert.deepEqual(list.map((g) => [g.kind, g.active]), [['normal', false], ['busy', true], ['voice_signature', true]]);
  const again = await svc.mailbox.setGreeting(IMSI, 'normal', Buffer.alloc(60, 4), 'audio/amr', 12);
  list = await svc.mailbox.listGreetings(IMSI);
  assert.deepEqual(list.map((g) => [g.kind, g.uid, g.active]), [['busy', busy.uid, false], ['voice_signature', sig.uid, true], ['normal', again.uid, true]]);
  assert.equal(await svc.mailbox.getMessage(IMSI, 'Greetings', n.uid), undefined, 'the replaced greeting is gone');
  assert.equal(await svc.mailbox.removeGreeting(IMSI, 'busy'), true);
  assert.equal(await svc.mailbox.removeGreeting(IMSI, 'busy'), false);
  assert.equal(events.filter((e) => e.kind === 'GU').length, 5);
  await assert.rejects(svc.mailbox.append(IMSI, 'Greetings', Buffer.from('Subject: x\r\n\r\nhello'), [], undefined), /X-CNS-Greeting-Type/);
  await assert.rejects(svc.mailbox.append(IMSI, 'INBOX', Buffer.from('Subject: x\r\n\r\nhello'), [], undefined), /only to the Greetings/);
  await assert.rejects(svc.mailbox.setGreeting(IMSI, 'normal', Buffer.alloc(5), 'audio/amr', 61), /longer than 60 s/);
  assert.equal((await svc.mailbox.summary(IMSI)).messages, 0, 'greetings are not voice messages');
  assert.ok(await svc.mailbox.removeAll(IMSI) >= 2);
});

test('config: the old vvm.imap_ssl key is explained, not just unknown', async () => {
  const { resolveConfig, ConfigError } = await import('../src/contracts/config.js');
  assert.throws(() => resolveConfig({ text: 'vvm:\n  imap_ssl: true\n' }), (e: unknown) => e instanceof ConfigError && /vvm\.imap_ssl: removed: vvm\.imap_port is now the STARTTLS port/.test(e.message));
  const c = resolveConfig({});
  assert.equal(c.vvm.imap_port, 143);
  assert.equal(c.vvm.imaps_port, 993);
});

test('racing deposits become visible in UID order: the first reserved is never shown after a later one', async () => {
  // A store whose message writes finish late for the first deposit only: without the per-mailbox order, the second
  // deposit's message was made visible first and the index read [u+1, u] (seen on PostgreSQL with two daemons).
  const base = createMemoryStore();
  let slowNext = false;
  const store: Store = {
    ...base,
    collection<T>(name: string, spec?: Parameters<Store['collection']>[1]) {
      const c = base.collection<T>(name, spec);
      if (name !== 'vvm_messages') return c;
      return Object.assign(Object.create(c) as typeof c, {
        put: async (key: string, value: T) => {
          if (slowNext) { slowNext = false; await new Promise((r) => setTimeout(r, 50)); }
          return c.put(key, value);
        },
      });
    },
  };
  const { accounts, mailbox } = vvm(store, () => 1_700_000_000_000);
  await accounts.create(IMSI, { status: 'ready', pin: '4817' });
  const seen: number[] = [];
  mailbox.onEvent((e: VvmEvent) => { if (e.kind === 'NM' && e.uid !== undefined) seen.push(e.uid); });
  slowNext = true;
  const deposits = await Promise.all([0, 1, 2].map((i) => mailbox.deposit(IMSI, { from: '+61400000001', audio: Buffer.from([1, 2, 3, i]), contentType: 'audio/amr' })));
  const uids = deposits.map((d) => d.uid);
  assert.deepEqual(uids, [...uids].sort((a, b) => a - b), 'UIDs reserved in call order');
  assert.deepEqual((await mailbox.open(IMSI)).folders.INBOX.msgs.map((m) => m.uid), uids, 'the index ascends');
  assert.deepEqual(seen, uids, 'NM announced in UID order');
});
