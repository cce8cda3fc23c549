/**
 * TS.43 requests and bad input over real sockets: parameters in every shape,
 * 400/406/405/413, gzip, quoted cookies, malformed base64, truncated EAP, a
 * packet for another session, a stolen cookie — documented status, nothing
 * stored, server up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, inflateSync } from 'node:zlib';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { SessionView } from '../src/contracts/sessions.js';
import { startPeer, stepPeer } from '../src/fsm/eap-aka-peer.js';
import { Secret } from '../src/util/secret.js';
import { ANDROID_UA, SIM1, SIM2, naiOf, startHarness, type Harness } from './ts43-harness.js';
import { valuesOf, openCollection } from './store-helpers.js';

const RELAY = 'application/vnd.gsma.eap-relay.v1.0+json';

const q = (h: Harness, params: Record<string, string | string[]>) => {
  const u = new URL(h.url);
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) u.searchParams.append(k, x);
  return u.toString();
};

async function begin(h: Harness, imsi = SIM1.imsi, ua = ANDROID_UA, terminal = 't-1') {
  const r = await fetch(q(h, { EAP_ID: naiOf(imsi), terminal_id: terminal, app: 'ap2004', entitlement_version: '2.0' }), { headers: { 'user-agent': ua } });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const packet = Buffer.from(JSON.parse(await r.text())['eap-relay-packet'] as string, 'base64');
  return { cookie, packet };
}

const postRelay = (h: Harness, cookie: string | null, packetB64: string, headers: Record<string, string> = {}) =>
  fetch(h.url, {
    method: 'POST',
    headers: { 'content-type': RELAY, 'user-agent': ANDROID_UA, ...(cookie ? { cookie } : {}), ...headers },
    body: JSON.stringify({ 'eap-relay-packet': packetB64 }),
  });

test('missing parameters → 400 text/plain naming them; nothing stored in sessions', async () => {
  const h = await startHarness();
  try {
    const r = await fetch(q(h, { app: 'ap2004' }));
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type')!, /^text\/plain/);
    assert.equal(await r.text(), 'Missing required parameters: ["terminal_id","entitlement_version","EAP_ID"]');
    assert.equal((await openCollection(h.ctx.store, 'sessions').count()), 0);
    const acts = (await h.ctx.store.activity.query({})).records;
    assert.equal(acts.length, 1);
    assert.equal(acts[0]!.response_status, 400);
  } finally {
    await h.close();
  }
});

test('entitlement_version leniency and 406 outside the configured range', async () => {
  const h = await startHarness({ sets: ['ts43.entitlement_versions.max=9.0'] });
  try {
    for (const v of ['2', '2.0', '8']) {
      const r = await fetch(q(h, { EAP_ID: naiOf(SIM1.imsi), terminal_id: 't', app: 'ap2004', entitlement_version: v }));
      assert.equal(r.status, 200, v);
    }
    for (const v of ['12.0', 'abc']) {
      const r = await fetch(q(h, { EAP_ID: naiOf(SIM1.imsi), terminal_id: 't', app: 'ap2004', entitlement_version: v }));
      assert.equal(r.status, 406, v);
      assert.match(await r.text(), /Protocol not supported/);
    }
  } finally {
    await h.close();
  }
});

test('case-insensitive names, app shapes, odd User-Agents: all accepted', async () => {
  const h = await startHarness({ sets: ['eap_aka.enabled=false'] });
  try {
    const shapes: Array<[Record<string, string | string[]>, string[]]> = [
      [{ APP: ['ap2003', 'ap2004'] }, ['ap2003', 'ap2004']],
      [{ app: 'ap2003,AP2005' }, ['ap2003', 'ap2005']],
      [{ App: '[ap2010,ap2014]' }, ['ap2010', 'ap2014']],
      [{ app: '["ap2016","ap2012"]' }, ['ap2016', 'ap2012']],
    ];
    for (const [p, apps] of shapes) {
      const r = await fetch(q(h, { imsi: SIM1.imsi, Terminal_Id: 'x', Entitlement_Version: '2', ...p }), {
        headers: { 'user-agent': 'PRD-TS43 term-Omni/TestPhone /1.0 OS-Android/14', accept: 'application/json' },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys((await r.json()) as object).slice(1), apps);
    }
    // POST with a JSON array, no User-Agent at all
    const r = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ IMSI: SIM1.imsi, terminal_id: 'x', entitlement_version: '12.0', app: ['ap2004'] }) });
    assert.equal(r.status, 200);
    const acts = (await h.ctx.store.activity.query({ limit: 1 })).records;
    assert.equal(acts[0]!.auth_method, 'NONE');
    const uaAct = (await h.ctx.store.activity.query({ limit: 5 })).records.find((a) => a.user_agent?.includes('TestPhone'))!;
    assert.equal(uaAct.terminal_vendor, 'Omni');
    assert.equal(uaAct.terminal_model, 'TestPhone');
  } finally {
    await h.close();
  }
});

test('405 for other methods, 413 for oversized bodies, 400 for bad JSON; server stays up', async () => {
  const h = await startHarness();
  try {
    const put = await fetch(h.url, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');
    const big = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app: 'x'.repeat(64 * 1024) }) });
    assert.equal(big.status, 413);
    assert.match(big.headers.get('content-type')!, /^text\/plain/);
    const bad = await fetch(h.url, { method: 'POST', headers: { 'content-type': RELAY }, body: '{"eap-relay-packet": ' });
    assert.equal(bad.status, 400);
    assert.equal((await openCollection(h.ctx.store, 'sessions').count()), 0);
    const ok = await fetch(q(h, { EAP_ID: naiOf(SIM1.imsi), terminal_id: 't', app: 'ap2004', entitlement_version: '2' }));
    assert.equal(ok.status, 200, 'still serving');
  } finally {
    await h.close();
  }
});

test('gzip when asked', async () => {
  const h = await startHarness({ sets: ['eap_aka.enabled=false'] });
  try {
    const url = new URL(q(h, { IMSI: SIM1.imsi, terminal_id: 't', entitlement_version: '2', app: ['ap2003', 'ap2004', 'ap2005', 'ap2010', 'ap2012', 'ap2014', 'ap2016'] }));
    const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    assert.equal(headers['content-encoding'], 'gzip');
    assert.match(String(headers['content-type']), /connectivity-xml/);
    assert.match(gunzipSync(body).toString(), /<wap-provisioningdoc version="1.1">/);
  } finally {
    await h.close();
  }
});

test('bad EAP input: malformed base64, truncated EAP, wrong identifier, no cookie, unknown cookie', async () => {
  const h = await startHarness();
  try {
    const { cookie, packet } = await begin(h);
    const resp = Buffer.from(packet);
    resp[0] = 2;
    assert.equal((await postRelay(h, cookie, 'not*base64!')).status, 400);
    assert.equal((await postRelay(h, cookie, resp.toString('base64url').replace(/[A-Za-z0-9]/g, '') + '-_-_')).status, 400, 'base64url alphabet refused');
    assert.equal((await postRelay(h, cookie, resp.subarray(0, 6).toString('base64'))).status, 400, 'truncated');
    const other = Buffer.from(resp);
    other[1] = (other[1]! + 1) & 0xff;
    const r = await postRelay(h, cookie, other.toString('base64'));
    assert.equal(r.status, 400);
    assert.match(await r.text(), /does not belong to this session/);
    assert.equal((await postRelay(h, null, resp.toString('base64'))).status, 400);
    assert.equal((await postRelay(h, 'OMNISEP_EAP=forged', resp.toString('base64'))).status, 511);
    // the session survived all of it
    const s = (await valuesOf<SessionView>(h.ctx.store, 'sessions'));
    assert.equal(s.length, 1);
    assert.equal(s[0]!.state, 'challenge_sent');
    assert.equal((await openCollection(h.ctx.store, 'tokens').count()), 0);
  } finally {
    await h.close();
  }
});

test('a stolen cookie presented by another terminal → 403, session untouched; a quoted cookie works', async () => {
  const h = await startHarness();
  try {
    const { cookie, packet } = await begin(h, SIM2.imsi);
    const resp = Buffer.from(packet);
    resp[0] = 2;
    const thief = await fetch(h.url, {
      method: 'POST',
      headers: { cookie, 'content-type': RELAY, 'user-agent': 'PRD-TS43 term-Evil/Phone client-IMS-Entitlement/1.0 OS-Android/14' },
      body: JSON.stringify({ 'eap-relay-packet': resp.toString('base64') }),
    });
    assert.equal(thief.status, 403);
    const viaQuery = await fetch(`${h.url}?terminal_id=other`, { method: 'POST', headers: { cookie, 'content-type': RELAY, 'user-agent': ANDROID_UA }, body: JSON.stringify({ 'eap-relay-packet': resp.toString('base64') }) });
    assert.equal(viaQuery.status, 403);
    assert.equal((await valuesOf<SessionView>(h.ctx.store, 'sessions'))[0]!.state, 'challenge_sent');
    // Android's quoted form: S="value"
    const [name, value] = cookie.split('=');
    const quoted = await postRelay(h, `${name}="${value}"`, resp.toString('base64'));
    // the packet is not a valid response (no RES/MAC) so the EAP server refuses it: 403, but the cookie was recognised
    assert.equal(quoted.status, 403);
    assert.equal((await valuesOf<SessionView>(h.ctx.store, 'sessions'))[0]!.state, 'failed');
  } finally {
    await h.close();
  }
});

test('temporary_token alone → 401; token without IMSI → 400 naming IMSI', async () => {
  const h = await startHarness();
  try {
    const t = await fetch(q(h, { temporary_token: 'abc', terminal_id: 't', app: 'ap2006', entitlement_version: '8' }));
    assert.equal(t.status, 401);
    const n = await fetch(q(h, { token: 'abc', terminal_id: 't', app: 'ap2004', entitlement_version: '8' }));
    assert.equal(n.status, 400);
    assert.equal(await n.text(), 'Missing required parameters: ["IMSI"]');
    const acts = JSON.stringify((await h.ctx.store.activity.query({})).records);
    assert.ok(!acts.includes('temporary_token=abc'));
  } finally {
    await h.close();
  }
});

test('planted secrets (notif_token, token, cookie) never reach the activity log or events', async () => {
  const h = await startHarness();
  try {
    const planted = { notif: 'NOTIFSECRET1234567890', tok: 'TOKSECRET1234567890abcdefghijklmnopqrstuvwx', cookie: 'COOKIESECRET123456' };
    await fetch(q(h, { IMSI: SIM1.imsi, token: planted.tok, terminal_id: 't', app: 'ap2004', entitlement_version: '2', notif_action: '2', notif_token: planted.notif }), {
      headers: { cookie: `OMNISEP_EAP=${planted.cookie}` },
    });
    await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', cookie: `OMNISEP_EAP=${planted.cookie}` }, body: JSON.stringify({ EAP_ID: naiOf(SIM1.imsi), terminal_id: 't', app: 'ap2004', entitlement_version: '2', notif_token: planted.notif }) });
    const dump = JSON.stringify((await h.ctx.store.activity.query({ limit: 100 })).records) + JSON.stringify(h.events);
    assert.equal((await h.ctx.store.activity.count()), 2);
    for (const s of Object.values(planted)) assert.ok(!dump.includes(s), `${s} leaked`);
  } finally {
    await h.close();
  }
});

test('Android wire details: each cookie on its own Cookie line, base64 without padding, headers in odd case', async () => {
  const h = await startHarness();
  try {
    const { cookie, packet } = await begin(h);
    let peer = startPeer({ imsi: SIM1.imsi, k: new Secret(SIM1.k), opc: new Secret(SIM1.opc), sqnMs: 0n, variant: 'aka', identity: naiOf(SIM1.imsi) });
    const step = stepPeer(peer, { type: 'eap', packet });
    peer = step.state;
    const out = step.actions.find((a) => a.type === 'send');
    assert.ok(out && out.type === 'send');
    const b64 = out.packet.toString('base64').replace(/=+$/, '');
    const body = JSON.stringify({ 'eap-relay-packet': b64 });
    // Raw HTTP/1.1 over TCP, so the header lines are exactly as written.
    const u = new URL(h.url);
    const wire = [
      'POST / HTTP/1.1',
      `Host: ${u.host}`,
      `Content-TYPE: ${RELAY}`,
      'ACCEPT: application/vnd.gsma.eap-relay.v1.0+json, application/json, text/vnd.wap.connectivity-xml',
      `User-Agent: ${ANDROID_UA}`,
      'Cookie: JSESSIONID=other',
      `Cookie: ${cookie}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n');
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect({ host: u.hostname, port: Number(u.port) }, () => sock.end(wire));
      let text = '';
      sock.on('data', (c) => (text += c));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    const res = { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]), type: /\r\ncontent-type: ([^\r]+)/i.exec(raw)?.[1] ?? '', text: raw };
    assert.equal(res.status, 200, `${res.status} ${res.text}`);
    assert.match(res.type, /^text\/vnd\.wap\.connectivity-xml/);
    assert.match(res.text, /<characteristic type="TOKEN">/);
  } finally {
    await h.close();
  }
});

test('a back-end that is not wired answers 503 + Retry-After, not a crash', async () => {
  const h = await startHarness({ sets: ['eap_aka.backend=swm'] });
  try {
    const r = await fetch(q(h, { EAP_ID: naiOf(SIM1.imsi), terminal_id: 't', app: 'ap2004', entitlement_version: '2' }));
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '30');
    assert.equal((await valuesOf<SessionView>(h.ctx.store, 'sessions'))[0]!.failure_reason, 'unavailable: swm back-end is not configured');
  } finally {
    await h.close();
  }
});

test('ap2014 MSISDN comes from the subscriber store when no override sets it', async () => {
  const h = await startHarness({ sets: ['eap_aka.enabled=false'] });
  try {
    await openCollection(h.ctx.store, 'subscribers').put(SIM1.imsi, { imsi: SIM1.imsi, msisdn: '+15551230001' });
    const r = await fetch(q(h, { IMSI: SIM1.imsi, terminal_id: 't', app: 'ap2014', entitlement_version: '2' }), { headers: { accept: 'application/json' } });
    assert.deepEqual(((await r.json()) as Record<string, unknown>).ap2014, { EntitlementStatus: '1', MSISDN: '15551230001' });
  } finally {
    await h.close();
  }
});

test('the format follows each request\'s Accept, whichever came before (answers by Accept value are remembered)', async () => {
  const h = await startHarness({ sets: ['eap_aka.enabled=false'] });
  try {
    const url = q(h, { IMSI: SIM1.imsi, terminal_id: 't', app: 'ap2004', entitlement_version: '2' });
    const typeFor = async (accept?: string) => (await fetch(url, { headers: accept === undefined ? {} : { accept } })).headers.get('content-type');
    const XML = 'text/vnd.wap.connectivity-xml; charset=utf-8';
    const JSON_CT = 'application/json; charset=utf-8';
    for (let round = 0; round < 2; round++) {
      assert.equal(await typeFor('application/json'), JSON_CT);
      assert.equal(await typeFor('text/vnd.wap.connectivity-xml'), XML);
      assert.equal(await typeFor(), XML);
      assert.equal(await typeFor('application/json;q=0.5, text/vnd.wap.connectivity-xml;q=0.4'), JSON_CT);
      assert.equal(await typeFor('application/json;q=0.4, text/vnd.wap.connectivity-xml;q=0.5'), XML);
      assert.equal(await typeFor('*/*'), XML);
    }
  } finally {
    await h.close();
  }
});

