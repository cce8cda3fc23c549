/**
 * Pseudonyms and fast re-authentication through the TS.43 route (issue 15 item 8; docs/eap-aka.md § Through
 * TS.43): a real daemon (startDaemon, embedded store) whose `swm` back-end relays over loopback TCP Diameter
 * to its built-in AAA. The phone is the simulator's USIM (src/ue/usim.ts) over plain HTTP here, so every
 * packet is in the test's hands; the `simulate eap-aka --fast-reauth` command runs as a child process.
 *
 * Checked: full → fast re-authentication with the re-auth identity as EAP_ID; the token, the session view and
 * the activity bound to the permanent IMSI the AAA names in Mobile-Node-Identifier, never to the identity
 * presented; a re-auth identity used twice falls back (AT_FULLAUTH_ID_REQ relayed to the phone); a replayed
 * re-authentication response refused (403); a pseudonym as EAP_ID; a non-permanent EAP_ID refused (400) by
 * the `local` back-end; the CLI single run and load chain.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Secret } from '../src/util/secret.js';
import { createUsim, type Usim } from '../src/ue/usim.js';
import { realmFor } from '../src/ue/identity.js';
import { AkaSubtype, EapAttr } from '../src/codec/eap/constants.js';
import { decodeEap, isAkaPacket } from '../src/codec/eap/packet.js';
import type { PeerCarry } from '../src/fsm/eap-aka-peer.js';
import { repoPath } from '../src/util/repo-path.js';
import type { LoadReport } from '../src/ue/run.js';
import type { SimulationReport } from '../src/ue/simulate.js';
import { runCli, parseJson } from './cli-harness.js';
import { labSims, startSimDaemon, type SimDaemon } from './simulate-daemon.js';
import { startTestDaemon } from './daemon-helpers.js';

const SIM = labSims()[2]!;
const TERMINAL = '358240051111110';
let d: SimDaemon;

before(async () => {
  d = await startSimDaemon();
});
after(async () => {
  await d?.stop();
});

const usim = (sqnMs: bigint, carry: PeerCarry = {}): Usim =>
  createUsim({
    imsi: SIM.imsi, k: new Secret(Buffer.from(SIM.ki, 'hex')), opc: new Secret(Buffer.from(SIM.opc, 'hex')), sqnMs, variant: 'aka',
    realm: realmFor(SIM.imsi),
  }, carry);

interface Exchange {
  status: number;
  body: string;
  /** Subtypes of the EAP-Requests the phone received, in order. */
  subtypes: number[];
  /** The attribute types of the first request. */
  firstAttrs: number[];
  /** Raw EAP-Responses the phone posted. */
  sent: Buffer[];
  kind?: 'full' | 'fast_reauth';
}

/**
 * One TS.43 EAP exchange over HTTP, the phone answering with `u`: GET with EAP_ID = its identity, POSTs of its
 * responses with the first answer's cookie, until a non-relay answer. `replace(n, packet)` may swap a response.
 */
async function exchange(u: Usim, replace?: (n: number, packet: Buffer) => Buffer): Promise<Exchange> {
  const q = new URLSearchParams({ EAP_ID: u.identity, terminal_id: TERMINAL, app: 'ap2004', entitlement_version: '2.0', vers: '0' });
  const headers = { accept: 'application/vnd.gsma.eap-relay.v1.0+json, text/vnd.wap.connectivity-xml', 'user-agent': 'PRD-TS43 term-Omni/Test client-IMS-Entitlement/1.0 OS-Android/14' };
  let res = await fetch(`${d.url}?${q}`, { headers });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const out: Exchange = { status: res.status, body: '', subtypes: [], firstAttrs: [], sent: [] };
  for (let n = 0; n < 6; n++) {
    out.status = res.status;
    out.body = await res.text();
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('eap-relay')) break;
    const packet = Buffer.from(JSON.parse(out.body)['eap-relay-packet'] as string, 'base64');
    const p = decodeEap(packet);
    if (isAkaPacket(p)) {
      out.subtypes.push(p.subtype);
      if (n === 0) out.firstAttrs = p.attributes.map((a) => a.type);
    }
    const a = u.answer(packet);
    assert.equal(a.type, 'send', a.type === 'failure' ? a.reason : '');
    const send = replace ? replace(n, (a as { packet: Buffer }).packet) : (a as { packet: Buffer }).packet;
    out.sent.push(send);
    res = await fetch(d.url, { method: 'POST', headers: { ...headers, cookie, 'content-type': 'application/vnd.gsma.eap-relay.v1.0+json' }, body: JSON.stringify({ 'eap-relay-packet': send.toString('base64') }) });
  }
  if (out.status === 200 && out.body.includes('wap-provisioningdoc')) {
    const s = u.succeed();
    if (s) out.kind = s.reauth ? 'fast_reauth' : 'full';
  }
  return out;
}

