/**
 * The public listener's lean path (daemon/http/lean.ts) answers the token query and XCAP GETs before fastify: every answer it
 * gives must be the answer fastify gives to the same request, byte for byte (status line, headers in order, body),
 * with the same activity record and the same request metrics. Each request below is sent twice over a raw TCP
 * connection to the in-process daemon, lean path on and then off (the daemon's clock stands still, so the token's
 * remaining validity is the same in both), and the two answers compared; the lean path's counter says which of the
 * two paths took the first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { gunzipSync } from 'node:zlib';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { ANDROID_UA, SIM1, TestVectorSource, naiOf, runUe } from './ts43-harness.js';
import { decodeEap, isAkaPacket } from '../src/codec/eap/index.js';
import { startPeer, stepPeer } from '../src/fsm/eap-aka-peer.js';
import { Secret } from '../src/util/secret.js';
import { StoreUnavailableError } from '../src/ports.js';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../daemon/logging.js';
import { CDIV, DOC_PATH, OTHER, TEL, rule, startXcapDaemon } from './xcap-helpers.js';
import { XCAP_BODY_LIMIT } from '../daemon/http/xcap/index.js';

interface Answer { head: string; body: Buffer }

/** One request on its own connection (Connection: close; over TLS trusting `ca` when given); the answer's head without its Date line. */
function exchange(port: number, head: string, body = '', ca?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = ca ? tlsConnect({ host: '127.0.0.1', port, ca }) : connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    // A request nobody answers (a body fastify waits for that never comes) fails here, not at the runner's timeout.
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer within 60 s to ${head.split('\r\n')[0]}`)); }, 60_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('end', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const at = all.indexOf('\r\n\r\n');
      if (at < 0) return reject(new Error(`no complete answer: ${JSON.stringify(all.toString())}`));
      const lines = all.subarray(0, at).toString('latin1').split('\r\n').filter((l) => !/^date:/i.test(l));
      resolve({ head: lines.join('\n'), body: all.subarray(at + 4) });
    });
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`);
  });
}

const status = (a: Answer) => Number(/^HTTP\/1\.1 (\d{3})/.exec(a.head)![1]);
const text = (a: Answer) => (/content-encoding: gzip/i.test(a.head) ? gunzipSync(a.body) : a.body).toString('utf8');

async function newestActivity(d: TestDaemon): Promise<Record<string, unknown>> {
  const r = await d.call('GET', '/api/activity?limit=1');
  const { id: _id, timestamp: _ts, ...rest } = r.json.activities[0] as Record<string, unknown>;
  return rest;
}

async function start(logger?: Logger, settings: string[] = []) {
  let now = Date.UTC(2026, 11, 4, 12, 0, 0);
  const vectors = new TestVectorSource([SIM1]);
  const d = await startTestDaemon(['eap_aka.backend=local', ...settings], {
    clock: { now: () => now },
    ...(logger ? { logger } : {}),
    beforeListen: (ctx) => { ctx.services.backends.vectorSource = vectors; },
  });
  const port = Number(new URL(d.addresses.http.url).port);
  const ue = await runUe({ url: d.addresses.http.url, ...SIM1, apps: ['ap2004', 'ap2003'] });
  assert.equal(ue.final.status, 200, ue.final.body);
  const token = /<parm name="token" value="([^"]+)"/.exec(ue.final.body)![1]!;
  now += 60_000; // the token's validity, sent back with the document, has moved on from the one issued
  return { d, port, token, lean: d.ctx.leanPaths! };
}

