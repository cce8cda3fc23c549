/**
 * Sh notifications over real TCP Diameter (docs/diameter.md § Sh notifications): an XCAP service acting as
 * the AS (its Sh client and PNR handler on one node) and the built-in HSS on another, plus a second AS.
 *  - the first sync (UDR) subscribes (SNR, Expiry-Time granted); a renewal before expiry sends a new SNR;
 *  - a PUR from the other AS and an operator change in the HSS each reach the XCAP document through a PNR:
 *    new ETag and content on the next GET; an older SequenceNumber changes nothing;
 *  - PNA errors: unknown MSISDN → Experimental-Result 5001, data that is not Sh-Data → 5100, no User-Data → 5005;
 *  - removing the profile unsubscribes (SNR Subs-Req-Type 1): the HSS sends no more PNRs;
 *  - tshark decodes every SNR/SNA/PNR/PNA sent, with no warning and no unknown AVP.
 * Then the same across processes: `omnisep aaa serve` as the HSS, a daemon with xcap.hss_sync as the AS, the
 * phone over HTTP. CI needs: tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { createBuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { createShClient, shNotificationHandler } from '../daemon/diameter/sh-client.js';
import { AppId, CommandCode, commandName } from '../src/codec/diameter/constants.js';
import { buildPnr, buildShData, buildSnr, readShAnswer } from '../src/codec/diameter/sh.js';
import { makeSessionId } from '../src/codec/diameter/base.js';
import { decodeMessage, isRequest, type DiameterMessage } from '../src/codec/diameter/message.js';
import { describeResult } from '../src/codec/diameter/result.js';
import { parseXcapUri, type XcapTarget } from '../src/codec/xcap/uri.js';
import { defaultDocumentText } from '../src/services/xcap/document.js';
import { SH_SERVICE_INDICATION, XcapService } from '../src/services/xcap/service.js';
import { openCollection } from '../src/store/collections.js';
import { request } from 'undici';
import { repoPath } from '../src/util/repo-path.js';
import { writePcap, type CapturedMessage } from './diameter-pcap.js';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { PEER_WAIT_MS, nodeConfig, quietLogger } from './diameter-helpers.js';

const M = '15551230007';
const DOC = `/simservs.ngn.etsi.org/users/tel:+${M}/simservs.xml`;
const target = parseXcapUri(DOC, '') as Exclude<XcapTarget, { kind: 'caps' }>;
const SH = AppId.Sh;

const waitFor = async <T>(get: () => Promise<T> | T, ok: (v: T) => boolean, what: string): Promise<T> => {
  const deadline = Date.now() + PEER_WAIT_MS;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('Sh SNR/PNR: the HSS\'s changes reach the XCAP document; renew, unsubscribe, PNA errors; tshark decodes them cleanly', { timeout: 300_000 }, async () => {
  const wire: CapturedMessage[] = [];
  const tap = (client: boolean) => (dir: 'in' | 'out', bytes: Buffer, c: { local: string; remote: string }) => {
    if (dir === 'out') wire.push({ flow: [c.local, c.remote].sort().join('|'), fromClient: client, bytes });
  };
  const hssStore = createMemoryStore();
  const hssLog = quietLogger();
  const hss = createBuiltinAaa({
    store: hssStore, logger: hssLog,
    node: createDiameterNode(nodeConfig({ host: 'hss.test.local', listen_ip: '127.0.0.1', auth_application_ids: [SH] }), { logger: hssLog, tap: tap(false) }),
  });
  const { listen } = await hss.node.start();
  await hss.start();
  const peers = [{ host: 'hss.test.local', ip: '127.0.0.1', port: listen!.port, transport: 'tcp' as const }];
  const asLog = quietLogger();
  const as1 = createDiameterNode(nodeConfig({ host: 'xcap1.test.local', auth_application_ids: [SH], peers }), { logger: asLog, tap: tap(true) });
  const as2 = createDiameterNode(nodeConfig({ host: 'xcap2.test.local', auth_application_ids: [SH], peers }), { logger: quietLogger(), tap: tap(true) });
  const xcap = new XcapService({ store: createMemoryStore(), clock: { now: () => Date.now() }, digestRealm: 'r', hss: createShClient(as1) });
  as1.handle(SH, CommandCode.PUSH_NOTIFICATION, shNotificationHandler(xcap, SH_SERVICE_INDICATION, asLog));
  await as1.start();
  await as2.start();
  const hssSubs = openCollection<{ as_host: string; expires_at: number }>(hssStore, 'sh_hss_subscriptions');
  const subKey = `${M}|simservs|xcap1.test.local`;
  const pnrsTo = (host: string) => wire.filter((w) => {
    const m = decodeMessage(w.bytes);
    return m.commandCode === CommandCode.PUSH_NOTIFICATION && isRequest(m) && w.bytes.includes(Buffer.from(host));
  }).length;
  const pnrFromHss = async (msisdn: string, userData: string | null) => {
    const m = buildPnr(hss.node.dictionary, { host: 'hss.test.local', realm: 'test.local' }, {
      sessionId: makeSessionId('hss.test.local', 1, Math.floor(Math.random() * 1e9), 'test'), destinationHost: 'xcap1.test.local', destinationRealm: 'test.local', msisdn, userData: userData ?? '',
    }, { hopByHop: 0, endToEnd: 0 });
    if (userData === null) m.avps = m.avps.filter((a) => a.code !== 702);
    const r = readShAnswer(await hss.node.request(m, { peer: 'xcap1.test.local' })).result;
    return r ? describeResult(r) : 'none';
  };
  try {
    await as1.waitForPeer('hss.test.local', PEER_WAIT_MS);
    await as2.waitForPeer('hss.test.local', PEER_WAIT_MS);

    // First sync: the admin provisions the profile; the UDR finds nothing and the AS subscribes (SNR).
    await xcap.patch(M, {});
    const sub = await waitFor(() => xcap.hssSubscription(M), (s) => s !== undefined, 'the SNR');
    assert.ok(sub!.expires_at! > Date.now() + 23 * 3600_000 && sub!.expires_at! <= Date.now() + 24 * 3600_000 + 1000, 'a day granted');
    assert.equal((await hssSubs.get(subKey))?.as_host, 'xcap1.test.local');
    assert.equal(await xcap.hssSubscriptionCount(), 1);

    // The phone writes: PUR SequenceNumber 1 to the HSS.
    const put = await xcap.put(M, target, Buffer.from(defaultDocumentText(44)), {}, 'http://x');
    assert.equal(put.status, 201);
    const sh2 = createShClient(as2);
    await waitFor(() => sh2.readRepositoryData({ msisdn: M, serviceIndication: 'simservs' }), (r) => r?.sequenceNumber === 1, 'the PUR');
    const before = await xcap.get(M, target);

    // Another AS changes the data in the HSS (PUR 2): the HSS notifies xcap1 (PNR), not xcap2 (the writer).
    await sh2.writeRepositoryData({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 2, serviceData: defaultDocumentText(77) });
    const after = await waitFor(() => xcap.get(M, target), (r) => /<NoReplyTimer>77</.test(r.body ?? ''), 'the PNR from the other AS\'s change');
    assert.notEqual(after.etag, before.etag, 'a new ETag for the phone');
    assert.equal((await xcap.profiles.get(M))!.sequence, 2);
    assert.equal(pnrsTo('xcap2.test.local'), 0, 'the AS that wrote is not notified');

    // The operator changes it in the HSS: SequenceNumber 3, PNR, the next GET sees it.
    assert.equal(await hss.updateRepositoryData(M, 'simservs', defaultDocumentText(99)), 3);
    const op = await xcap.get(M, target);
    assert.match(op.body!, /<NoReplyTimer>99</, 'updateRepositoryData resolves once the PNA is in');
    assert.equal((await xcap.profiles.get(M))!.sequence, 3);

    // An older SequenceNumber is answered 2001 and changes nothing.
    assert.equal(await pnrFromHss(M, buildShData({ serviceIndication: 'simservs', sequenceNumber: 2, serviceData: defaultDocumentText(55) })), '2001 DIAMETER_SUCCESS');
    assert.equal((await xcap.get(M, target)).etag, op.etag);
    // PNA errors.
    assert.equal(await pnrFromHss('15550000000', buildShData({ serviceIndication: 'simservs', sequenceNumber: 9, serviceData: defaultDocumentText(30) })), 'Experimental-Result 10415/5001 DIAMETER_ERROR_USER_UNKNOWN');
    assert.equal(await pnrFromHss(M, 'not xml <'), 'Experimental-Result 10415/5100 DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED');
    assert.equal(await pnrFromHss(M, buildShData({ serviceIndication: 'other', sequenceNumber: 9, serviceData: '<x/>' })), 'Experimental-Result 10415/5100 DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED');
    assert.equal(await pnrFromHss(M, buildShData({ serviceIndication: 'simservs', sequenceNumber: 9, serviceData: '<simservs xmlns="urn:wrong"/>' })), 'Experimental-Result 10415/5100 DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED');
    assert.equal(await pnrFromHss(M, null), '5005 DIAMETER_MISSING_AVP');
    assert.equal((await xcap.get(M, target)).etag, op.etag, 'refused PNRs change nothing');

    // The HSS side of SNR: Send-Data-Indication returns the data; bad requests get the right answers.
    const snr = (over: (m: DiameterMessage) => void = () => undefined) => {
      const m = buildSnr(as2.dictionary, { host: 'xcap2.test.local', realm: 'test.local' }, {
        sessionId: makeSessionId('xcap2.test.local', 1, Math.floor(Math.random() * 1e9), 'test'), destinationRealm: 'test.local', msisdn: M, serviceIndication: 'simservs', subscribe: true, sendData: true,
      }, { hopByHop: 0, endToEnd: 0 });
      over(m);
      return as2.request(m).then(readShAnswer);
    };
    const withData = await snr();
    assert.equal(withData.result && describeResult(withData.result), '2001 DIAMETER_SUCCESS');
    assert.match(withData.userData ?? '', /<SequenceNumber>3<\/SequenceNumber>.*<NoReplyTimer>99</s);
    assert.ok(withData.expiryTime! > Date.now() / 1000 + 23 * 3600, 'a day granted when none is asked');
    const bad = await snr((m) => { m.avps = m.avps.map((a) => (a.code === 705 ? { ...a, data: Buffer.from([0, 0, 0, 7]) } : a)); });
    assert.equal(bad.result && describeResult(bad.result), '5004 DIAMETER_INVALID_AVP_VALUE');
    const otherRef = await snr((m) => { m.avps = m.avps.map((a) => (a.code === 703 ? { ...a, data: Buffer.from([0, 0, 0, 14]) } : a)); });
    assert.equal(otherRef.result && describeResult(otherRef.result), 'Experimental-Result 10415/5101 DIAMETER_ERROR_OPERATION_NOT_ALLOWED');
    await hssSubs.delete(`${M}|simservs|xcap2.test.local`); // xcap2 is the writer in this test, not a subscriber

    // Renewal before expiry: at three quarters of the lifetime a new SNR extends it.
    const held = (await hssSubs.get(subKey))!.expires_at;
    await new Promise((r) => setTimeout(r, 1100)); // Expiry-Time has a one-second grain
    assert.equal(await xcap.renewHssSubscriptions(Date.now() + 17 * 3600_000), 0, 'not due yet');
    assert.equal(await xcap.renewHssSubscriptions(Date.now() + 19 * 3600_000), 1, 'due: renewed');
    assert.ok((await hssSubs.get(subKey))!.expires_at > held, 'the HSS extended it');

    // Removing the profile unsubscribes: no more PNRs to xcap1.
    await xcap.remove(M);
    await waitFor(() => hssSubs.get(subKey), (s) => s === undefined, 'the unsubscribe SNR');
    assert.equal(await xcap.hssSubscriptionCount(), 0);
    const pnrs = pnrsTo('xcap1.test.local');
    await hss.updateRepositoryData(M, 'simservs', defaultDocumentText(120));
    assert.equal(pnrsTo('xcap1.test.local'), pnrs, 'no PNR after the unsubscribe');
  } finally {
    await as1.stop();
    await as2.stop();
    await hss.stop();
    await hss.node.stop();
  }

  // tshark: every SNR/SNA/PNR/PNA (and the rest) decodes cleanly.
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-sh-notif-'));
  try {
    const pcap = join(dir, 'sh.pcap');
    writeFileSync(pcap, writePcap(wire));
    const text = execFileSync('tshark', ['-r', pcap, '-V', '-o', 'tcp.analyze_sequence_numbers:FALSE'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
    const frames = text.split(/^Frame \d+:/m).slice(1);
    assert.equal(frames.length, wire.length);
    const kinds = new Map<string, number>();
    frames.forEach((f, i) => {
      const m = decodeMessage(wire[i]!.bytes);
      const name = commandName(m.commandCode, isRequest(m));
      kinds.set(name, (kinds.get(name) ?? 0) + 1);
      assert.match(f, /Diameter Protocol/, `frame ${i + 1} (${name}) not dissected as Diameter`);
      assert.doesNotMatch(f, /Malformed/i, `frame ${i + 1} (${name}) malformed:\n${f}`);
      assert.doesNotMatch(f, /Expert Info \((Warning|Error)/, `frame ${i + 1} (${name}) has an expert warning:\n${f}`);
      assert.doesNotMatch(f, /AVP: Unknown|Unknown AVP/i, `frame ${i + 1} (${name}) has an AVP tshark does not know:\n${f}`);
      if (name === 'SNR') assert.match(f, /Subs-Req-Type/);
    });
    for (const k of ['SNR', 'SNA', 'PNR', 'PNA']) assert.ok((kinds.get(k) ?? 0) > 0, `no ${k} in the capture`);
    assert.match(text, /Command Code: Subscribe-Notifications \(308\)/);
    assert.match(text, /Command Code: Push-Notification \(309\)/);
    assert.match(text, /AVP: Expiry-Time\(709\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two processes: omnisep serve (XCAP AS) and omnisep aaa serve (HSS); another AS\'s PUR reaches the phone\'s next XCAP GET through a PNR', { timeout: 300_000 }, async () => {
  const aaa = spawn(process.execPath, [repoPath('bin', 'run.js'), 'aaa', 'serve', '--port', '0', '--host', 'hss.lab.local', '--realm', 'lab.local',
    '--allow-peer', 'omnisep.localdomain=loopback', '--allow-peer', 'as2.lab.local=loopback', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let aaaErr = '';
  aaa.stderr!.on('data', (c) => { aaaErr += String(c); });
  const exited = new Promise<void>((resolve) => aaa.once('exit', () => resolve()));
  let d: TestDaemon | undefined;
  let as2: ReturnType<typeof createDiameterNode> | undefined;
  try {
    const port = Number((await waitFor(() => /listening on [\d.]+:(\d+)/.exec(aaaErr), (m) => m !== null, `aaa serve to listen (stderr: ${aaaErr})`))![1]);
    d = await startTestDaemon([
      'diameter.enabled=true', 'aaa.enabled=false', 'xcap.hss_sync=true', 'xcap.trusted_proxies=["127.0.0.1"]',
      'diameter.peers.0.host=hss.lab.local', 'diameter.peers.0.ip=127.0.0.1', `diameter.peers.0.port=${port}`,
    ]);
    const daemon = d;
    await waitFor(() => daemon.call('GET', '/api/diameter'), (r) => (r.json as { connected_count: number }).connected_count === 1, 'the daemon to open hss.lab.local');
    // Provisioning reads the HSS (UDR) and subscribes (SNR): status shows the subscription.
    assert.equal((await d.call('POST', `/api/xcap/${M}`, { password: 'pw-123456' })).status, 200);
    await waitFor(() => daemon.call('GET', '/api/status'), (r) => (r.json as { sh?: { subscriptions: number } }).sh?.subscriptions === 1, 'the SNR');
    const phone = async (method: string, body?: string) => {
      const r = await request(`${daemon.addresses.http.url!}${DOC}`, {
        method: method as 'GET', headers: { 'x-3gpp-asserted-identity': `<tel:+${M}>`, ...(body ? { 'content-type': 'application/simservs+xml' } : {}) }, body,
      });
      return { status: r.statusCode, etag: r.headers.etag as string | undefined, text: await r.body.text() };
    };
    const put = await phone('PUT', defaultDocumentText(44));
    assert.equal(put.status, 201);

    // Another AS writes the HSS (PUR SequenceNumber 2 after the daemon's 1).
    as2 = createDiameterNode(nodeConfig({ host: 'as2.lab.local', realm: 'lab.local', auth_application_ids: [SH], peers: [{ host: 'hss.lab.local', ip: '127.0.0.1', port, transport: 'tcp' }] }), { logger: quietLogger() });
    await as2.start();
    await as2.waitForPeer('hss.lab.local', PEER_WAIT_MS);
    const sh2 = createShClient(as2);
    await waitFor(() => sh2.readRepositoryData({ msisdn: M, serviceIndication: 'simservs' }), (r) => r?.sequenceNumber === 1, 'the daemon\'s PUR');
    await sh2.writeRepositoryData({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 2, serviceData: defaultDocumentText(77) });

    const got = await waitFor(() => phone('GET'), (r) => /<NoReplyTimer>77</.test(r.text), 'the PNR to reach the XCAP document');
    assert.equal(got.status, 200);
    assert.notEqual(got.etag, put.etag, 'the phone sees a new ETag');
    assert.ok(d.logs.some((l) => l.includes('sh: PNR applied')), 'the daemon logged the PNR');
    const st = (await d.call('GET', '/api/status')).json as { sh: { backlog: number; subscriptions: number } };
    assert.deepEqual(st.sh, { backlog: 0, subscriptions: 1 });
    const metrics = (await d.ctx.metrics.metrics()).split('\n');
    assert.match(metrics.find((l) => l.startsWith('omnisep_sh_subscriptions')) ?? '', / 1$/, 'the gauge counts the subscription');
    assert.ok(metrics.some((l) => /^omnisep_diameter_requests_total\{.*peer="hss.lab.local".*command="SNR".*\} [1-9]/.test(l)), 'SNRs are counted per peer');
  } finally {
    await as2?.stop();
    await d?.stop();
    aaa.kill('SIGTERM');
    await exited;
  }
});