const tokenOf = (xml: string) => /<parm name="token" value="([^"]+)"/.exec(xml)?.[1];

async function tokenWorks(token: string, imsi: string): Promise<number> {
  const q = new URLSearchParams({ IMSI: imsi, token, terminal_id: TERMINAL, app: 'ap2004', entitlement_version: '2.0', vers: '0' });
  const r = await fetch(`${d.url}?${q}`, { headers: { 'user-agent': 'PRD-TS43 term-Omni/Test client-IMS-Entitlement/1.0 OS-Android/14' } });
  await r.text();
  return r.status;
}

test('through the TS.43 route: full → fast re-auth bound to the permanent IMSI; a used re-auth identity falls back; a replay is refused; a pseudonym works', async () => {
  const ctx = d.daemon.ctx;
  // 1. full authentication with the permanent identity: the AAA issues a pseudonym and a re-auth identity
  const u1 = usim(0n);
  assert.equal(u1.identityKind, 'permanent');
  const full = await exchange(u1);
  assert.equal(full.status, 200, full.body);
  assert.deepEqual(full.subtypes, [AkaSubtype.AKA_CHALLENGE]);
  assert.ok(full.firstAttrs.includes(EapAttr.AT_ENCR_DATA), 'identities issued in AT_ENCR_DATA');
  assert.equal(full.kind, 'full');
  const carry1 = u1.carry();
  assert.match(carry1.reauth?.id ?? '', /^4[0-9a-f]{32}@nai\.epc\.mnc001\.mcc001\.3gppnetwork\.org$/);
  assert.match(carry1.pseudonym ?? '', /^2[0-9a-f]{32}@/);

  // 2. fast re-authentication: EAP_ID = the re-auth identity, AKA-Reauthentication relayed, no vector spent
  const sqnHe = (await ctx.services.subscribers.get(SIM.imsi))!.sqn;
  const u2 = usim(u1.sqnMs, carry1);
  assert.equal(u2.identityKind, 'reauth');
  const re = await exchange(u2);
  assert.equal(re.status, 200, re.body);
  assert.deepEqual(re.subtypes, [AkaSubtype.AKA_REAUTHENTICATION]);
  assert.equal(re.kind, 'fast_reauth');
  assert.equal((await ctx.services.subscribers.get(SIM.imsi))!.sqn, sqnHe, 'no vector spent');
  // the token is bound to the permanent IMSI (Mobile-Node-Identifier), never to the identity presented
  const token = tokenOf(re.body);
  assert.ok(token, 'a token in the document');
  assert.equal(await tokenWorks(token!, SIM.imsi), 200);
  const tokens = await ctx.services.tokens.listByImsi(SIM.imsi);
  assert.ok(tokens.length >= 1);
  const sessions = await ctx.services.eapAuth.listByImsi(SIM.imsi);
  assert.equal(sessions[0]!.state, 'completed');
  assert.equal(sessions[0]!.imsi, SIM.imsi, 'the session view names the permanent IMSI once the AAA did');
  const reauthName = carry1.reauth!.id.split('@')[0]!;
  assert.equal((await ctx.services.tokens.listByImsi(reauthName)).length, 0, 'nothing bound to the re-auth identity');

  // 3. the same re-auth identity again: the AAA asks AT_FULLAUTH_ID_REQ (relayed: the phone knows its identities),
  //    the phone answers with its pseudonym, a full authentication follows
  const u3 = usim(u2.sqnMs, carry1);
  const again = await exchange(u3);
  assert.equal(again.status, 200, again.body);
  assert.deepEqual(again.subtypes, [AkaSubtype.AKA_IDENTITY, AkaSubtype.AKA_CHALLENGE]);
  assert.ok(again.firstAttrs.includes(EapAttr.AT_FULLAUTH_ID_REQ));
  assert.equal(again.kind, 'full');

  // 4. a replayed re-authentication response (old counter, old NONCE_S) against a fresh re-auth identity: 403
  const u4 = usim(u3.sqnMs, u3.carry());
  const replay = await exchange(u4, (n, p) => (n === 0 ? re.sent[0]! : p));
  assert.deepEqual(replay.subtypes, [AkaSubtype.AKA_REAUTHENTICATION]);
  assert.equal(replay.status, 403, replay.body);

  // 5. a pseudonym as EAP_ID: the AAA resolves it, straight to AKA-Challenge, token bound to the IMSI
  const u5 = usim(u4.sqnMs, { pseudonym: u3.carry().pseudonym! });
  assert.equal(u5.identityKind, 'pseudonym');
  const ps = await exchange(u5);
  assert.equal(ps.status, 200, ps.body);
  assert.deepEqual(ps.subtypes, [AkaSubtype.AKA_CHALLENGE]);
  assert.equal(ps.kind, 'full');
  assert.equal(await tokenWorks(tokenOf(ps.body)!, SIM.imsi), 200);

  // the activity: eap_challenge of a temporary identity has no IMSI yet; the answer with the document names it
  const acts = await d.daemon.call('GET', `/api/activity?imsi=${SIM.imsi}&limit=200`);
  assert.equal(acts.status, 200, acts.text);
  assert.ok(!acts.text.includes(reauthName), 'the re-auth identity is not the IMSI of any record');
});