test('lean path: each token query is answered as fastify answers it, with the same activity record and metrics', async () => {
  const { d, port, token, lean } = await start();
  try {
    const q = (extra = '', t = encodeURIComponent(token)) =>
      `/?IMSI=${SIM1.imsi}&token=${t}&terminal_id=356938035643809&app=ap2004&app=ap2003&vers=0&entitlement_version=2.0&app_name=com.google.android.ims${extra}`;
    const get = (path: string, ...headers: string[]) => [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers].join('\r\n');
    const ua = `User-Agent: ${ANDROID_UA}`;
    // [what, request head, taken by the lean path, expected status, body]
    const cases: Array<[string, string, boolean, number, string?]> = [
      ['XML, gzip as Android asks (precompressed)', get(q(), 'Accept: text/vnd.wap.connectivity-xml', ua, 'Accept-Encoding: gzip'), true, 200],
      ['JSON without Accept-Encoding', get(q(), 'Accept: application/json', ua), true, 200],
      ['JSON with gzip: under the threshold, plain', get(q(), 'Accept: application/json', 'Accept-Encoding: gzip'), true, 200],
      ['no Accept, no User-Agent', get(q()), true, 200],
      ['names in other cases, a parameter twice, percent-escapes', get(`/?imsi=${SIM1.imsi}&TOKEN=${encodeURIComponent(token)}&Terminal_ID=35693803%35643809&app=ap2004&APP=ap2003&vers=0&entitlement_version=2.0&App_Name=com.google.android.ims&x=%zz`, ua), true, 200],
      ['a token that was never issued', get(q('', 'bm90LWEtdG9rZW4'), ua), true, 511],
      ['a token for another IMSI', get(q().replace(SIM1.imsi, '001010000000002'), ua), true, 511],
      ['entitlement_version not supported', get(q().replace('entitlement_version=2.0', 'entitlement_version=0.5'), ua), true, 406],
      ['no entitlement_version', get(q().replace('&entitlement_version=2.0', ''), ua), true, 400],
      ['no terminal_id', get(q().replace('&terminal_id=356938035643809', ''), ua), true, 400],
      // Declined: fastify answers both times.
      ['gzip with a quality value (negotiated by @fastify/compress)', get(q(), 'Accept-Encoding: gzip;q=1, deflate'), false, 200],
      ['deflate first', get(q(), 'Accept-Encoding: deflate, gzip'), false, 200],
      ['X-No-Compression', get(q(), 'Accept-Encoding: gzip', 'X-No-Compression: 1'), false, 200],
      ['an ODSA operation with the token', get(q('&operation=CheckEligibility').replace('app=ap2004&app=ap2003', 'app=ap2006'), ua), false, 200],
      ['a body on the GET', get(q(), 'Content-Type: text/plain', 'Content-Length: 2'), false, 200, 'hi'],
      ['HEAD', get(q()).replace(/^GET/, 'HEAD'), false, 200],
      ['an IMSI without token or EAP_ID', get(`/?IMSI=${SIM1.imsi}&terminal_id=1&app=ap2004&vers=0&entitlement_version=2.0`), false, 400],
      ['a path other than /', get(`/websheet${q().slice(1)}`), false, 404],
    ];
    let sent200 = 0;
    let tokenOk = 0;
    for (const [what, head, taken, expected, body] of cases) {
      lean.enabled = true;
      const before = lean.answered;
      const viaLean = await exchange(port, head, body);
      const recordLean = await newestActivity(d);
      assert.equal(lean.answered - before, taken ? 1 : 0, `${what}: taken by the lean path: ${taken}`);
      lean.enabled = false;
      const viaFastify = await exchange(port, head, body);
      const recordFastify = await newestActivity(d);
      assert.equal(status(viaLean), expected, `${what}: ${viaLean.head}\n${text(viaLean)}`);
      assert.equal(viaLean.head, viaFastify.head, `${what}: the same status line and headers, in the same order`);
      assert.ok(viaLean.body.equals(viaFastify.body), `${what}: the same body bytes`);
      assert.deepEqual(recordLean, recordFastify, `${what}: the same activity record`);
      if (expected === 200 && !head.startsWith('HEAD') && /^GET \/\?/.test(head)) sent200 += 2;
      if (expected === 200 && /[?&]token=/i.test(head)) tokenOk += 2;
    }
    const xml = await exchange(port, get(q(), 'Accept: text/vnd.wap.connectivity-xml', 'Accept-Encoding: gzip'));
    assert.match(text(xml), /<parm name="token" value="[^"]+"\/>/, 'the document carries the token back');
    assert.match(xml.head, /cache-control: no-store\ncontent-encoding: gzip\nvary: accept-encoding\nx-content-type-options: nosniff/);
    sent200 += 1;
    tokenOk += 1;
    // Request metrics: the lean answers are counted with fastify's, under the route's pattern.
    const metrics = (await d.call('GET', '/metrics')).text;
    const count = Number(/omnisep_http_requests_total\{[^}]*listener="http"[^}]*method="GET"[^}]*route="\/"[^}]*status="200"[^}]*\} (\d+)/.exec(metrics)?.[1]);
    // The UE's first GET (EAP_ID) answered 200 too.
    assert.equal(count, sent200 + 1, 'every 200 to a GET of / counted once, whichever path answered it');
    const ok = Number(/omnisep_ts43_token_auth_total\{[^}]*result="ok"[^}]*\} (\d+)/.exec(metrics)?.[1]);
    assert.equal(ok, tokenOk, 'every token that held counted once, whichever path checked it');
    assert.match(metrics, /omnisep_ts43_token_auth_total\{[^}]*result="wrong_binding"[^}]*\} 2/);
  } finally {
    await d.stop();
  }
});

