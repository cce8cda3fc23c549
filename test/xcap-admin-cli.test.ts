/**
 * The admin JSON view (GET /api/xcap?query=, GET|POST|DELETE /api/xcap/:msisdn)
 * and `omnisep xcap get|set|rm` against a real daemon on a temp socket.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, runCli } from './cli-harness.js';
import { DOC_PATH, MSISDN, OTHER, PASSWORD, rule, startXcapDaemon, type XcapDaemon } from './xcap-helpers.js';

let d: XcapDaemon;
before(async () => { d = await startXcapDaemon(); });
after(async () => { await d.stop(); });

describe('admin API', () => {
  test('GET list with a query, GET one, 404 for unknown', async () => {
    const l = await d.call('GET', '/api/xcap?query=5559');
    assert.equal(l.status, 200);
    assert.deepEqual(l.json.profiles.map((p: { msisdn: string }) => p.msisdn), [OTHER]);
    const all = await d.call('GET', '/api/xcap');
    assert.equal(all.json.count, 2);
    const one = await d.call('GET', `/api/xcap/+${MSISDN}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.msisdn, MSISDN);
    assert.equal(one.headers['x-omnisep-version'] !== undefined, true);
    const none = await d.call('GET', '/api/xcap/15550000000');
    assert.equal(none.status, 404);
    assert.equal(none.json.code, 'OMNISEP_XCAP_NOT_FOUND');
    assert.equal((await d.call('GET', '/api/xcap/abc')).status, 400);
  });

  test('POST merges (only given keys change), bumps the ETag, and the phone sees it', async () => {
    const before = (await d.call('GET', `/api/xcap/${MSISDN}`)).json;
    const r = await d.call('POST', `/api/xcap/${MSISDN}`, { call_forwarding: { cfb: { target: 'tel:+15557654321' } }, no_reply_timer: 30 });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.json.etag, before.etag);
    assert.equal(r.json.no_reply_timer, 30);
    assert.deepEqual(r.json.call_forwarding.cfb, { enabled: true, condition: 'busy', target: 'tel:+15557654321', notify_caller: false });
    assert.deepEqual(r.json.oir, before.oir);
    const phone = await d.xcap('GET', `${DOC_PATH}${rule('cfb')}`);
    assert.equal(phone.status, 200);
    assert.equal(phone.headers.etag, r.json.etag);
    // Second merge keeps the first.
    const r2 = await d.call('POST', `/api/xcap/${MSISDN}`, { oir: { default_behaviour: 'presentation-restricted' } });
    assert.equal(r2.json.call_forwarding.cfb.target, 'tel:+15557654321');
    assert.equal(r2.json.oir.default_behaviour, 'presentation-restricted');
  });

  test('POST refuses invalid merges with 400 and a code; nothing changes', async () => {
    const before = (await d.call('GET', `/api/xcap/${MSISDN}`)).json;
    for (const body of [
      { no_reply_timer: 999 },
      { call_forwarding: { cfx: { enabled: true } } },
      { call_forwarding: { cfb: { target: 'http://x' } } },
      { unknown_key: 1 },
      { password: 'short' },
    ]) {
      const r = await d.call('POST', `/api/xcap/${MSISDN}`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.code, /^OMNISEP_/);
    }
    assert.deepEqual((await d.call('GET', `/api/xcap/${MSISDN}`)).json, before);
  });

  test('DELETE removes the profile', async () => {
    await d.call('POST', '/api/xcap/15551230000', { no_reply_timer: 10 });
    assert.equal((await d.call('DELETE', '/api/xcap/15551230000')).status, 200);
    assert.equal((await d.call('GET', '/api/xcap/15551230000')).status, 404);
    assert.equal((await d.call('DELETE', '/api/xcap/15551230000')).status, 404);
  });
});

describe('omnisep xcap', () => {
  const cli = (...args: string[]) => runCli(['xcap', ...args, '--socket', d.socket]);

  test('set with flags, get --json prints the API body unchanged', async () => {
    const s = await cli('set', '+15551234567', '--cfna', 'sip:voicemail@ims.example.com', '--no-reply-timer', '25', '--bar-outgoing', 'international', '--no-oir', '--json');
    assert.equal(s.code, 0, s.stderr);
    const body = parseJson<any>(s);
    assert.equal(body.call_forwarding.cfna.target, 'sip:voicemail@ims.example.com');
    assert.equal(body.no_reply_timer, 25);
    assert.equal(body.call_barring_outgoing_active, true);
    assert.deepEqual(body.call_barring_outgoing['ocb-international'], { enabled: true, condition: 'international', allow: false });
    assert.equal(body.oir.default_behaviour, 'presentation-not-restricted');
    const g = await cli('get', MSISDN, '--json');
    assert.equal(g.code, 0);
    assert.deepEqual(parseJson(g), (await d.call('GET', `/api/xcap/${MSISDN}`)).json);
  });

  test('human output names the rules', async () => {
    const g = await cli('get', MSISDN);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /msisdn\s+15551234567/);
    assert.match(g.stdout, /forwarding\s+cfna\s+no-answer\s+→ sip:voicemail@ims\.example\.com\s+yes/);
    assert.ok(!g.stdout.includes(PASSWORD));
  });

  test('--cfu off removes a rule; rm removes the profile', async () => {
    await d.call('POST', `/api/xcap/${MSISDN}`, { call_forwarding: { cfu: { target: 'tel:+15550000001' } } });
    const off = await cli('set', MSISDN, '--cfu', 'off', '--json');
    assert.equal(parseJson<any>(off).call_forwarding.cfu, undefined);
    await d.call('POST', '/api/xcap/15551239999', { oip: { active: true } });
    const rm = await cli('rm', '15551239999', '--json');
    assert.deepEqual(parseJson(rm), { deleted: true, msisdn: '15551239999' });
    assert.equal((await d.call('GET', '/api/xcap/15551239999')).status, 404);
  });

  test('usage errors exit 2 before anything is sent', async () => {
    for (const args of [['set', MSISDN, '--cfb', '+15557654321'], ['set', MSISDN, '--bar-incoming', 'off', '--bar-incoming', 'all']]) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