test('an unknown or malformed non-permanent EAP_ID: unknown → the AAA asks for the permanent identity; junk → 400', async () => {
  const q = (id: string) => new URLSearchParams({ EAP_ID: id, terminal_id: TERMINAL, app: 'ap2004', entitlement_version: '2.0' });
  const unknown = await fetch(`${d.url}?${q(`2${'ab'.repeat(16)}@nai.epc.mnc001.mcc001.3gppnetwork.org`)}`, { headers: { accept: 'application/vnd.gsma.eap-relay.v1.0+json' } });
  assert.equal(unknown.status, 200);
  const p = decodeEap(Buffer.from((await unknown.json() as Record<string, string>)['eap-relay-packet']!, 'base64'));
  assert.ok(isAkaPacket(p) && p.subtype === AkaSubtype.AKA_IDENTITY && p.attributes.some((a) => a.type === EapAttr.AT_PERMANENT_ID_REQ));
  for (const junk of ['alice', 'a b@example.com', '@example.com', `x@${'a'.repeat(200)}`]) {
    const r = await fetch(`${d.url}?${q(junk)}`);
    assert.equal(r.status, 400, junk);
    assert.match(await r.text(), /EAP_ID is not a permanent identity/);
  }
});

test('local back-end: a pseudonym or re-auth identity as EAP_ID is refused with 400 and the reason', async () => {
  const local = await startTestDaemon(['eap_aka.backend=local']);
  try {
    const url = `${local.addresses.http.url.replace(/\/$/, '')}/`;
    const q = new URLSearchParams({ EAP_ID: `4${'cd'.repeat(16)}@nai.epc.mnc001.mcc001.3gppnetwork.org`, terminal_id: TERMINAL, app: 'ap2004', entitlement_version: '2.0' });
    const r = await fetch(`${url}?${q}`);
    assert.equal(r.status, 400);
    assert.match(await r.text(), /fast re-authentication identity: only the AAA that issued one can resolve it \(eap_aka\.backend swm\)/);
  } finally {
    await local.stop();
  }
});

test('simulate eap-aka --fast-reauth (CLI): full then fast re-auth, token re-auth ok; load mode chains re-authentications; --concurrency refused', async () => {
  const sims = labSims();
  const sim = sims[3]!;
  const lab = repoPath('fixtures', 'subscribers', 'lab.csv');
  assert.ok(readFileSync(lab, 'utf8').includes(sim.imsi));
  const base = ['simulate', 'eap-aka', '--url', d.url, '--imsi', sim.imsi, '--sim-file', lab, '--fast-reauth'];
  const one = await runCli([...base, '--json']);
  assert.equal(one.code, 0, one.stderr + one.stdout);
  const r = parseJson<SimulationReport>(one);
  assert.equal(r.ok, true, r.reason);
  assert.deepEqual(r.authentications!.map((a) => [a.kind, a.identity]), [['full', 'permanent'], ['fast_reauth', 'reauth']]);
  assert.equal(r.reauth?.ok, true, 'the token of the re-authentication works for the permanent IMSI');
  assert.ok(r.steps.some((s) => s.received_eap?.subtype_name === 'AKA_REAUTHENTICATION'));
  assert.deepEqual(r.warnings, []);

  const human = await runCli(base);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^ {2}1 {2}full .*EAP_ID permanent identity/m);
  assert.match(human.stdout, /^ {2}2 {2}fast re-auth .*EAP_ID re-auth identity/m);
  assert.ok(!human.stdout.includes(sim.ki) && !human.stdout.includes(sim.opc));

  const verbose = await runCli([...base, '-v']);
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.match(verbose.stderr, /EAP_ID=4[0-9a-f]{32}%40/, '-v shows the second request with the re-auth identity');
  assert.match(verbose.stderr, /^\* step 5: token_auth/m, 'the second run numbers on from the first');
  assert.ok(!verbose.stderr.includes(sim.ki) && !verbose.stderr.includes(sim.opc));
  assert.doesNotMatch(verbose.stderr, /token=[A-Za-z0-9_-]{43}/, 'token redacted');

  const load = await runCli([...base, '--count', '6', '--json']);
  assert.equal(load.code, 0, load.stderr + load.stdout);
  const s = parseJson<LoadReport>(load);
  assert.equal(s.ok, 6);
  assert.deepEqual(s.kinds, { full: 1, fast_reauth: 5, fell_back: 0 });

  const bad = await runCli([...base, '--count', '4', '--concurrency', '2']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fast-reauth runs one chain per SIM/);
});