test('gzip from precompressed pieces: same document as uncompressed, gzip headers; other Accept-Encoding headers still negotiated', async () => {
  const h = await startHarness({ sets: ['eap_aka.enabled=false'] });
  try {
    const url = new URL(q(h, { IMSI: SIM1.imsi, terminal_id: 't', entitlement_version: '2', app: ['ap2003', 'ap2004', 'ap2005', 'ap2010', 'ap2012', 'ap2014', 'ap2016'] }));
    const get = (headers: Record<string, string>) => new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = request(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    const plain = await get({});
    assert.equal(plain.headers['content-encoding'], undefined);
    const text = plain.body.toString('utf8');
    // The websheet link is signed per request: compare with it blanked.
    const blank = (t: string) => t.replace(/ServiceFlow_UserData" value="[^"]*"/, 'ServiceFlow_UserData" value=""');
    for (const ae of ['gzip', 'gzip, deflate, br']) {
      const z = await get({ 'accept-encoding': ae });
      assert.equal(z.headers['content-encoding'], 'gzip', ae);
      assert.equal(z.headers.vary, 'accept-encoding', ae);
      assert.equal(Number(z.headers['content-length']), z.body.length, `${ae}: Content-Length is the compressed size`);
      assert.ok(z.body.length < text.length / 2, `${ae}: compressed (${z.body.length} of ${text.length} bytes)`);
      assert.equal(blank(gunzipSync(z.body).toString('utf8')), blank(text), ae);
    }
    const d = await get({ 'accept-encoding': 'deflate' });
    assert.equal(d.headers['content-encoding'], 'deflate', 'a deflate-only phone still gets deflate (generic path)');
    assert.equal(blank(inflateSync(d.body).toString('utf8')), blank(text));
    const q0 = await get({ 'accept-encoding': 'gzip;q=0, deflate' });
    assert.equal(q0.headers['content-encoding'], 'deflate', 'gzip;q=0 is honoured');
    const none = await get({ 'accept-encoding': 'gzip', 'x-no-compression': '1' });
    assert.equal(none.headers['content-encoding'], undefined, 'x-no-compression is honoured');
  } finally {
    await h.close();
  }
});