/**
 * An EAP start's answer as the test compares it: the session cookie's value (a fresh secret and session id) and the
 * challenge (a fresh RAND, AUTN and MAC) masked; the challenge's code, type, subtype, identifier and attributes kept.
 */
function startAnswer(a: Answer): { head: string; body: unknown } {
  const head = a.head.replace(/OMNISEP_EAP=[^;\n]+/, 'OMNISEP_EAP=…').replace(/content-length: \d+/, 'content-length: …');
  if (status(a) !== 200) return { head, body: text(a) };
  const body = JSON.parse(text(a)) as Record<string, string>;
  const p = decodeEap(Buffer.from(body['eap-relay-packet']!, 'base64'));
  assert.ok(isAkaPacket(p), 'an EAP-AKA packet');
  return { head, body: { keys: Object.keys(body), code: p.code, identifier: p.identifier, type: p.type, subtype: p.subtype, attributes: p.attributes.map((a) => a.type) } };
}

test('lean path: the first request of an EAP-AKA authentication is answered as fastify answers it, cookie and record', async () => {
  // Each start below holds a session of SIM1 in flight (the cap per IMSI is raised to hold them all).
  const { d, port, lean } = await start(undefined, ['eap_aka.max_sessions_per_imsi=100']);
  try {
    const q = (extra = '', eapId = naiOf(SIM1.imsi)) =>
      `/?EAP_ID=${encodeURIComponent(eapId)}&terminal_id=356938035643809&app=ap2004&app=ap2003&vers=0&entitlement_version=2.0&app_name=com.google.android.ims${extra}`;
    const get = (path: string, ...headers: string[]) => [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers].join('\r\n');
    const ua = `User-Agent: ${ANDROID_UA}`;
    // [what, request head, taken by the lean path, expected status]
    const cases: Array<[string, string, boolean, number]> = [
      ['Android\'s first request', get(q(), 'Accept: application/vnd.gsma.eap-relay.v1.0+json', ua, 'Accept-Encoding: gzip'), true, 200],
      ['no Accept, no User-Agent', get(q()), true, 200],
      ['an IMSI beside the EAP_ID', get(q(`&IMSI=${SIM1.imsi}`), ua), true, 200],
      ['an EAP_ID that is no identity', get(q('', 'alice@example.org'), ua), true, 400],
      ['a pseudonym, which the local back-end cannot resolve', get(q('', '2pseudonym@nai.epc.mnc001.mcc001.3gppnetwork.org'), ua), true, 400],
      ['an IMSI the back-end does not know', get(q('', naiOf('001010000009999')), ua), true, 403],
      ['no entitlement_version', get(q().replace('&entitlement_version=2.0', ''), ua), true, 400],
      // Declined: fastify answers both times.
      ['an ODSA app', get(q().replace('app=ap2004&app=ap2003', 'app=ap2006') + '&operation=CheckEligibility', ua), false, 200],
      ['deflate first', get(q(), 'Accept-Encoding: deflate, gzip'), false, 200],
      ['a body on the GET', get(q(), 'Content-Type: text/plain', 'Content-Length: 0'), false, 200],
    ];
    for (const [what, head, taken, expected] of cases) {
      lean.enabled = true;
      const before = lean.answered;
      const viaLean = await exchange(port, head);
      const recordLean = await newestActivity(d);
      assert.equal(lean.answered - before, taken ? 1 : 0, `${what}: taken by the lean path: ${taken}`);
      lean.enabled = false;
      const viaFastify = await exchange(port, head);
      const recordFastify = await newestActivity(d);
      assert.equal(status(viaLean), expected, `${what}: ${viaLean.head}\n${text(viaLean)}`);
      assert.deepEqual(startAnswer(viaLean), startAnswer(viaFastify), `${what}: the same status line, headers in the same order, and body`);
      if (expected === 200) {
        assert.match(viaLean.head, /\nset-cookie: OMNISEP_EAP=[A-Za-z0-9_-]{33,}; Path=\/; Expires=[^;]+ GMT; HttpOnly; SameSite=Lax\n/, what);
        assert.equal(viaLean.body.length, viaFastify.body.length, `${what}: bodies of one length`);
      }
      // The session's id and the challenge's values (RAND, AUTN, MAC) are fresh each time: their kinds are compared.
      const summary = (r: Record<string, unknown>) => JSON.parse(JSON.stringify(r), (k, v: unknown) => (k === 'session_id' || k === 'value' ? typeof v : v)) as unknown;
      assert.deepEqual(summary(recordLean), summary(recordFastify), `${what}: the same activity record (but the session's id and the challenge's values)`);
    }
    // The whole exchange on a cookie the lean path set: its start and its EAP-Response both taken there, the document.
    lean.enabled = true;
    const before = lean.answered;
    const ue = await runUe({ url: d.addresses.http.url, ...SIM1, apps: ['ap2004'] });
    assert.equal(ue.final.status, 200, ue.final.body);
    assert.match(ue.final.body, /<parm name="token" value="[^"]+"/);
    assert.equal(lean.answered - before, 2, 'the start and the EAP-Response on the lean path');
  } finally {
    await d.stop();
  }
});

