/**
 * Identity and access (XCAP.md § Identity and access): a subscriber reaches
 * only their own document — asserted identity from trusted proxies only,
 * HTTP Digest (RFC 7616, MD5 and SHA-256) otherwise, 401/403 else.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DOC_PATH, digestAuthorization, MSISDN, OTHER, OTHER_DOC_PATH, PASSWORD, startXcapDaemon, TEL, type XcapDaemon } from './xcap-helpers.js';
import { openCollection } from './store-helpers.js';

const challengesOf = (h: string | string[] | undefined) => (Array.isArray(h) ? h : h ? [h] : []);

describe('direct access: HTTP Digest', () => {
  let d: XcapDaemon;
  before(async () => { d = await startXcapDaemon(['xcap.trusted_proxies=[]', 'xcap.digest_realm=xcap.example.com']); });
  after(async () => { await d.stop(); });

  test('no credentials → 401 with MD5 and SHA-256 challenges; an asserted identity from an untrusted peer is ignored', async () => {
    for (const as of [null, TEL]) {
      const r = await d.xcap('GET', DOC_PATH, { as });
      assert.equal(r.status, 401);
      const ch = challengesOf(r.headers['www-authenticate']);
      assert.equal(ch.length, 2);
      assert.match(ch[0]!, /^Digest realm="xcap\.example\.com", qop="auth", algorithm=SHA-256, nonce="/);
      assert.match(ch[1]!, /algorithm=MD5/);
      assert.ok(!r.text.includes('simservs'), 'nothing of the document leaks');
    }
  });

  for (const alg of ['SHA-256', 'MD5']) {
    test(`${alg}: the right password reaches the own document, with every accepted username form`, async () => {
      for (const username of [MSISDN, `+${MSISDN}`, `tel:+${MSISDN}`]) {
        const first = await d.xcap('GET', DOC_PATH, { as: null });
        const challenge = challengesOf(first.headers['www-authenticate']).find((c) => c.includes(`algorithm=${alg}`))!;
        const authorization = digestAuthorization({ challenge, method: 'GET', uri: DOC_PATH, username, password: PASSWORD });
        const r = await d.xcap('GET', DOC_PATH, { as: null, headers: { authorization } });
        assert.equal(r.status, 200, `${username}: ${r.text}`);
        assert.match(r.text, /<simservs /);
        // The same nonce with the same nc is a replay.
        const replay = await d.xcap('GET', DOC_PATH, { as: null, headers: { authorization } });
        assert.equal(replay.status, 401);
      }
    });
  }

  test('a write with Digest: method and URI are covered', async () => {
    const first = await d.xcap('GET', DOC_PATH, { as: null });
    const challenge = challengesOf(first.headers['www-authenticate'])[0]!;
    const path = `${DOC_PATH}/~~/simservs/originating-identity-presentation/@active`;
    const wrongMethod = digestAuthorization({ challenge, method: 'GET', uri: path, username: MSISDN, password: PASSWORD, nc: 1 });
    assert.equal((await d.xcap('PUT', path, { as: null, body: 'false', type: 'application/xcap-att+xml', headers: { authorization: wrongMethod } })).status, 401);
    const wrongUri = digestAuthorization({ challenge, method: 'PUT', uri: DOC_PATH, username: MSISDN, password: PASSWORD, nc: 2 });
    assert.equal((await d.xcap('PUT', path, { as: null, body: 'false', type: 'application/xcap-att+xml', headers: { authorization: wrongUri } })).status, 401);
    const good = digestAuthorization({ challenge, method: 'PUT', uri: path, username: MSISDN, password: PASSWORD, nc: 3 });
    const r = await d.xcap('PUT', path, { as: null, body: 'false', type: 'application/xcap-att+xml', headers: { authorization: good } });
    assert.equal(r.status, 200, r.text);
  });

  test('wrong password → 401; forged nonce → 401', async () => {
    const first = await d.xcap('GET', DOC_PATH, { as: null });
    const challenge = challengesOf(first.headers['www-authenticate'])[0]!;
    const bad = digestAuthorization({ challenge, method: 'GET', uri: DOC_PATH, username: MSISDN, password: 'not the password' });
    assert.equal((await d.xcap('GET', DOC_PATH, { as: null, headers: { authorization: bad } })).status, 401);
    const forged = digestAuthorization({ challenge: challenge.replace(/nonce="[^"]+"/, 'nonce="MTIzNDU2Nzg5MC5hYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE"'), method: 'GET', uri: DOC_PATH, username: MSISDN, password: PASSWORD });
    assert.equal((await d.xcap('GET', DOC_PATH, { as: null, headers: { authorization: forged } })).status, 401);
  });

  test("another subscriber's document with valid own credentials → 403, and their document is untouched", async () => {
    const before = await d.call('GET', `/api/xcap/${OTHER}`);
    const first = await d.xcap('GET', OTHER_DOC_PATH, { as: null });
    assert.equal(first.status, 401);
    const challenge = challengesOf(first.headers['www-authenticate'])[0]!;
    const authorization = digestAuthorization({ challenge, method: 'DELETE', uri: OTHER_DOC_PATH, username: MSISDN, password: PASSWORD });
    assert.equal((await d.xcap('DELETE', OTHER_DOC_PATH, { as: null, headers: { authorization } })).status, 403);
    assert.deepEqual((await d.call('GET', `/api/xcap/${OTHER}`)).json, before.json);
  });

  test('the password is never returned by the admin API nor stored in clear', async () => {
    const v = await d.call('GET', `/api/xcap/${MSISDN}`);
    assert.equal(v.json.digest_password_set, true);
    assert.ok(!v.text.includes(PASSWORD));
    const rec = JSON.stringify((await openCollection(d.ctx.store, 'xcap_profiles').get(MSISDN)));
    assert.ok(!rec.includes(PASSWORD));
    const acts = JSON.stringify((await d.ctx.store.activity.query({ limit: 1000 })).records);
    assert.ok(!acts.includes(PASSWORD), 'not in the activity log either');
  });
});

describe('behind an authentication proxy: X-3GPP-Asserted-Identity', () => {
  let d: XcapDaemon;
  before(async () => { d = await startXcapDaemon(['xcap.trusted_proxies=["10.0.0.0/8", "127.0.0.1"]']); });
  after(async () => { await d.stop(); });

  test('the own identity (any form) passes; another subscriber → 403', async () => {
    for (const as of [TEL, `sip:+${MSISDN}@ims.example.com`]) assert.equal((await d.xcap('GET', DOC_PATH, { as })).status, 200, as);
    const r = await d.xcap('GET', OTHER_DOC_PATH, { as: TEL });
    assert.equal(r.status, 403);
    const w = await d.xcap('PUT', `${OTHER_DOC_PATH}/~~/simservs/originating-identity-presentation/@active`, { as: TEL, body: 'false', type: 'application/xcap-att+xml' });
    assert.equal(w.status, 403);
    assert.equal((await d.call('GET', `/api/xcap/${OTHER}`)).json.oip.active, true);
  });

  test('a display name and several identities in the header', async () => {
    const r = await d.xcap('GET', DOC_PATH, { as: null, headers: { 'x-3gpp-asserted-identity': `"Alice" <sip:+${MSISDN}@ims.example.com>, <tel:+${MSISDN}>` } });
    assert.equal(r.status, 200);
  });
});
