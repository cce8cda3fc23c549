/**
 * Android's TS.43 wire contract (TS43.md § Authentication, "Client
 * contract") replayed byte for byte with node's own `http` module against
 * the real daemon (startDaemon, swm back-end → built-in AAA over loopback
 * Diameter, lab subscribers). No simulator code and none of Android's: the
 * requests are written out here from the contract, the USIM is the EAP peer
 * state machine (src/fsm/eap-aka-peer.ts).
 *
 * Asserted: GET with EAP_ID and the device fields (spaces kept), headers in
 * any case, gzip asked for and unpacked; 200 + eap-relay content type +
 * Set-Cookie + {"eap-relay-packet"} in standard base64 holding an
 * AKA-Challenge with no zero-length attribute; the POST to the bare URL with
 * only the first response's cookies, one Cookie line each, a quoted value
 * accepted; resync rounds on the same cookie; the configuration document
 * directly in the last 200 (XML preferred, never an EAP-Success packet, only
 * &amp; entities); token re-auth by GET ?IMSI=&token=; POST mode.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startPeer, stepPeer, type EapPeerState } from '../src/fsm/eap-aka-peer.js';
import { Secret } from '../src/util/secret.js';
import { labSims, startSimDaemon, type SimDaemon } from './simulate-daemon.js';

const RELAY = 'application/vnd.gsma.eap-relay.v1.0+json';
const XML = 'text/vnd.wap.connectivity-xml';
const UA = 'PRD-TS43 term-Goog/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14';
const sims = labSims();

let d: SimDaemon;
let host: string;
let port: number;

before(async () => {
  d = await startSimDaemon();
  const u = new URL(d.url);
  host = u.hostname;
  port = Number(u.port);
});
after(async () => {
  await d?.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  gzip: boolean;
}

/** One request with raw header lines exactly as given (repeated names stay separate lines). */
function send(method: 'GET' | 'POST', path: string, headers: Array<[string, string]>, body?: string): Promise<Answer> {
  const raw = [['Host', `${host}:${port}`] as [string, string], ...headers];
  if (body !== undefined) raw.push(['Content-Length', String(Buffer.byteLength(body))]);
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers: raw.flat(), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const gzip = res.headers['content-encoding'] === 'gzip';
        resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: (gzip ? gunzipSync(bytes) : bytes).toString('utf8'), gzip });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const nai = (imsi: string) => `0${imsi}@nai.epc.mnc001.mcc001.3gppnetwork.org`;

/** Android's first GET: EAP_ID, terminal fields (Pixel%208), app, vers, entitlement_version. */
function firstGetPath(imsi: string, apps: string[], entitlementVersion = '2'): string {
  const q = [
    `EAP_ID=${encodeURIComponent(nai(imsi))}`,
    'terminal_id=356938035643809',
    'terminal_vendor=Goog',
    'terminal_model=Pixel%208',
    'terminal_sw_version=UP1A.231005.007',
    ...apps.map((a) => `app=${a}`),
    'vers=0',
    `entitlement_version=${entitlementVersion}`,
  ];
  return `/?${q.join('&')}`;
}

const firstHeaders: Array<[string, string]> = [
  ['accept', RELAY], // headers in any case
  ['User-Agent', UA],
  ['ACCEPT-ENCODING', 'gzip'],
  ['Connection', 'Keep-Alive'],
];

/** Android keeps name=value of each Set-Cookie of the FIRST response; here sent back quoted, as it does for Max-Age cookies. */
function cookiesOf(a: Answer): Array<[string, string]> {
  const set = a.headers['set-cookie'] ?? [];
  assert.ok(set.length > 0, 'the first answer sets the session cookie');
  return set.map((c) => {
    const [name, value] = c.split(';', 1)[0]!.split(/=(.*)/s) as [string, string];
    return [name, value] as [string, string];
  });
}