test('lean path: the EAP-Response of a session this daemon started is answered as fastify answers it; other bodies go to fastify', async () => {
  const { d, port, lean } = await start(undefined, ['eap_aka.max_sessions_per_imsi=100']);
  try {
    const ua = `User-Agent: ${ANDROID_UA}`;
    const first = `GET /?EAP_ID=${encodeURIComponent(naiOf(SIM1.imsi))}&terminal_id=356938035643809&app=ap2004&vers=0&entitlement_version=2.0&app_name=com.google.android.ims HTTP/1.1\r\nHost: 127.0.0.1\r\n${ua}`;
    /** A session started (on the lean path) and the USIM's answer to its challenge: the cookie and the packet to post. */
    const begin = async (): Promise<{ cookie: string; packet: string }> => {
      lean.enabled = true;
      const a = await exchange(port, first);
      assert.equal(status(a), 200, a.head);
      const cookie = /\nset-cookie: (OMNISEP_EAP=[^;]+);/.exec(a.head)![1]!;
      const peer = startPeer({ imsi: SIM1.imsi, k: new Secret(SIM1.k), opc: new Secret(SIM1.opc), sqnMs: 0n, variant: 'aka', mncLength: 3, identity: naiOf(SIM1.imsi) });
      const out = stepPeer(peer, { type: 'eap', packet: Buffer.from((JSON.parse(text(a)) as Record<string, string>)['eap-relay-packet']!, 'base64') }).actions.find((x) => x.type === 'send');
      assert.ok(out && out.type === 'send', 'the USIM answers the challenge');
      return { cookie, packet: out.packet.toString('base64') };
    };
    const post = (cookie: string, body: string, type = 'application/vnd.gsma.eap-relay.v1.0+json', ...headers: string[]) =>
      ['POST / HTTP/1.1', 'Host: 127.0.0.1', `Content-Type: ${type}`, `Content-Length: ${Buffer.byteLength(body)}`, `Cookie: ${cookie}`, ua, ...headers].join('\r\n');
    const android = ['Accept: application/vnd.gsma.eap-relay.v1.0+json, application/json, text/vnd.wap.connectivity-xml', 'Accept-Encoding: gzip'];
    // The token and the challenge's values are fresh each time; the rest is compared.
    const masked = (a: Answer) => ({
      head: a.head.replace(/content-length: \d+/, 'content-length: …'),
      body: text(a).replace(/(<parm name="token" value=")[^"]+"/, '$1…"').replace(/("token":\s*\{\s*"token":\s*")[^"]+"/i, '$1…"'),
    });
    // A form's length follows the packet's percent-escapes.
    const recordOf = (r: Record<string, unknown>) => JSON.parse(JSON.stringify(r), (k, v: unknown) => (k === 'session_id' || k === 'value' || k === 'content-length' ? typeof v : v)) as unknown;
    // [what, the request from a session's cookie and packet, taken by the lean path, expected status]
    const cases: Array<[string, (c: { cookie: string; packet: string }) => [string, string], boolean, number]> = [
      ['the USIM\'s answer, as Android posts it: the document', (c) => [post(c.cookie, JSON.stringify({ 'eap-relay-packet': c.packet }), undefined, ...android), JSON.stringify({ 'eap-relay-packet': c.packet })], true, 200],
      ['as JSON with a charset, the key in other case, JSON asked', (c) => { const b = JSON.stringify({ 'EAP-Relay-Packet': c.packet }); return [post(c.cookie, b, 'application/json; charset=utf-8', 'Accept: application/json'), b]; }, true, 200],
      ['a packet that is not base64', (c) => { const b = '{"eap-relay-packet":"%%%"}'; return [post(c.cookie, b), b]; }, true, 400],
      ['an answer whose AT_MAC does not hold', (c) => { const p = Buffer.from(c.packet, 'base64'); p[p.length - 1]! ^= 1; const b = JSON.stringify({ 'eap-relay-packet': p.toString('base64') }); return [post(c.cookie, b), b]; }, true, 403],
      // Declined after the body was read (fastify reads it from the lean path): the same answers.
      ['a body without eap-relay-packet (a query)', (c) => { const b = '{"terminal_id":"1"}'; return [post(c.cookie, b, 'application/json'), b]; }, false, 400],
      ['a body that is not JSON', (c) => [post(c.cookie, '{"eap-relay'), '{"eap-relay'], false, 400],
      ['a JSON array', (c) => [post(c.cookie, '[1]'), '[1]'], false, 400],
      ['whitespace only', (c) => [post(c.cookie, '  '), '  '], false, 400],
      // Declined from the head: fastify reads the body.
      ['a cookie this daemon did not issue', (c) => { const b = JSON.stringify({ 'eap-relay-packet': c.packet }); return [post(c.cookie.replace(/.$/, (x) => (x === 'a' ? 'b' : 'a')), b), b]; }, false, 511],
      ['no cookie', (c) => { const b = JSON.stringify({ 'eap-relay-packet': c.packet }); return [post(c.cookie, b).replace(/\r\nCookie: [^\r]+/, ''), b]; }, false, 400],
      ['a form', (c) => { const b = `eap-relay-packet=${encodeURIComponent(c.packet)}`; return [post(c.cookie, b, 'application/x-www-form-urlencoded'), b]; }, false, 200],
      ['deflate first', (c) => { const b = JSON.stringify({ 'eap-relay-packet': c.packet }); return [post(c.cookie, b, undefined, 'Accept-Encoding: deflate, gzip'), b]; }, false, 200],
      ['a query string on the URL', (c) => { const b = JSON.stringify({ 'eap-relay-packet': c.packet }); return [post(c.cookie, b).replace('POST / ', 'POST /?vers=0 '), b]; }, false, 200],
    ];
    for (const [what, make, taken, expected] of cases) {
      const answers: Answer[] = [];
      const records: unknown[] = [];
      for (const on of [true, false]) {
        const [head, body] = make(await begin());
        lean.enabled = on;
        const before = lean.answered;
        answers.push(await exchange(port, head, body));
        records.push(recordOf(await newestActivity(d)));
        if (on) assert.equal(lean.answered - before, taken ? 1 : 0, `${what}: taken by the lean path: ${taken}`);
      }
      const [viaLean, viaFastify] = answers as [Answer, Answer];
      assert.equal(status(viaLean), expected, `${what}: ${viaLean.head}\n${text(viaLean)}`);
      assert.deepEqual(masked(viaLean), masked(viaFastify), `${what}: the same status line, headers in the same order, and body`);
      assert.deepEqual(records[0], records[1], `${what}: the same activity record`);
      if (expected === 200 && what.includes('document')) assert.match(text(viaLean), /<parm name="token" value="[^"]+"/);
    }
    // A session that runs an ODSA operation after EAP-AKA: its start and its EAP-Response both go through fastify.
    lean.enabled = true;
    const before = lean.answered;
    const base = d.addresses.http.url;
    const odsa = await runUe({ url: `${base}?operation=CheckEligibility&companion_terminal_id=WATCH-1`, postUrl: base, ...SIM1, apps: ['ap2006'], accept: 'text/vnd.wap.connectivity-xml' });
    assert.equal(odsa.final.status, 200, odsa.final.body);
    assert.match(odsa.final.body, /CheckEligibility|EntitlementStatus|CompanionAppEligibility/);
    assert.equal(lean.answered - before, 0, 'neither request of an ODSA session on the lean path');
  } finally {
    await d.stop();
  }
});

test('lean path: a store that fails answers 503 with Retry-After, any other failure 500, as through fastify', async () => {
  const { d, port, token, lean } = await start();
  try {
    const head = `GET /?IMSI=${SIM1.imsi}&token=${encodeURIComponent(token)}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims HTTP/1.1\r\nHost: 127.0.0.1`;
    const tokens = d.ctx.services.tokens as { verify: (...a: unknown[]) => Promise<unknown> };
    const verify = tokens.verify;
    for (const [what, fail, expected] of [
      ['store unavailable', () => new StoreUnavailableError('the database is restarting', 7), 503],
      ['a bug', () => new TypeError('something was undefined'), 500],
    ] as Array<[string, () => Error, number]>) {
      tokens.verify = async () => { throw fail(); };
      lean.enabled = true;
      const before = lean.answered;
      const viaLean = await exchange(port, head);
      assert.equal(lean.answered - before, 1, what);
      lean.enabled = false;
      const viaFastify = await exchange(port, head);
      assert.equal(status(viaLean), expected, `${what}: ${viaLean.head}`);
      assert.equal(viaLean.head, viaFastify.head, what);
      assert.ok(viaLean.body.equals(viaFastify.body), what);
      if (expected === 503) assert.match(viaLean.head, /retry-after: 7/);
    }
    tokens.verify = verify;
    // The daemon carries on: the next query is answered.
    lean.enabled = true;
    assert.equal(status(await exchange(port, head)), 200);
    assert.ok(d.logs.some((l) => l.includes('ts43: internal error') && l.includes('something was undefined')), 'the bug is logged');
  } finally {
    await d.stop();
  }
});

test('lean path: off while the access log is on (its line has fastify\'s fields) and once the listener closes', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  const { d, port, token, lean } = await start(createLogger({ level: 'debug', pretty: false, destination: sink }));
  try {
    const head = `GET /?IMSI=${SIM1.imsi}&token=${encodeURIComponent(token)}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims HTTP/1.1\r\nHost: 127.0.0.1`;
    assert.equal(status(await exchange(port, head)), 200);
    assert.equal(lean.answered, 0, 'fastify answered');
    await new Promise((r) => setTimeout(r, 100));
    const access = lines.map((l) => JSON.parse(l) as { listener?: string; msg?: string; res?: { status?: number } }).filter((l) => l.listener === 'http' && l.msg === 'request completed');
    assert.deepEqual(access.map((l) => l.res?.status), [200, 200, 200], 'the access lines are written (the UE\'s two requests and this one)');
  } finally {
    await d.stop();
  }
  const second = await start();
  try {
    const head = `GET /?IMSI=${SIM1.imsi}&token=${encodeURIComponent(second.token)}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims HTTP/1.1\r\nHost: 127.0.0.1`;
    const before = second.lean.answered; // the UE's first request (EAP_ID) took it
    assert.equal(status(await exchange(second.port, head)), 200);
    assert.equal(second.lean.answered, before + 1);
    second.lean.closing = true; // as the listener's preClose hook sets it; fastify answers 503 once its own closing flag is up
    assert.equal(status(await exchange(second.port, head)), 200);
    assert.equal(second.lean.answered, before + 1, 'closing: fastify answers');
  } finally {
    await second.d.stop();
  }
  // The hook itself: a daemon that stops sets the flag before its listener closes.
  assert.equal(second.lean.closing, true);
});

