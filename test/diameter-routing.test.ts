/**
 * Realm routing between omnisep nodes on loopback (docs/diameter.md § Realm routing):
 *  - a relay agent forwards by Destination-Realm (Route-Record added, the answer comes back unchanged);
 *  - a redirect agent answers 3006 and the client follows it to the named server;
 *  - two redirect agents naming each other: the request fails cleanly (bounded), nothing left pending;
 *  - a next hop dropping mid-load with two routes: every request settles within its timeout, exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiameterNode, DiameterUnavailableError, type DiameterConfig, type DiameterNode } from '../daemon/diameter/node.js';
import { AppId, Avp, CmdFlag, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { avp, findAll, findAvp, getString, resultOf } from '../src/codec/diameter/message.js';
import { answerHeader } from '../src/codec/diameter/base.js';
import { PEER_WAIT_MS, nodeConfig, quietLogger } from './diameter-helpers.js';
import { writePcap } from './diameter-pcap.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dict = defaultDictionary();

async function server(host: string, over: Partial<DiameterConfig> = {}): Promise<{ node: DiameterNode; port: number; seen: string[][]; sent: Buffer[] }> {
  const seen: string[][] = [];
  const sent: Buffer[] = [];
  const node = createDiameterNode(nodeConfig({ host, realm: 'hss.realm', listen_ip: '127.0.0.1', ...over }), { logger: quietLogger(), tap: (d, b) => { if (d === 'out') sent.push(Buffer.from(b)); } });
  node.handle(AppId.SWm, CommandCode.DIAMETER_EAP, (req, ctx) => {
    seen.push(findAll(req.avps, Avp.ROUTE_RECORD).map((a) => a.data.toString()));
    return answerHeader(req, [findAvp(req.avps, Avp.SESSION_ID)!, avp(dict, 'Result-Code', ResultCode.DIAMETER_SUCCESS), avp(dict, 'Origin-Host', ctx.local.host), avp(dict, 'Origin-Realm', ctx.local.realm)]);
  });
  const { listen } = await node.start();
  return { node, port: listen!.port, seen, sent };
}

const peer = (host: string, port: number) => ({ host, ip: '127.0.0.1', port, transport: 'tcp' as const });
let sid = 0;
const der = (realm: string) => ({
  flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm,
  avps: [avp(dict, 'Session-Id', `cli.test.local;1;${++sid}`), avp(dict, 'Origin-Host', 'cli.test.local'), avp(dict, 'Origin-Realm', 'test.local'), avp(dict, 'Destination-Realm', realm)],
});

test('relay by realm, a redirect followed, a redirect loop bounded', { timeout: 300_000 }, async () => {
  const srv = await server('srv.test.local');
  // agent: hss.realm relayed to srv; moved.realm redirected to srv; loop.realm redirected to agent2 (which sends it back).
  const agent = await server('agent.test.local', {
    realm: 'agent.realm', peers: [peer('srv.test.local', srv.port)],
    routes: [
      { realm: 'hss.realm', action: 'relay', peers: ['srv.test.local'] },
      { realm: 'moved.realm', action: 'redirect', peers: ['srv.test.local'] },
      { realm: 'loop.realm', action: 'redirect', peers: ['agent2.test.local'] },
    ],
  });
  const agent2 = await server('agent2.test.local', { realm: 'agent.realm', routes: [{ realm: 'loop.realm', action: 'redirect', peers: ['agent.test.local'] }] });
  const log = quietLogger();
  const cli = createDiameterNode(nodeConfig({
    peers: [peer('agent.test.local', agent.port), peer('agent2.test.local', agent2.port), peer('srv.test.local', srv.port)],
    routes: [{ realm: '*', action: 'relay', peers: ['agent.test.local'] }], request_timeout: PEER_WAIT_MS,
  }), { logger: log });
  try {
    await cli.start();
    for (const h of ['agent.test.local', 'agent2.test.local', 'srv.test.local']) await cli.waitForPeer(h, PEER_WAIT_MS);
    await agent.node.waitForPeer('srv.test.local', PEER_WAIT_MS);

    const relayed = await cli.request(der('hss.realm'));
    assert.deepEqual(resultOf(relayed), { resultCode: 2001 });
    assert.equal(getString(relayed.avps, Avp.ORIGIN_HOST), 'srv.test.local');
    assert.deepEqual(srv.seen.at(-1), ['client.test.local'], 'the relay recorded the sender in Route-Record');

    const redirected = await cli.request(der('moved.realm'));
    assert.deepEqual(resultOf(redirected), { resultCode: 2001 });
    assert.equal(getString(redirected.avps, Avp.ORIGIN_HOST), 'srv.test.local');
    assert.deepEqual(srv.seen.at(-1), [], 'sent straight to srv after the redirect');
    assert.ok(log.lines.some((l) => l.msg === 'diameter: following a redirect'));

    const t0 = Date.now();
    await assert.rejects(cli.request(der('loop.realm')), (e: unknown) => e instanceof DiameterUnavailableError && e.reason === 'redirect_limit');
    assert.ok(Date.now() - t0 < PEER_WAIT_MS, 'fails at once, not at the timeout');
    assert.deepEqual(cli.status().peers.find((p) => p.host === 'agent2.test.local')!.failed_answers, [{ code: 3006, vendor_id: 0, name: 'DIAMETER_REDIRECT_INDICATION', count: 1 }]);
    assert.deepEqual(cli.routes().routes.map((r) => [r.realm, r.action, r.peers]), [['*', 'relay', ['agent.test.local']]]);

    // tshark: everything the relay/redirect agent sent (relayed DER with Route-Record, 3006 with Redirect-Host) dissects cleanly.
    const dir = mkdtempSync(join(tmpdir(), 'omnisep-route-'));
    try {
      writeFileSync(join(dir, 'a.pcap'), writePcap(agent.sent.map((bytes) => ({ flow: 'agent', fromClient: false, bytes }))));
      const text = execFileSync('tshark', ['-r', join(dir, 'a.pcap'), '-V', '-o', 'tcp.analyze_sequence_numbers:FALSE'], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
      assert.match(text, /Redirect-Host: aaa:\/\/srv\.test\.local/);
      assert.match(text, /Route-Record: client\.test\.local/);
      assert.doesNotMatch(text, /Malformed|\[Expert Info \((Warning|Error)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await cli.stop();
    await Promise.all([agent.node.stop(), agent2.node.stop(), srv.node.stop()]);
  }
});

test('a next hop drops mid-load with two routes: every request settles once, within its timeout', { timeout: 300_000 }, async () => {
  const a = await server('a.test.local');
  const b = await server('b.test.local');
  const timeoutMs = 8000;
  const cli = createDiameterNode(nodeConfig({
    peers: [peer('a.test.local', a.port), peer('b.test.local', b.port)], request_timeout: timeoutMs, reconnect_seconds: 30,
    routes: [{ realm: 'hss.realm', action: 'relay', peers: ['a.test.local', 'b.test.local'] }],
  }), { logger: quietLogger() });
  try {
    await cli.start();
    await cli.waitForPeer('a.test.local', PEER_WAIT_MS);
    await cli.waitForPeer('b.test.local', PEER_WAIT_MS);
    const settled = new Map<number, number>();
    const started = Date.now();
    const all = Array.from({ length: 300 }, (_, i) => cli.request(der('hss.realm')).then(
      (m) => { settled.set(i, (settled.get(i) ?? 0) + 1); return { ok: true, rc: resultOf(m), at: Date.now() }; },
      (e: unknown) => { settled.set(i, (settled.get(i) ?? 0) + 1); return { ok: false, err: e, at: Date.now() }; },
    ));
    setImmediate(() => a.node.abort()); // a crash: no DPR, sockets reset
    const results = await Promise.all(all);
    assert.equal(settled.size, 300);
    assert.ok([...settled.values()].every((n) => n === 1), 'no request settled twice');
    for (const r of results) assert.ok(r.at - started < timeoutMs + 2000, 'nothing hangs beyond its timeout');
    assert.ok(results.filter((r) => r.ok && 'rc' in r && r.rc && 'resultCode' in r.rc && r.rc.resultCode === 2001).length >= 290, 'the other route takes the load');
  } finally {
    await cli.stop();
    await b.node.stop();
    await a.node.stop().catch(() => undefined);
  }
});