function relayPacket(a: Answer): Buffer {
  assert.equal(a.status, 200, a.body);
  assert.equal(a.headers['content-type']?.split(';')[0], RELAY);
  const json = JSON.parse(a.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json), ['eap-relay-packet']);
  const b64 = json['eap-relay-packet'] as string;
  assert.match(b64, /^[A-Za-z0-9+/]+=*$/, 'standard base64 alphabet (Android skips other characters)');
  const packet = Buffer.from(b64, 'base64');
  assertAndroidParsable(packet);
  return packet;
}

/** What Android's EAP-AKA parser accepts: EAP-Request, type 23, subtype AKA-Challenge, no zero-length attribute. */
function assertAndroidParsable(p: Buffer): void {
  assert.equal(p[0], 1, 'EAP-Request');
  assert.equal(p.readUInt16BE(2), p.length, 'EAP length = packet length');
  assert.equal(p[4], 23, 'EAP-AKA (Android does no AKA\')');
  assert.equal(p[5], 1, 'AKA-Challenge (never AKA-Identity first)');
  for (let off = 8; off < p.length; ) {
    const len = p[off + 1]! * 4;
    assert.ok(len > 0, `zero-length attribute ${p[off]} at ${off} (the client would loop)`);
    off += len;
  }
}

function postHeaders(cookies: Array<[string, string]>, quote: boolean): Array<[string, string]> {
  return [
    ['Content-Type', RELAY],
    ['Accept', `${RELAY}, application/json, ${XML}`],
    ['User-Agent', UA],
    ['Accept-Encoding', 'gzip'],
    // One Cookie: line per cookie; Android sends a Max-Age cookie back quoted.
    ...cookies.map(([n, v]): [string, string] => ['Cookie', quote ? `${n}="${v}"` : `${n}=${v}`]),
  ];
}

const relayBody = (p: Buffer) => JSON.stringify({ 'eap-relay-packet': p.toString('base64') });