test('lean path: each XCAP GET and PUT is answered as fastify answers it, with the same activity record and metrics', async () => {
  const d = await startXcapDaemon();
  const lean = d.ctx.leanPaths!;
  const port = Number(new URL(d.base).port);
  try {
    const etag = String((await d.xcap('GET', DOC_PATH)).headers.etag);
    const raw = `/simservs.ngn.etsi.org/users/${TEL}/simservs.xml`;
    const get = (path: string, ...headers: string[]) => [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers].join('\r\n');
    const as = (tel: string) => `X-3GPP-Asserted-Identity: <${tel}>`;
    const me = as(TEL);
    // The PUTs replace an element that exists (put here first: were the first PUT of a pair to create it, that one
    // would answer 201 and the second 200) with the same bytes on both paths: both leave the same document and ETag.
    const timer = `${DOC_PATH}${CDIV}/NoReplyTimer`;
    const EL = 'Content-Type: application/xcap-el+xml';
    assert.ok([200, 201].includes((await d.xcap('PUT', timer, { body: '<NoReplyTimer>20</NoReplyTimer>', type: 'application/xcap-el+xml' })).status));
    const timerTag = String((await d.xcap('GET', timer)).headers.etag);
    /** A PUT case: [what, request head with its Content-Length, taken by the lean path, expected status, body]. */
    const put = (what: string, taken: boolean, expected: number, path: string, body: string, ...headers: string[]): [string, string, boolean, number, string] =>
      [what, [`PUT ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${Buffer.byteLength(body)}`, ...headers].join('\r\n'), taken, expected, body];
    // [what, request head, taken by the lean path, expected status, body]
    const cases: Array<[string, string, boolean, number, string?]> = [
      ['the document, the XUI as it is', get(raw, me), true, 200],
      ['the document, the XUI percent-encoded', get(DOC_PATH, me), true, 200],
      ['an element', get(`${DOC_PATH}${CDIV}`, me, 'User-Agent: IMS-Client/1.0'), true, 200],
      ['a rule by its id (escaped brackets and quotes)', get(`${DOC_PATH}${rule('cfu')}`, me), true, 404],
      ['an element that is not there', get(`${DOC_PATH}/~~/simservs/no-such-service`, me), true, 404],
      ['If-None-Match with the current ETag', get(DOC_PATH, me, `If-None-Match: ${etag}`), true, 304],
      ['If-None-Match with another ETag', get(DOC_PATH, me, 'If-None-Match: "other"'), true, 200],
      ['If-Match with another ETag', get(DOC_PATH, me, 'If-Match: "other"'), true, 412],
      ['gzip asked (XCAP answers are not compressed)', get(DOC_PATH, me, 'Accept-Encoding: gzip'), true, 200],
      ['someone else\'s asserted identity', get(DOC_PATH, as(`tel:+${OTHER}`)), true, 403],
      ['a subscriber not provisioned', get('/simservs.ngn.etsi.org/users/tel:+15550000001/simservs.xml', as('tel:+15550000001')), true, 404],
      ['an XUI without a number', get('/simservs.ngn.etsi.org/users/sip:alice@example.org/simservs.xml', me), true, 404],
      ['a malformed node selector', get(`${DOC_PATH}/~~/simservs/[`, me), true, 400],
      ['no identity: a Digest challenge', get(DOC_PATH), true, 401],
      // Declined: fastify answers both times.
      ['an escape that does not decode', get(`${DOC_PATH.replace('simservs.xml', 'simservs%zz.xml')}`, me), false, 400],
      ['HEAD', get(DOC_PATH, me).replace(/^GET/, 'HEAD'), false, 200],
      ['the capabilities', get('/xcap-caps/global/index', me), false, 200],
      // PUTs with a body the lean path reads.
      put('a PUT of an element that replaces it', true, 200, timer, '<NoReplyTimer>20</NoReplyTimer>', me, EL),
      put('a conditional PUT whose ETag matches', true, 200, timer, '<NoReplyTimer>20</NoReplyTimer>', me, EL, `If-Match: ${timerTag}`),
      put('a PUT that changes the element (the second of the pair finds it changed already)', true, 200, timer, '<NoReplyTimer>30</NoReplyTimer>', me, EL, 'User-Agent: IMS-Client/1.0'),
      put('a conditional PUT that does not match', true, 412, `${DOC_PATH}${CDIV}/cp:ruleset`, '<a', me, 'If-Match: "other"', EL),
      put('a body that is not well-formed (409, an XCAP error document)', true, 409, timer, '<NoReplyTimer>30', me, EL),
      put('an element PUT as text/plain (415)', true, 415, timer, '30', me, 'Content-Type: text/plain'),
      put('a document PUT with the type of an element (415)', true, 415, DOC_PATH, '<simservs/>', me, EL),
      put('someone else\'s asserted identity, a PUT', true, 403, timer, '<NoReplyTimer>40</NoReplyTimer>', as(`tel:+${OTHER}`), EL),
      put('no identity, a PUT: a Digest challenge', true, 401, timer, '<NoReplyTimer>40</NoReplyTimer>', EL),
      put('a PUT of a malformed node selector', true, 400, `${DOC_PATH}/~~/simservs/[`, '<a/>', me, EL),
      // Declined: fastify reads the body both times.
      put('a media type with a parameter', false, 200, timer, '<NoReplyTimer>30</NoReplyTimer>', me, 'Content-Type: application/xcap-el+xml; charset=utf-8'),
      put('no media type', false, 200, timer, '<NoReplyTimer>30</NoReplyTimer>', me),
      put('a Content-Encoding', false, 200, timer, '<NoReplyTimer>30</NoReplyTimer>', me, EL, 'Content-Encoding: identity'),
      ['a chunked body', get(timer, me, EL, 'Transfer-Encoding: chunked').replace(/^GET/, 'PUT'), false, 200, '1f\r\n<NoReplyTimer>30</NoReplyTimer>\r\n0\r\n\r\n'],
      put('an empty body', false, 409, timer, '', me, EL),
      put('a body past the limit (413)', false, 413, timer, `<NoReplyTimer>${'1'.repeat(XCAP_BODY_LIMIT)}</NoReplyTimer>`, me, EL),
      put('a PUT of the capabilities (405)', false, 405, '/xcap-caps/global/index', '<a/>', me, EL),
    ];
    // XCAP's record does not hold up the answer: wait until the log holds `n` records, then read the newest.
    const recordNumber = async (n: number, what: string) => {
      for (let i = 0; i < 300; i++) {
        const r = await d.call('GET', '/api/activity?limit=1');
        if (r.json.total > n) throw new Error(`${what}: ${r.json.total} records, expected ${n}`);
        if (r.json.total === n) {
          const { id: _id, timestamp: _ts, ...rest } = r.json.activities[0] as Record<string, unknown>;
          return rest;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`${what}: no new activity record`);
    };
    // The records of the requests above (the last: the GET of the timer's ETag) are in before the count is taken.
    const last = async () => (await d.call('GET', '/api/activity?limit=1')).json.activities[0] as { request_method: string; request_path: string };
    for (let i = 0; i < 300; i++) {
      const r = await last();
      if (r.request_method === 'GET' && r.request_path === timer) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    let n = (await d.call('GET', '/api/activity?limit=1')).json.total as number;
    let ok200 = 0;
    // The Digest challenge carries a fresh nonce each time.
    const masked = (head: string) => head.replace(/nonce="[^"]+"/g, 'nonce="…"');
    for (const [what, head, taken, expected, body] of cases) {
      lean.enabled = true;
      const before = lean.answered;
      const viaLean = await exchange(port, head, body);
      // fastify's router refuses a path that does not decode before any route (and record) sees it.
      const recorded = !what.startsWith('an escape');
      const a = recorded ? await recordNumber(++n, what) : {};
      assert.equal(lean.answered - before, taken ? 1 : 0, `${what}: taken by the lean path: ${taken}`);
      lean.enabled = false;
      const viaFastify = await exchange(port, head, body);
      const b = recorded ? await recordNumber(++n, what) : {};
      assert.equal(status(viaLean), expected, `${what}: ${viaLean.head}\n${text(viaLean)}`);
      assert.equal(masked(viaLean.head), masked(viaFastify.head), `${what}: the same status line and headers, in the same order`);
      assert.ok(viaLean.body.equals(viaFastify.body), `${what}: the same body bytes`);
      assert.deepEqual(a, b, `${what}: the same activity record`);
      if (expected === 200 && head.startsWith('GET /simservs')) ok200 += 2;
    }
    const metrics = (await d.call('GET', '/metrics')).text;
    const count = Number(/omnisep_http_requests_total\{[^}]*listener="http"[^}]*method="GET"[^}]*route="\/simservs.ngn.etsi.org\/\*"[^}]*status="200"[^}]*\} (\d+)/.exec(metrics)?.[1]);
    assert.equal(count, ok200 + 2, 'every 200 to a GET of a document counted once, whichever path answered it (and the two GETs before the cases)');
    assert.match(metrics, /omnisep_http_request_duration_seconds_count\{[^}]*route="\/simservs.ngn.etsi.org\/\*"[^}]*\} \d+/);
  } finally {
    await d.stop();
  }
});

