/**
 * TS.43 server end to end over real sockets with the `local` back-end:
 * EAP-AKA in GET and POST modes, resync, wrong key, unknown IMSI, token
 * re-authentication and revocation, back-end down, session timeout,
 * sessions and activity as the admin API sees them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import type { SessionView } from '../src/contracts/sessions.js';
import type { TokenRecord } from '../src/services/tokens.js';
import { ACCEPT_ANDROID, ANDROID_UA, SIM1, SIM2, naiOf, runUe, startHarness } from './ts43-harness.js';
import { valuesOf, openCollection } from './store-helpers.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
type Char = { type: string; parm?: { name: string; value: string } | Array<{ name: string; value: string }>; characteristic?: Char | Char[] };
const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
function parms(c: Char): Record<string, string> {
  return Object.fromEntries(arr(c.parm).map((p) => [p.name, p.value]));
}
function topChars(body: string): Char[] {
  return arr(xml.parse(body)['wap-provisioningdoc'].characteristic as Char | Char[]);
}
function tokenOf(body: string): string {
  return parms(topChars(body).find((c) => c.type === 'TOKEN')!).token!;
}

test('full EAP-AKA in GET mode: challenge + cookie, bare-URL POST, XML document with token', async () => {
  const h = await startHarness();
  try {
    const r = await runUe({ url: h.url, ...SIM1, apps: ['ap2004', 'ap2003'] });
    const first = r.steps[0]!;
    assert.equal(first.status, 200);
    assert.equal(first.contentType, 'application/vnd.gsma.eap-relay.v1.0+json; charset=utf-8');
    const sc = first.headers.get('set-cookie')!;
    assert.match(sc, /^OMNISEP_EAP=[A-Za-z0-9_-]+; Path=\/; Expires=[^;]+; HttpOnly/);
    assert.doesNotMatch(sc, /Max-Age/i);
    // the first packet is an AKA-Challenge (code 1, type 23, subtype 1)
    const pkt = Buffer.from(JSON.parse(first.body)['eap-relay-packet'], 'base64');
    assert.deepEqual([pkt[0], pkt[4], pkt[5]], [1, 23, 1]);
    assert.equal(r.steps.length, 2);
    assert.equal(r.final.status, 200);
    assert.match(r.final.contentType, /^text\/vnd\.wap\.connectivity-xml/);
    const chars = topChars(r.final.body);
    assert.deepEqual(chars.map((c) => c.type), ['VERS', 'TOKEN', 'APPLICATION', 'APPLICATION']);
    assert.deepEqual(chars.slice(2).map((c) => parms(c).AppID), ['ap2004', 'ap2003']);
    assert.ok(!r.final.headers.get('set-cookie'), 'the cookie is never rotated');
    // session completed, token stored as digest
    const sessions = (await valuesOf<SessionView>(h.ctx.store, 'sessions'));
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]!.state, 'completed');
    assert.equal(sessions[0]!.imsi, SIM1.imsi);
    const tokens = (await valuesOf<TokenRecord>(h.ctx.store, 'tokens'));
    assert.equal(tokens.length, 1);
    assert.ok(!JSON.stringify(tokens).includes(tokenOf(r.final.body)));
    // activity: eap_challenge then eap_response, no secrets
    const acts = (await h.ctx.store.activity.query({ limit: 10 })).records;
    assert.deepEqual(acts.map((a) => a.request_type).reverse(), ['eap_challenge', 'eap_response']);
    assert.equal(acts[0]!.imsi, SIM1.imsi);
    assert.equal(acts[0]!.terminal_id, '356938035643809');
    assert.equal(acts[0]!.terminal_model, 'Pixel 8');
    assert.equal(acts[0]!.auth_method, 'EAP-AKA');
    assert.deepEqual(acts[0]!.app_ids, ['ap2004', 'ap2003']);
    const dump = JSON.stringify(acts) + JSON.stringify(h.events);
    assert.ok(!dump.includes(tokenOf(r.final.body)), 'token value never in activity or events');
    assert.ok(!dump.includes(r.cookie!.split('=')[1]!), 'cookie value never in activity or events');
    assert.ok(h.events.some((e) => e.kind === 'session' && e.session.state === 'challenge_sent'));
    assert.ok(h.events.some((e) => e.kind === 'token' && e.change === 'issued'));
  } finally {
    await h.close();
  }
});

test('POST mode: JSON body with app "[ap2003,ap2004]" and JSON answer when asked', async () => {
  const h = await startHarness();
  try {
    const r = await runUe({ url: h.url, ...SIM2, post: true, apps: ['ap2003', 'ap2004'], accept: 'application/json' });
    assert.equal(r.final.status, 200);
    assert.match(r.final.contentType, /^application\/json/);
    const doc = JSON.parse(r.final.body);
    assert.deepEqual(Object.keys(doc), ['Vers', 'Token', 'ap2003', 'ap2004']);
    assert.equal(doc.Token.validity, '86400');
  } finally {
    await h.close();
  }
});

test("EAP-AKA' for an identity with prefix 6 (local back-end), EAP-AKA for prefix 0", async () => {
  const h = await startHarness();
  try {
    const r = await runUe({ url: h.url, ...SIM1, akaPrime: true, apps: ['ap2004'] });
    const pkt = Buffer.from(JSON.parse(r.steps[0]!.body)['eap-relay-packet'], 'base64');
    assert.equal(pkt[4], 50, 'EAP type 50 = AKA\'');
    assert.equal(r.final.status, 200);
    assert.match(r.final.contentType, /connectivity-xml/);
  } finally {
    await h.close();
  }
});

test('resync: a UE whose SQN is ahead of the store gets a fresh challenge after AUTS', async () => {
  const h = await startHarness();
  try {
    const r = await runUe({ url: h.url, ...SIM1, sqnMs: 1n << 20n });
    assert.equal(r.steps.length, 3, 'challenge, sync-failure → new challenge, response → document');
    assert.equal(r.steps[1]!.status, 200);
    assert.match(r.steps[1]!.contentType, /eap-relay/);
    assert.equal(r.final.status, 200);
    assert.match(r.final.contentType, /connectivity-xml/);
    assert.ok(h.vectors.sqn.get(SIM1.imsi)! > 1n << 20n);
  } finally {
    await h.close();
  }
});

test('wrong key → 403; unknown IMSI → 403; sessions failed', async () => {
  const h = await startHarness();
  try {
    const wrong = await runUe({ url: h.url, ...SIM1, k: SIM2.k });
    assert.equal(wrong.final.status, 403);
    assert.match(wrong.final.contentType, /^text\/plain/);
    const unknown = await runUe({ url: h.url, imsi: '001019999999999', k: SIM1.k, opc: SIM1.opc });
    assert.equal(unknown.steps[0]!.status, 403);
    const states = (await valuesOf<SessionView>(h.ctx.store, 'sessions')).map((s) => s.state);
    assert.deepEqual(states, ['failed', 'failed']);
    assert.equal((await openCollection(h.ctx.store, 'tokens').count()), 0);
  } finally {
    await h.close();
  }
});

test('token re-authentication answers directly; revoked, forged or foreign tokens → 511', async () => {
  const h = await startHarness();
  try {
    const r = await runUe({ url: h.url, ...SIM1, apps: ['ap2004'] });
    const token = tokenOf(r.final.body);
    const q = (tok: string, imsi = SIM1.imsi) =>
      `${h.url}?IMSI=${imsi}&token=${encodeURIComponent(tok)}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims`;
    const ok = await fetch(q(token), { headers: { 'user-agent': ANDROID_UA } });
    assert.equal(ok.status, 200);
    const body = await ok.text();
    assert.equal(tokenOf(body), token);
    assert.equal((await fetch(q(token, SIM2.imsi))).status, 511);
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    assert.equal((await fetch(q(forged))).status, 511);
    const acts = (await h.ctx.store.activity.query({ type: 'token_auth', limit: 10 })).records;
    assert.equal(acts.length, 3);
    assert.deepEqual(acts.map((a) => a.response_status).sort(), [200, 511, 511]);
    assert.ok(!JSON.stringify(acts).includes(token));
    // revoke = remove the record (what DELETE /api/tokens/:id does)
    const rec = (await valuesOf<TokenRecord>(h.ctx.store, 'tokens'))[0]!;
    await openCollection(h.ctx.store, 'tokens').delete(rec.token_id);
    assert.equal((await fetch(q(token))).status, 511);
    // expiry
    const r2 = await runUe({ url: h.url, ...SIM1, apps: ['ap2004'] });
    const t2 = tokenOf(r2.final.body);
    h.clock.advance(86_400_000 + 1000);
    assert.equal((await fetch(q(t2))).status, 511);
  } finally {
    await h.close();
  }
});

test('back-end down → 503 with Retry-After; session timeout → 511 and state failed', async () => {
  const h = await startHarness();
  try {
    h.vectors.down = true;
    const down = await fetch(`${h.url}?EAP_ID=${encodeURIComponent(naiOf(SIM1.imsi))}&terminal_id=t1&app=ap2004&entitlement_version=2`);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '30');
    h.vectors.down = false;

    const first = await fetch(`${h.url}?EAP_ID=${encodeURIComponent(naiOf(SIM1.imsi))}&terminal_id=t1&app=ap2004&entitlement_version=2`, { headers: { 'user-agent': ANDROID_UA } });
    assert.equal(first.status, 200);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const pkt = JSON.parse(await first.text())['eap-relay-packet'] as string;
    h.clock.advance(30_001);
    // any well-formed response with the right identifier: reuse the request bytes with code 2
    const resp = Buffer.from(pkt, 'base64');
    resp[0] = 2;
    const late = await fetch(h.url, { method: 'POST', headers: { cookie, 'content-type': 'application/vnd.gsma.eap-relay.v1.0+json', accept: ACCEPT_ANDROID, 'user-agent': ANDROID_UA }, body: JSON.stringify({ 'eap-relay-packet': resp.toString('base64') }) });
    assert.equal(late.status, 511);
    const s = (await valuesOf<SessionView>(h.ctx.store, 'sessions')).find((v) => v.failure_reason === 'timeout');
    assert.ok(s, 'a session failed with reason timeout');
    assert.equal(s!.state, 'failed');
  } finally {
    await h.close();
  }
});

test('a session deleted from the admin API must start over (511)', async () => {
  const h = await startHarness();
  try {
    const first = await fetch(`${h.url}?EAP_ID=${encodeURIComponent(naiOf(SIM1.imsi))}&terminal_id=t1&app=ap2004&entitlement_version=2`, { headers: { 'user-agent': ANDROID_UA } });
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const pkt = Buffer.from(JSON.parse(await first.text())['eap-relay-packet'] as string, 'base64');
    const sessions = openCollection<SessionView>(h.ctx.store, 'sessions');
    const [[id, view]] = await sessions.scan();
    assert.equal(view!.state, 'challenge_sent');
    await sessions.delete(id!);
    pkt[0] = 2;
    const r = await fetch(h.url, { method: 'POST', headers: { cookie, 'content-type': 'application/vnd.gsma.eap-relay.v1.0+json', 'user-agent': ANDROID_UA }, body: JSON.stringify({ 'eap-relay-packet': pkt.toString('base64') }) });
    assert.equal(r.status, 511);
    assert.equal(await sessions.count(), 0, 'a deleted session is not resurrected');
  } finally {
    await h.close();
  }
});
