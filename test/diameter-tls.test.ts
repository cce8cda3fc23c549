/**
 * Diameter over TLS/TCP (RFC 6733 §13), TLS from the first byte on the secure port: omnisep ⇄ omnisep and
 * omnisep ⇄ freeDiameter in both directions, asserted from freeDiameter's own output. Failure cases: a client
 * certificate from another CA is refused at the handshake (logged, counted, the node keeps serving), and a
 * certificate from the right CA that names another host is refused at the CER with 3010.
 * Certificates are made with openssl at run time in a temp directory.
 */
import { baseCode } from '../src/codec/diameter/result.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDiameterNode, type DiameterConfig } from '../daemon/diameter/node.js';
import { certificateNames } from '../daemon/diameter/transport.js';
import { AppId, Avp, CmdFlag, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { avp, encodeMessage, findAvp, getU32, resultOf } from '../src/codec/diameter/message.js';
import { answerHeader, buildCer } from '../src/codec/diameter/base.js';
import { DiameterFramer } from '../src/codec/diameter/framer.js';
import { decodeMessage, type DiameterMessage } from '../src/codec/diameter/message.js';
import { nodeConfig, quietLogger, until, freePort } from './diameter-helpers.js';

const FD = '/usr/bin/freeDiameterd';
const EXT = '/usr/lib/freeDiameter';
const dict = defaultDictionary();

/** A CA, and certificates it signs for the given names; plus a rogue CA's certificate for srv's name. */
function makePki(dir: string, hosts: string[]) {
  const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  for (const ca of ['ca', 'rogue-ca']) ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`]);
  const issue = (name: string, cn: string, ca: string) => {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=DNS:${cn}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    ossl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  for (const h of hosts) issue(h, h, 'ca');
  issue('rogue', 'cli.test.local', 'rogue-ca');
  const read = (f: string) => readFileSync(join(dir, f));
  const creds = (name: string, ca = 'ca'): NonNullable<DiameterConfig['tls']> => ({ cert: read(`${name}.pem`), key: read(`${name}.key`), ca: read(`${ca}.pem`) });
  return { creds, file: (f: string) => join(dir, f) };
}

function tlsServerNode(pki: ReturnType<typeof makePki>, host: string, log = quietLogger(), metrics?: Registry) {
  const node = createDiameterNode(nodeConfig({ host, listen_ip: '127.0.0.1', tls: { ...pki.creds(host), listen_port: 0 } }), { logger: log, ...(metrics ? { metrics } : {}) });
  node.handle(AppId.SWm, CommandCode.DIAMETER_EAP, (req, ctx) => answerHeader(req, [
    findAvp(req.avps, Avp.SESSION_ID)!, avp(dict, 'Auth-Application-Id', AppId.SWm), avp(dict, 'Result-Code', ResultCode.DIAMETER_SUCCESS),
    avp(dict, 'Origin-Host', ctx.local.host), avp(dict, 'Origin-Realm', ctx.local.realm),
  ]));
  return node;
}

const der = (sid: string, dest?: string) => ({
  flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm,
  avps: [avp(dict, 'Session-Id', sid), avp(dict, 'Auth-Application-Id', AppId.SWm), avp(dict, 'Origin-Host', 'cli.test.local'),
    avp(dict, 'Origin-Realm', 'test.local'), avp(dict, 'Destination-Realm', 'test.local'), ...(dest ? [avp(dict, 'Destination-Host', dest)] : []),
    avp(dict, 'Auth-Request-Type', 3), avp(dict, 'EAP-Payload', Buffer.from('0200000501', 'hex'))],
});

test('certificate names: subjectAltName DNS entries, else the CN', () => {
  assert.deepEqual(certificateNames({ subject: { CN: 'A.test' } as never, subjectaltname: 'DNS:b.test, IP Address:127.0.0.1, DNS:c.test' }), ['b.test', 'c.test']);
  assert.deepEqual(certificateNames({ subject: { CN: 'A.test' } as never, subjectaltname: '' }), ['a.test']);
  assert.deepEqual(certificateNames(null), []);
});

test('omnisep ⇄ omnisep over TLS; a rogue CA is refused at the handshake, a misnamed certificate at the CER', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-dtls-'));
  const pki = makePki(dir, ['srv.test.local', 'cli.test.local', 'other.test.local']);
  const srvLog = quietLogger();
  const metrics = new Registry();
  const srv = tlsServerNode(pki, 'srv.test.local', srvLog, metrics);
  const { listen, tlsListen } = await srv.start();
  assert.ok(listen && tlsListen && tlsListen.port !== listen.port, 'plain and TLS listeners both bound');
  const cli = createDiameterNode(nodeConfig({
    host: 'cli.test.local', tls: pki.creds('cli.test.local'),
    peers: [{ host: 'srv.test.local', ip: '127.0.0.1', port: tlsListen.port, transport: 'tls' }],
  }), { logger: quietLogger() });
  try {
    await cli.start();
    await cli.waitForPeer('srv.test.local', 20_000);
    const ans = await cli.request(der('cli.test.local;1;1'), { timeoutMs: 5000 });
    assert.equal(baseCode(resultOf(ans)), 2001);
    assert.equal(srv.status().peers.find((p) => p.host === 'cli.test.local')?.status, 'Connected');

    // A client whose certificate another CA signed: the handshake fails, the server logs and counts it.
    const rogue = pki.creds('rogue');
    const failed = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: tlsListen.port, cert: rogue.cert, key: rogue.key, ca: pki.creds('srv.test.local').ca, servername: 'srv.test.local' });
      s.on('error', (e) => resolve(e.message));
      s.on('secureConnect', () => s.write(Buffer.alloc(0)));
      s.on('close', () => resolve('closed'));
    });
    assert.ok(failed.length > 0);
    await until(() => srvLog.lines.some((l) => l.msg === 'diameter: TLS handshake refused'), 10_000, 'the refused handshake in the log');
    assert.match(await metrics.metrics(), /omnisep_diameter_tls_failures_total\{direction="inbound"\} 1/);

    // A certificate our CA signed for other.test.local, presenting Origin-Host cli2.test.local: CEA 3010.
    const other = pki.creds('other.test.local');
    const cea = await new Promise<DiameterMessage>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: tlsListen.port, cert: other.cert, key: other.key, ca: other.ca, servername: 'srv.test.local' }, () => {
        s.write(encodeMessage(buildCer(dict, {
          host: 'cli2.test.local', realm: 'test.local', hostIpAddresses: ['127.0.0.1'], vendorId: 0, productName: 'raw', originStateId: 1,
          supportedVendorIds: [10415], authApplicationIds: [AppId.SWm], acctApplicationIds: [], vendorSpecific: [],
        }, { hopByHop: 1, endToEnd: 1 })));
      });
      const framer = new DiameterFramer();
      s.on('data', (d) => { for (const f of framer.push(d)) resolve(decodeMessage(f)); });
      s.on('error', reject);
    });
    assert.equal(getU32(cea.avps, Avp.RESULT_CODE), ResultCode.DIAMETER_UNKNOWN_PEER);
    assert.ok(srvLog.lines.some((l) => l.msg === 'diameter: CER rejected' && /certificate names other\.test\.local, not cli2\.test\.local/.test(JSON.stringify(l.obj))));

    // The server kept serving through all of it.
    assert.equal(baseCode(resultOf(await cli.request(der('cli.test.local;1;2'), { timeoutMs: 5000 }))), 2001);
  } finally {
    await cli.stop();
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('freeDiameter ⇄ omnisep over TLS both ways, read from freeDiameter\'s own output; a relayed DER answered', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-fdtls-'));
  const pki = makePki(dir, ['srv.test.local', 'cli.test.local', 'fd.test.local']);
  const srv = tlsServerNode(pki, 'srv.test.local');
  const { tlsListen } = await srv.start();
  const [fdPort, fdSecPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'acl.conf'), 'ALLOW_OLD_TLS cli.test.local\nALLOW_OLD_TLS srv.test.local\n');
  writeFileSync(join(dir, 'fd.conf'), [
    'Identity = "fd.test.local";', 'Realm = "test.local";', `Port = ${fdPort};`, `SecPort = ${fdSecPort};`, 'No_SCTP;', 'No_IPv6;',
    'ListenOn = "127.0.0.1";', 'TwTimer = 6;', 'TcTimer = 6;',
    `TLS_Cred = "${pki.file('fd.test.local.pem')}", "${pki.file('fd.test.local.key')}";`, `TLS_CA = "${pki.file('ca.pem')}";`,
    `LoadExtension = "${EXT}/dict_nasreq.fdx";`, `LoadExtension = "${EXT}/dict_eap.fdx";`,
    `LoadExtension = "${EXT}/acl_wl.fdx" : "${join(dir, 'acl.conf')}";`,
    `ConnectPeer = "srv.test.local" { ConnectTo = "127.0.0.1"; Port = ${tlsListen!.port}; };`,
    '',
  ].join('\n'));
  const fd = spawn(FD, ['-c', join(dir, 'fd.conf'), '-d'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  fd.stdout.on('data', (d) => (log += d));
  fd.stderr.on('data', (d) => (log += d));
  const cli = createDiameterNode(nodeConfig({
    host: 'cli.test.local', watchdog_seconds: 30, reconnect_seconds: 1, tls: pki.creds('cli.test.local'),
    peers: [{ host: 'fd.test.local', ip: '127.0.0.1', port: fdSecPort, transport: 'tls' }],
  }), { logger: quietLogger() });
  try {
    await cli.start();
    await cli.waitForPeer('fd.test.local', 30_000);
    await srv.waitForPeer('fd.test.local', 30_000);
    await until(() => /-> 'STATE_OPEN'\s+'cli\.test\.local'/.test(log) && /-> 'STATE_OPEN'\s+'srv\.test\.local'/.test(log), 20_000, 'freeDiameter to log STATE_OPEN for both peers');
    assert.equal(cli.status().peers[0]!.product_name, 'freeDiameter');
    assert.equal(srv.status().peers.find((p) => p.host === 'fd.test.local')!.connection_initiation, 'Peer -> OmniSEP');
    // freeDiameter relays a DER from cli to srv, both legs over TLS.
    const ans = await cli.request(der('cli.test.local;1;9', 'srv.test.local'), { timeoutMs: 10_000 });
    assert.equal(baseCode(resultOf(ans)), 2001);
    assert.equal(getU32(ans.avps, Avp.RESULT_CODE), 2001);
  } finally {
    await cli.stop();
    await srv.stop();
    fd.kill('SIGTERM');
    await new Promise((r) => fd.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