test('lean path: the HTTPS listener (http.tls_cert) takes it too, with the same answers as fastify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-lean-tls-'));
  const pair = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate: new Date(Date.now() - 60_000), notAfterDate: new Date(Date.now() + 86_400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(join(dir, 'cert.pem'), pair.cert);
  writeFileSync(join(dir, 'key.pem'), pair.private);
  const vectors = new TestVectorSource([SIM1]);
  const d = await startTestDaemon([`http.tls_cert=${join(dir, 'cert.pem')}`, `http.tls_key=${join(dir, 'key.pem')}`, 'eap_aka.backend=local'], {
    beforeListen: (ctx) => { ctx.services.backends.vectorSource = vectors; },
  });
  const lean = d.ctx.leanPaths!;
  try {
    assert.match(d.addresses.http.url, /^https:/);
    const port = Number(new URL(d.addresses.http.url).port);
    // A token this server never issued: the lean path checks it and answers 511, as fastify does.
    const head = `GET /?IMSI=${SIM1.imsi}&token=bm90LWEtdG9rZW4&terminal_id=1&app=ap2004&entitlement_version=2.0 HTTP/1.1\r\nHost: 127.0.0.1`;
    const viaLean = await exchange(port, head, '', pair.cert);
    assert.equal(lean.answered, 1, 'taken by the lean path over TLS');
    lean.enabled = false;
    const viaFastify = await exchange(port, head, '', pair.cert);
    assert.equal(status(viaLean), 511, viaLean.head);
    assert.equal(viaLean.head, viaFastify.head);
    assert.ok(viaLean.body.equals(viaFastify.body));
    // An EAP start: its session cookie is Secure on HTTPS, on both paths.
    const start = `GET /?EAP_ID=${encodeURIComponent(naiOf(SIM1.imsi))}&terminal_id=1&app=ap2004&vers=0&entitlement_version=2.0 HTTP/1.1\r\nHost: 127.0.0.1`;
    lean.enabled = true;
    const startLean = await exchange(port, start, '', pair.cert);
    assert.equal(lean.answered, 2, 'the EAP start taken by the lean path over TLS');
    lean.enabled = false;
    const startFastify = await exchange(port, start, '', pair.cert);
    assert.equal(status(startLean), 200, startLean.head);
    assert.match(startLean.head, /\nset-cookie: OMNISEP_EAP=[^;]+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax\n/);
    assert.deepEqual(startAnswer(startLean), startAnswer(startFastify));
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
