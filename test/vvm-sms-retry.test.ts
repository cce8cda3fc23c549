/**
 * `omnisep vvm sms retry [ID|--all]` and POST /api/vvm/sms/retry (docs/vvm-sms.md § Backlog): SMS given up
 * while the gateway failed are sent again, with a fresh count of attempts, once it is back; the real CLI
 * against a real daemon and a loopback gateway. Also: every deposit path queues the SYNC ev=NM (a deposit
 * made by a direct service call, not the admin route, reaches the gateway too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, runCli } from './cli-harness.js';
import { IMSI, PHONE, withSetup } from './vvm-sms-harness.js';
import type { TestDaemon } from './daemon-helpers.js';

const backlog = async (d: TestDaemon) => (await d.call('GET', '/api/vvm/sms')).json as { total: number; sms: Array<{ id: string; state: string; attempts: number; text: string | null }> };

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('vvm sms retry: failed SMS sent again by id (API) and --all (CLI); usage errors; unknown id is 404', async () => {
  await withSetup(async (d, gw) => {
    assert.equal((await d.call('POST', '/api/vvm/accounts', { imsi: IMSI, msisdn: PHONE, status: 'ready' })).status, 201);
    gw.mode = 'fail';
    for (const ev of ['MBU', 'GU']) await d.call('POST', `/api/vvm/accounts/${IMSI}/sms/sync`, { ev });
    // vvm.sms_gateway_max_attempts=3, back-off 50 ms: both are given up after three attempts each.
    const failed = await until('both SMS given up', async () => {
      const b = await backlog(d);
      return b.sms.length === 2 && b.sms.every((s) => s.state === 'failed') ? b.sms : undefined;
    });
    assert.deepEqual(failed.map((s) => s.attempts), [3, 3]);
    // Keys sort by creation time; two created in the same millisecond sort by their random part.
    const mbu = failed.find((s) => s.text === '//VVM:SYNC:ev=MBU;c=0')!;
    const gu = failed.find((s) => s.text === '//VVM:SYNC:ev=GU')!;
    const tried = gw.received.length;
    gw.mode = 'ok';

    const one = await d.call('POST', '/api/vvm/sms/retry', { id: mbu.id });
    assert.equal(one.status, 200, one.text);
    assert.deepEqual([one.json.count, one.json.sms[0].id, one.json.sms[0].state, one.json.sms[0].attempts], [1, mbu.id, 'pending', 0]);
    const got = await gw.waitFor(tried + 1);
    assert.equal(got[tried]!.body.text, '//VVM:SYNC:ev=MBU;c=0');
    await until('the first gone from the backlog', async () => ((await backlog(d)).total === 1 ? true : undefined));

    const sock = ['--socket', d.socket];
    const usage = await runCli(['vvm', 'sms', 'retry', ...sock]);
    assert.equal(usage.code, 2, usage.stderr);
    assert.match(usage.stderr, /an SMS id or --all/);
    const all = await runCli(['vvm', 'sms', 'retry', '--all', '--json', ...sock]);
    assert.equal(all.code, 0, all.stderr);
    const body = parseJson<{ count: number; sms: Array<{ id: string }> }>(all);
    assert.deepEqual([body.count, body.sms[0]!.id], [1, gu.id]);
    assert.equal((await gw.waitFor(tried + 2))[tried + 1]!.body.text, '//VVM:SYNC:ev=GU');
    await until('the backlog empty', async () => ((await backlog(d)).total === 0 ? true : undefined));
    const human = await runCli(['vvm', 'sms', 'retry', '--all', ...sock]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^0 SMS queued again/);

    const missing = await d.call('POST', '/api/vvm/sms/retry', { id: '0000000000000-000000000000' });
    assert.deepEqual([missing.status, missing.json.code], [404, 'OMNISEP_VVM_NOT_FOUND']);
    const both = await d.call('POST', '/api/vvm/sms/retry', { id: mbu.id, all: true });
    assert.deepEqual([both.status, both.json.code], [400, 'OMNISEP_VVM_INVALID']);
    const acts = (await d.call('GET', '/api/activity?limit=1000')).json.activities as Array<{ request_type: string }>;
    assert.equal(acts.filter((a) => a.request_type === 'vvm_sms_retry').length, 3);
  });
});

test('SYNC ev=NM for a deposit made by the service layer directly (not the admin route); GU for the operator\'s greeting; none for the phone\'s own changes', async () => {
  await withSetup(async (d, gw) => {
    const { mailbox, accounts } = d.ctx.services.vvm;
    await accounts.create(IMSI, { msisdn: PHONE, status: 'ready', pin: '4817' });
    const { uid } = await mailbox.deposit(IMSI, { from: PHONE, audio: Buffer.alloc(300, 7), contentType: 'audio/amr', durationS: 9 });
    assert.match((await gw.waitFor(1))[0]!.body.text, new RegExp(`^//VVM:SYNC:ev=NM;id=${uid};c=1;t=v;s=\\+61400123456;dt=.*;l=9$`));
    await mailbox.setGreeting(IMSI, 'normal', Buffer.alloc(200, 1), 'audio/amr', 5);
    assert.equal((await gw.waitFor(2))[1]!.body.text, '//VVM:SYNC:ev=GU');
    // The phone's own change over IMAP (origin imap): no SYNC.
    await mailbox.storeFlags(IMSI, 'INBOX', [uid], 'add', ['\\Seen']);
    // The operator's change elsewhere: MBU with the new unseen count.
    await mailbox.storeFlags(IMSI, 'INBOX', [uid], 'remove', ['\\Seen'], 'operator');
    assert.equal((await gw.waitFor(3))[2]!.body.text, '//VVM:SYNC:ev=MBU;c=1');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(gw.received.length, 3);
    const metrics = (await d.call('GET', '/metrics')).text;
    assert.match(metrics, /^vvm_messages_total\{operation="deposit",service="omnisep"\} 1$/m);
    assert.match(metrics, /^vvm_message_duration_seconds_count\{service="omnisep"\} 1$/m);
  });
});
