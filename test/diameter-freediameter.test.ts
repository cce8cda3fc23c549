/**
 * Interop with a real Diameter peer: freeDiameter (Debian freediameterd).
 * omnisep connects to freeDiameter and freeDiameter connects to omnisep;
 * CER/CEA and DWR/DWA complete in both directions and DPR closes it. The
 * assertions read freeDiameter's own output (state changes and its message
 * dumps from dbg_msg_dumps), not only ours. A DER sent by omnisep is relayed
 * by freeDiameter to the other omnisep node and answered.
 * CI needs: freediameterd + freediameter-extensions, openssl.
 */
import { baseCode } from '../src/codec/diameter/result.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { FD, FD_EXT, fdDumps, runFreeDiameter } from './freediameter-helpers.js';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { AppId, Avp, CmdFlag, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { avp, findAvp, getString, resultOf } from '../src/codec/diameter/message.js';
import { answerHeader } from '../src/codec/diameter/base.js';
import { PEER_WAIT_MS, nodeConfig, quietLogger, until, freePort } from './diameter-helpers.js';

const EXT = FD_EXT;
const dict = defaultDictionary();

test('freeDiameter ⇄ omnisep: CER/CEA, DWR/DWA both ways, a relayed DER, DPR — read from freeDiameter\'s own output', { timeout: 600_000 }, async () => {
  assert.ok(existsSync(FD), 'freeDiameterd is not installed (apt-get install freediameterd freediameter-extensions)');
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-fd-'));
  // freeDiameter wants TLS credentials even when every peer is plain TCP.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=fd.test.local'], { stdio: 'ignore' });

  // omnisep "srv" accepts freeDiameter; omnisep "cli" dials it.
  const srv = createDiameterNode(nodeConfig({ host: 'srv.test.local', listen_ip: '127.0.0.1', watchdog_seconds: 30 }), { logger: quietLogger() });
  srv.handle(AppId.SWm, CommandCode.DIAMETER_EAP, (req, ctx) => answerHeader(req, [
    findAvp(req.avps, Avp.SESSION_ID)!, avp(dict, 'Auth-Application-Id', AppId.SWm), avp(dict, 'Result-Code', ResultCode.DIAMETER_SUCCESS),
    avp(dict, 'Origin-Host', ctx.local.host), avp(dict, 'Origin-Realm', ctx.local.realm),
  ]));
  const { listen } = await srv.start();
  const fdPort = await freePort();
  writeFileSync(join(dir, 'acl.conf'), 'ALLOW_IPSEC cli.test.local\n');
  writeFileSync(join(dir, 'fd.conf'), [
    'Identity = "fd.test.local";', 'Realm = "test.local";', `Port = ${fdPort};`, 'SecPort = 0;', 'No_SCTP;', 'No_IPv6;',
    'ListenOn = "127.0.0.1";', 'TwTimer = 6;', 'TcTimer = 6;',
    `TLS_Cred = "${join(dir, 'cert.pem')}", "${join(dir, 'key.pem')}";`, `TLS_CA = "${join(dir, 'cert.pem')}";`,
    `LoadExtension = "${EXT}/dict_nasreq.fdx";`, `LoadExtension = "${EXT}/dict_eap.fdx";`,
    `LoadExtension = "${EXT}/acl_wl.fdx" : "${join(dir, 'acl.conf')}";`,
    `LoadExtension = "${EXT}/dbg_msg_dumps.fdx" : "0x0080";`,
    `ConnectPeer = "srv.test.local" { ConnectTo = "127.0.0.1"; Port = ${listen!.port}; No_TLS; };`,
    '',
  ].join('\n'));
  const fd = runFreeDiameter(join(dir, 'fd.conf'));
  const cli = createDiameterNode(nodeConfig({ host: 'cli.test.local', watchdog_seconds: 1, reconnect_seconds: 1, peers: [{ host: 'fd.test.local', ip: '127.0.0.1', port: fdPort, transport: 'tcp' }] }), { logger: quietLogger() });
  try {
    await cli.start();
    await cli.waitForPeer('fd.test.local', PEER_WAIT_MS);
    await srv.waitForPeer('fd.test.local', PEER_WAIT_MS);
    // freeDiameter's view: both connections reached STATE_OPEN.
    await until(() => /-> 'STATE_OPEN'\s+'cli\.test\.local'/.test(fd.log()) && /-> 'STATE_OPEN'\s+'srv\.test\.local'/.test(fd.log()), PEER_WAIT_MS, 'freeDiameter to log STATE_OPEN for both peers');
    const cp = cli.status().peers[0]!;
    assert.equal(cp.product_name, 'freeDiameter');
    assert.equal(cp.connection_initiation, 'OmniSEP -> Peer');
    const sp = srv.status().peers.find((p) => p.host === 'fd.test.local')!;
    assert.equal(sp.status, 'Connected');
    assert.equal(sp.connection_initiation, 'Peer -> OmniSEP');

    // A DER from cli, relayed by freeDiameter (it advertises the Relay application) to srv, which answers.
    const ans = await cli.request({
      flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm,
      avps: [avp(dict, 'Session-Id', 'cli.test.local;1;1'), avp(dict, 'Auth-Application-Id', AppId.SWm), avp(dict, 'Origin-Host', 'cli.test.local'),
        avp(dict, 'Origin-Realm', 'test.local'), avp(dict, 'Destination-Realm', 'test.local'), avp(dict, 'Destination-Host', 'srv.test.local'),
        avp(dict, 'Auth-Request-Type', 3), avp(dict, 'EAP-Payload', Buffer.from('0200000501', 'hex'))],
    }, { timeoutMs: PEER_WAIT_MS });
    assert.equal(baseCode(resultOf(ans)), 2001);
    assert.equal(getString(ans.avps, Avp.ORIGIN_HOST), 'srv.test.local');

    // Watchdogs both ways: cli sends DWR every ~1 s; srv stays quiet (Tw 30 s) so freeDiameter (Tw 6 s) sends its own.
    await until(() => {
      const d = fdDumps(fd.log());
      const has = (dirn: 'RCV' | 'SND', peer: string, command: string) => d.some((x) => x.dir === dirn && x.peer === peer && x.command === command);
      return has('RCV', 'cli.test.local', 'Device-Watchdog-Request') && has('SND', 'cli.test.local', 'Device-Watchdog-Answer')
        && has('SND', 'srv.test.local', 'Device-Watchdog-Request') && has('RCV', 'srv.test.local', 'Device-Watchdog-Answer');
    }, 6 * PEER_WAIT_MS, 'DWR/DWA in both directions in freeDiameter\'s dumps'); // freeDiameter's own DWR comes after Tw = 6 s (± 2 s jitter)
    const d = fdDumps(fd.log());
    assert.ok(d.some((x) => x.dir === 'RCV' && x.peer === 'cli.test.local' && x.command === 'Diameter-EAP-Request'), 'freeDiameter received our DER');
    assert.ok(d.some((x) => x.dir === 'SND' && x.peer === 'srv.test.local' && x.command === 'Diameter-EAP-Request'), 'and relayed it');
    assert.ok(cli.status().peers[0]!.last_dwa_at);

    await cli.stop();
    await until(() => /Peer 'cli\.test\.local' sent a DPR/.test(fd.log()), PEER_WAIT_MS, 'freeDiameter to log our DPR');
    assert.doesNotMatch(fd.log(), /malformed|ERROR.*cli\.test\.local|invalid AVP/i);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- freeDiameter output (tail) ---\n${fd.log().split('\n').slice(-60).join('\n')}`);
  } finally {
    await cli.stop();
    await srv.stop();
    await fd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
