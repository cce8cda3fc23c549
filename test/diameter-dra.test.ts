/**
 * freeDiameter as the operator's DRA (rt_default routing by Destination-Realm), between omnisep nodes and a
 * real daemon:
 *  1. omnisep's routing table sends every realm to the DRA; a DER for hss.realm (no Destination-Host) is
 *     routed by freeDiameter's rt_default to the node serving it — read from freeDiameter's own dumps — and
 *     answered; tshark finds nothing wrong in what omnisep sent.
 *  2. The example: a DER for a realm the DRA cannot reach is answered 3002 DIAMETER_UNABLE_TO_DELIVER
 *     by freeDiameter. Through a real daemon (eap_aka.backend swm) the phone gets 503 naming the code, the
 *     daemon logs one warning with peer, command, code and name, `GET /api/diameter` counts it per peer and
 *     code, the metric counts it and the activity record carries it.
 * CI needs: freediameterd + freediameter-extensions, openssl, tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { FD, FD_EXT, fdDumps, runFreeDiameter } from './freediameter-helpers.js';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { AppId, Avp, CmdFlag, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { avp, findAll, findAvp, getString, resultOf } from '../src/codec/diameter/message.js';
import { answerHeader } from '../src/codec/diameter/base.js';
import { PEER_WAIT_MS, nodeConfig, quietLogger, until, freePort } from './diameter-helpers.js';
import { writePcap } from './diameter-pcap.js';
import { startTestDaemon } from './daemon-helpers.js';
import { naiOf, SIM1 } from './ts43-harness.js';

const EXT = FD_EXT;
const dict = defaultDictionary();

test('freeDiameter as a DRA: realm routing through it, and its 3002 seen end to end (warning, counts, 503 body, activity)', { timeout: 600_000 }, async () => {
  assert.ok(existsSync(FD), 'freeDiameterd is not installed (apt-get install freediameterd freediameter-extensions)');
  assert.ok(existsSync(`${EXT}/rt_default.fdx`), 'freeDiameter\'s rt_default extension is missing');
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-dra-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=dra.test.local'], { stdio: 'ignore' });

  // srv serves hss.realm: freeDiameter dials it and routes hss.realm there by rt_default.
  const seenByServer: string[][] = [];
  const srv = createDiameterNode(nodeConfig({ host: 'srv.test.local', realm: 'srv.realm', listen_ip: '127.0.0.1' }), { logger: quietLogger() });
  srv.handle(AppId.SWm, CommandCode.DIAMETER_EAP, (req, ctx) => {
    seenByServer.push(findAll(req.avps, Avp.ROUTE_RECORD).map((a) => a.data.toString()));
    return answerHeader(req, [
      findAvp(req.avps, Avp.SESSION_ID)!, avp(dict, 'Auth-Application-Id', AppId.SWm), avp(dict, 'Result-Code', ResultCode.DIAMETER_SUCCESS),
      avp(dict, 'Origin-Host', ctx.local.host), avp(dict, 'Origin-Realm', ctx.local.realm),
    ]);
  });
  const { listen } = await srv.start();
  const fdPort = await freePort();
  writeFileSync(join(dir, 'acl.conf'), 'ALLOW_IPSEC cli.test.local\nALLOW_IPSEC daemon.test.local\n');
  // srv's own realm is srv.realm: only this rt_default rule (criteria dr=, target the peer's identity) sends hss.realm there.
  writeFileSync(join(dir, 'rt.conf'), 'dr="hss.realm" : "srv.test.local" += 100 ;\n');
  writeFileSync(join(dir, 'fd.conf'), [
    'Identity = "dra.test.local";', 'Realm = "dra.realm";', `Port = ${fdPort};`, 'SecPort = 0;', 'No_SCTP;', 'No_IPv6;',
    'ListenOn = "127.0.0.1";', 'TwTimer = 30;', 'TcTimer = 6;',
    `TLS_Cred = "${join(dir, 'cert.pem')}", "${join(dir, 'key.pem')}";`, `TLS_CA = "${join(dir, 'cert.pem')}";`,
    `LoadExtension = "${EXT}/dict_nasreq.fdx";`, `LoadExtension = "${EXT}/dict_eap.fdx";`,
    `LoadExtension = "${EXT}/acl_wl.fdx" : "${join(dir, 'acl.conf')}";`,
    `LoadExtension = "${EXT}/rt_default.fdx" : "${join(dir, 'rt.conf')}";`,
    `LoadExtension = "${EXT}/dbg_msg_dumps.fdx" : "0x0080";`,
    `ConnectPeer = "srv.test.local" { ConnectTo = "127.0.0.1"; Port = ${listen!.port}; No_TLS; };`,
    '',
  ].join('\n'));
  const fd = runFreeDiameter(join(dir, 'fd.conf'));

  // cli's routing table: every realm via the DRA.
  const sent: Buffer[] = [];
  const cliLog = quietLogger();
  const cli = createDiameterNode(nodeConfig({
    host: 'cli.test.local', peers: [{ host: 'dra.test.local', ip: '127.0.0.1', port: fdPort, transport: 'tcp' }],
    routes: [{ realm: '*', action: 'relay', peers: ['dra.test.local'] }], request_timeout: PEER_WAIT_MS,
  }), { logger: cliLog, tap: (dirn, bytes) => { if (dirn === 'out') sent.push(Buffer.from(bytes)); } });
  const der = (sid: string, realm: string) => ({
    flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm,
    avps: [avp(dict, 'Session-Id', sid), avp(dict, 'Auth-Application-Id', AppId.SWm), avp(dict, 'Origin-Host', 'cli.test.local'),
      avp(dict, 'Origin-Realm', 'test.local'), avp(dict, 'Destination-Realm', realm),
      avp(dict, 'Auth-Request-Type', 3), avp(dict, 'EAP-Payload', Buffer.from('0200000501', 'hex'))],
  });
  let daemon: Awaited<ReturnType<typeof startTestDaemon>> | undefined;
  try {
    await cli.start();
    await cli.waitForPeer('dra.test.local', PEER_WAIT_MS);
    await srv.waitForPeer('dra.test.local', PEER_WAIT_MS);
    await until(() => /-> 'STATE_OPEN'\s+'srv\.test\.local'/.test(fd.log()), PEER_WAIT_MS, 'freeDiameter to open srv');

    // 1. Routed by realm: no Destination-Host anywhere; rt_default picks srv for hss.realm.
    const ans = await cli.request(der('cli.test.local;1;1', 'hss.realm'));
    assert.deepEqual(resultOf(ans), { resultCode: 2001 });
    assert.equal(getString(ans.avps, Avp.ORIGIN_HOST), 'srv.test.local');
    assert.deepEqual(seenByServer[0], ['cli.test.local'], 'the DRA recorded where the request came from');
    await until(() => fdDumps(fd.log()).some((x) => x.dir === 'SND' && x.peer === 'srv.test.local' && x.command === 'Diameter-EAP-Request'), PEER_WAIT_MS, 'the DRA dump of the relayed DER');
    const d = fdDumps(fd.log());
    assert.ok(d.some((x) => x.dir === 'RCV' && x.peer === 'cli.test.local' && x.command === 'Diameter-EAP-Request'), 'freeDiameter received our DER');
    assert.ok(d.some((x) => x.dir === 'SND' && x.peer === 'cli.test.local' && x.command === 'Diameter-EAP-Answer'), 'and sent the answer back');

    // 2. A realm the DRA cannot reach: freeDiameter answers 3002; we warn once and count it.
    const bad = await cli.request(der('cli.test.local;1;2', 'nowhere.realm'));
    assert.deepEqual(resultOf(bad), { resultCode: ResultCode.DIAMETER_UNABLE_TO_DELIVER });
    const warns = cliLog.lines.filter((l) => l.level === 'warn' && (l.obj as { result_code?: number }).result_code === 3002);
    assert.equal(warns.length, 1);
    assert.deepEqual({ ...warns[0]!.obj as object, error_message: undefined }, { peer: 'dra.test.local', command: 'DEA', result_code: 3002, result_name: 'DIAMETER_UNABLE_TO_DELIVER', error_message: undefined });
    assert.deepEqual(cli.status().peers[0]!.failed_answers, [{ code: 3002, vendor_id: 0, name: 'DIAMETER_UNABLE_TO_DELIVER', count: 1 }]);

    // tshark: what omnisep sent (CER, DWR, DERs) dissects without expert warnings.
    const pcap = join(dir, 'sent.pcap');
    writeFileSync(pcap, writePcap(sent.map((bytes) => ({ flow: 'cli', fromClient: true, bytes }))));
    const text = execFileSync('tshark', ['-r', pcap, '-V', '-o', 'tcp.analyze_sequence_numbers:FALSE'], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
    assert.doesNotMatch(text, /Malformed|\[Expert Info \((Warning|Error)/);

    // 3. The same 3002 through a real daemon (SWm relay) to the phone.
    daemon = await startTestDaemon([
      'diameter.enabled=true', 'aaa.enabled=false', 'eap_aka.backend=swm', 'xcap.enabled=false', 'diameter.host=daemon.test.local',
      'diameter.peers.0.host=dra.test.local', 'diameter.peers.0.ip=127.0.0.1', `diameter.peers.0.port=${fdPort}`, 'diameter.peers.0.realm=nowhere.realm',
    ]);
    await daemon.ctx.services.backends.diameter!.waitForPeer('dra.test.local', PEER_WAIT_MS);
    const url = `${daemon.addresses.http.url.replace(/\/$/, '')}/?EAP_ID=${encodeURIComponent(naiOf(SIM1.imsi))}&terminal_id=356938035643809&entitlement_version=2.0&vers=0&app=ap2004`;
    const r = await fetch(url, { headers: { accept: 'application/vnd.gsma.eap-relay.v1.0+json' } });
    const body = await r.text();
    assert.equal(r.status, 503);
    assert.match(body, /Diameter 3002 DIAMETER_UNABLE_TO_DELIVER/);
    const warn = daemon.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.result_code === 3002);
    assert.equal(warn.length, 1, 'one warning per answer');
    assert.equal(warn[0]!.level, 40);
    assert.equal(warn[0]!.peer, 'dra.test.local');
    assert.equal(warn[0]!.result_name, 'DIAMETER_UNABLE_TO_DELIVER');
    const peers = await daemon.call('GET', '/api/diameter');
    assert.deepEqual(peers.json.peers[0].failed_answers, [{ code: 3002, vendor_id: 0, name: 'DIAMETER_UNABLE_TO_DELIVER', count: 1 }]);
    const metrics = await daemon.ctx.metrics.metrics();
    const line = metrics.split('\n').find((l) => l.startsWith('omnisep_diameter_failed_answers_total{') && ['peer="dra.test.local"', 'command="DER"', 'result="3002"', 'name="DIAMETER_UNABLE_TO_DELIVER"'].every((x) => l.includes(x)));
    assert.match(line ?? '', / 1$/, 'the metric counts the 3002 once');
    const act = await daemon.call('GET', '/api/activity');
    const rec = (act.json.activities ?? []).find((x: { response_status: number }) => x.response_status === 503);
    assert.ok(rec, `an activity record of the 503: ${act.text.slice(0, 400)}`);
    assert.deepEqual(rec.response_summary.diameter_result, { code: 3002, vendor_id: 0, name: 'DIAMETER_UNABLE_TO_DELIVER' });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- freeDiameter output (tail) ---\n${fd.log().split('\n').slice(-40).join('\n')}`);
  } finally {
    await daemon?.stop();
    await cli.stop();
    await srv.stop();
    await fd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