function usim(sim: (typeof sims)[number], sqnMs = 0n): EapPeerState {
  return startPeer({ imsi: sim.imsi, k: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')), sqnMs, variant: 'aka', identity: nai(sim.imsi) });
}

function answer(peer: EapPeerState, packet: Buffer): { peer: EapPeerState; response: Buffer; note?: string } {
  const r = stepPeer(peer, { type: 'eap', packet });
  const send = r.actions.find((a) => a.type === 'send');
  assert.ok(send && send.type === 'send', `the USIM answers (${r.note})`);
  return { peer: r.state, response: send.packet, note: r.note };
}

/** The configuration document, directly in the 200: XML (preferred), never an EAP packet. */
function assertXmlDocument(a: Answer, apps: string[]): string {
  assert.equal(a.status, 200, a.body);
  assert.equal(a.headers['content-type']?.split(';')[0], XML, 'XML preferred when the Accept lists both');
  assert.ok(!a.body.includes('eap-relay-packet'), 'never an EAP-Success packet');
  assert.match(a.body, /^<\?xml[^>]*\?>\s*<wap-provisioningdoc/);
  const ids = [...a.body.matchAll(/<parm name="AppID" value="([^"]+)"\/>/g)].map((m) => m[1]);
  assert.deepEqual(ids.sort(), [...apps].sort(), 'one APPLICATION per requested app only');
  const entities = a.body.match(/&(?!amp;)[#a-zA-Z0-9]+;/g);
  assert.equal(entities, null, 'only &amp; (Android decodes nothing else)');
  return a.body;
}

test('Android GET → challenge → POST to the bare URL with the quoted cookie → XML document with a token → token re-auth', async () => {
  const sim = sims[0]!;
  const apps = ['ap2004', 'ap2003'];
  const first = await send('GET', firstGetPath(sim.imsi, apps), firstHeaders);
  const challenge = relayPacket(first);
  const cookies = cookiesOf(first);
  for (const c of first.headers['set-cookie']!) {
    if (/max-age/i.test(c)) assert.match(c, /expires=/i, 'Max-Age comes with Expires (else Android quotes the value)');
  }
  let peer = usim(sim);
  const a = answer(peer, challenge);
  peer = a.peer;
  // An unrelated cookie (a load balancer's) on its own line must not disturb the session.
  const post = await send('POST', '/', [...postHeaders(cookies, true), ['Cookie', 'lb=node-a']], relayBody(a.response));
  const xml = assertXmlDocument(post, apps);
  assert.equal(post.gzip, true, `Android asks for gzip: a ${xml.length}-byte document comes compressed`);
  const token = /<characteristic type="TOKEN">\s*<parm name="token" value="([^"]+)"\/>/.exec(xml)?.[1];
  assert.ok(token, 'TOKEN characteristic');
  assert.match(xml, /<parm name="validity" value="\d+"\/>/);

  const tq = `/?IMSI=${sim.imsi}&token=${encodeURIComponent(token!)}&terminal_id=356938035643809&terminal_vendor=Goog&terminal_model=Pixel%208&terminal_sw_version=UP1A.231005.007&app=ap2004&app=ap2003&vers=0&entitlement_version=2`;
  const again = await send('GET', tq, [['Accept', `${XML}, application/json`], ['User-Agent', UA], ['Accept-Encoding', 'gzip']]);
  assertXmlDocument(again, apps);
});

test('resync: Synchronization-Failure then a fresh challenge on the same, never rotated cookie (up to 1 + 3 challenges)', async () => {
  const sim = sims[2]!;
  const first = await send('GET', firstGetPath(sim.imsi, ['ap2004']), firstHeaders);
  const cookies = cookiesOf(first);
  let peer = usim(sim, 1_000_000n * 32n); // the USIM is far ahead of the HSS
  let packet = relayPacket(first);
  let challenges = 1;
  for (;;) {
    const a = answer(peer, packet);
    peer = a.peer;
    const r = await send('POST', '/', postHeaders(cookies, false), relayBody(a.response));
    for (const c of r.headers['set-cookie'] ?? []) {
      const [n, v] = c.split(';', 1)[0]!.split(/=(.*)/s);
      const mine = cookies.find(([name]) => name === n);
      if (mine) assert.equal(v, mine[1], 'the session cookie is never rotated mid-exchange');
    }
    if (r.headers['content-type']?.startsWith(RELAY)) {
      assert.match(a.note ?? '', /sync_failure/);
      packet = relayPacket(r);
      challenges++;
      assert.ok(challenges <= 4, 'at most 1 + 3 challenges');
      continue;
    }
    assertXmlDocument(r, ['ap2004']);
    break;
  }
  assert.equal(challenges, 2);
});

test('POST mode: the first request as a JSON body with app "[ap2003,ap2004]" and a lenient entitlement_version', async () => {
  const sim = sims[1]!;
  const body = JSON.stringify({
    EAP_ID: nai(sim.imsi),
    terminal_id: '356938035643809',
    terminal_vendor: 'Goog',
    terminal_model: 'Pixel 8',
    terminal_sw_version: 'UP1A.231005.007',
    app: '[ap2003,ap2004]',
    vers: '0',
    entitlement_version: '8',
  });
  const first = await send('POST', '/', [['Content-Type', 'application/json'], ['Accept', RELAY], ['User-Agent', UA], ['Accept-Encoding', 'gzip']], body);
  const challenge = relayPacket(first);
  const a = answer(usim(sim), challenge);
  const r = await send('POST', '/', postHeaders(cookiesOf(first), true), relayBody(a.response));
  assertXmlDocument(r, ['ap2003', 'ap2004']);
});

test('an Android user agent without a client- token and entitlement_version 2 are accepted', async () => {
  const sim = sims[3]!;
  const first = await send('GET', firstGetPath(sim.imsi, ['ap2004'], '2'), [['Accept', RELAY], ['User-Agent', 'PRD-TS43 term-Omni/TestPhone /1.0 OS-Android/14']]);
  relayPacket(first);
});
