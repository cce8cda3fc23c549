/**
 * `omnisep vvm` through the real CLI against a real daemon and a loopback SMS gateway (docs/vvm-sms.md):
 * a deposit reaches the gateway as the exact SYNC text, then the phone's side logs in over IMAP with the
 * credentials of a STATUS and fetches it with python's imaplib. PINs and passwords never in CLI output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDaemon } from './daemon-helpers.js';
import { parseJson, runCli } from './cli-harness.js';
import { formatSyncDate } from '../src/codec/omtp/sms.js';
import { IMSI, PHONE, imaplibFetch, readyStatus, runWithStdin, withSetup } from './vvm-sms-harness.js';

const activityOf = async (d: TestDaemon) => (await d.call('GET', '/api/activity?limit=1000')).json.activities as Array<Record<string, unknown>>;

test('omnisep vvm deposit (real CLI, real daemon) → SYNC ev=NM with the exact text at the gateway; sms status/sync/ls and account commands', async () => {
  await withSetup(async (d, gw) => {
    const dir = mkdtempSync(join(tmpdir(), 'vvm-cli-'));
    try {
      const audio = join(dir, 'voice.amr');
      writeFileSync(audio, Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(600, 0x3c)]));
      const sock = ['--socket', d.socket];
      const add = await runCli(['vvm', 'account', 'add', IMSI, '--msisdn', PHONE, '--status', 'ready', '--json', ...sock]);
      assert.equal(add.code, 0, add.stderr);
      assert.equal(parseJson<{ status: string }>(add).status, 'ready');
      const before = Date.now();
      const dep = await runCli(['vvm', 'deposit', IMSI, '--file', audio, '--from', PHONE, '--duration', '30', '--json', ...sock]);
      const after = Date.now();
      assert.equal(dep.code, 0, dep.stderr);
      const body = parseJson<{ uid: number; sync: { state: string; type: string } }>(dep);
      assert.equal(body.uid, 1);
      assert.deepEqual([body.sync.type, body.sync.state], ['sync', 'sent']);
      const [sync] = await gw.waitFor(1);
      const expected = [before, after].map((t) => `//VVM:SYNC:ev=NM;id=1;c=1;t=v;s=+61400123456;dt=${formatSyncDate(t)};l=30`);
      assert.ok(expected.includes(sync!.body.text), `${sync!.body.text} not one of ${expected.join(' | ')}`);
      assert.equal(sync!.body.to, PHONE);
      // Human output says the SYNC went.
      const dep2 = await runCli(['vvm', 'deposit', IMSI, '--file', audio, '--from', '', ...sock]);
      assert.equal(dep2.code, 0, dep2.stderr);
      assert.match(dep2.stdout, /deposited message uid 2/);
      assert.match(dep2.stdout, /state\s+sent/);
      assert.match((await gw.waitFor(2))[1]!.body.text, /^\/\/VVM:SYNC:ev=NM;id=2;c=2;t=v;s=;dt=/);
      // sms sync (MBU) and sms status (fresh credentials) send now; the password is never printed.
      const sy = await runCli(['vvm', 'sms', 'sync', IMSI, '--json', ...sock]);
      assert.equal(sy.code, 0, sy.stderr);
      assert.equal((await gw.waitFor(3))[2]!.body.text, '//VVM:SYNC:ev=MBU;c=2');
      const st = await runCli(['vvm', 'sms', 'status', IMSI, ...sock]);
      assert.equal(st.code, 0, st.stderr);
      const status = (await gw.waitFor(4))[3]!.body.text;
      const pw = /;pw=([0-9]+);/.exec(status)![1]!;
      assert.equal(status, readyStatus(d.ctx.listeners.imap?.port ?? d.ctx.config.vvm.imap_port, pw));
      assert.equal(st.stdout.includes(pw), false);
      assert.match(st.stdout, /credentials: issued when sent/);
      // The phone's side: log in over IMAP (STARTTLS on ipt) with u/pw from that STATUS and fetch the deposit (python's imaplib).
      const ipt = Number(/;ipt=([0-9]+);/.exec(status)![1]);
      const fetched = await imaplibFetch(ipt, join(d.dir, 'tls', 'admin-cert.pem'), IMSI, pw);
      assert.deepEqual(fetched.uids, ['1', '2']);
      assert.match(fetched.body, /^From: 61400123456@vvm\.example\.com\r$/m);
      assert.match(fetched.body, /^Content-Duration: 30\r$/m);
      assert.ok(fetched.body.includes(Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(600, 0x3c)]).toString('base64').slice(0, 60)));
      // account show: quota figures; ls; set-pin from stdin, never echoed.
      const show = (await d.call('GET', `/api/vvm/accounts/${IMSI}`)).json as { mailbox: { messages: number; unseen: number } };
      assert.deepEqual([show.mailbox.messages, show.mailbox.unseen], [2, 2]);
      const setPin = await runWithStdin(['vvm', 'account', 'set-pin', IMSI, ...sock], '918273\n');
      assert.equal(setPin.code, 0, setPin.stderr);
      assert.equal(`${setPin.stdout}${setPin.stderr}`.includes('918273'), false);
      assert.equal((await d.ctx.services.vvm.accounts.authenticate(IMSI, '918273')).ok, true);
      const weak = await d.call('POST', `/api/vvm/accounts/${IMSI}/pin`, { pin: '12' });
      assert.deepEqual([weak.status, weak.json.error], [400, 'PIN refused: password too short']);
      // The backlog is empty: everything went.
      const smsLs = await runCli(['vvm', 'sms', 'ls', ...sock]);
      assert.match(smsLs.stdout, /backlog empty/);
      for (const a of await activityOf(d)) assert.equal(JSON.stringify(a).includes(pw), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

