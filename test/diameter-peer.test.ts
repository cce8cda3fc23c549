/**
 * The Diameter node over real loopback TCP: capabilities exchange both ways,
 * requests and answers, 5001/3007/5010/3010 answers, garbage handling,
 * timeouts, failover with the T flag, 3002 retry, DPR on stop, watchdog and
 * reconnect.
 */
import { baseCode } from '../src/codec/diameter/result.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiameterNode, DiameterUnavailableError, type DiameterNode } from '../daemon/diameter/node.js';
import { AppId, Avp, AvpFlag, CmdFlag, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { avp, decodeAvps, encodeMessage, findAvp, getString, getU32, resultOf, type DiameterMessage } from '../src/codec/diameter/message.js';
import { answerHeader, buildCer, readCapabilities } from '../src/codec/diameter/base.js';
import { PEER_WAIT_MS, nodeConfig, quietLogger, rawClient, until } from './diameter-helpers.js';

const dict = defaultDictionary();

/** A server node that echoes DERs with 2001 and the serving host in Error-Message, after an optional delay. */
async function echoServer(host: string, opts: { delayMs?: number; result?: number; apps?: number[]; allow?: boolean; peers?: string[] } = {}) {
  const node = createDiameterNode(nodeConfig({
    host, listen_ip: '127.0.0.1', auth_application_ids: opts.apps ?? [AppId.SWm, AppId.SWx],
    allow_undefined_peers_to_connect: opts.allow ?? true,
    peers: (opts.peers ?? []).map((h) => ({ host: h, ip: '127.0.0.1', port: 9, transport: 'tcp' })),
  }), { logger: quietLogger() });
  const seen: DiameterMessage[] = [];
  node.handle(AppId.SWm, CommandCode.DIAMETER_EAP, async (req, ctx) => {
    seen.push(req);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    return answerHeader(req, [
      findAvp(req.avps, Avp.SESSION_ID)!,
      avp(dict, 'Result-Code', opts.result ?? ResultCode.DIAMETER_SUCCESS),
      avp(dict, 'Origin-Host', ctx.local.host), avp(dict, 'Origin-Realm', ctx.local.realm),
      avp(dict, 'Error-Message', ctx.local.host),
    ], opts.result);
  });
  const { listen } = await node.start();
  return { node, port: listen!.port, seen };
}

const der = (sid: string, extra: ReturnType<typeof avp>[] = []): Omit<DiameterMessage, 'hopByHop' | 'endToEnd'> => ({
  flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm,
  avps: [avp(dict, 'Session-Id', sid), avp(dict, 'Auth-Application-Id', AppId.SWm), avp(dict, 'Origin-Host', 'client.test.local'),
    avp(dict, 'Origin-Realm', 'test.local'), avp(dict, 'Destination-Realm', 'test.local'), avp(dict, 'Auth-Request-Type', 3),
    avp(dict, 'EAP-Payload', Buffer.from('0201000501', 'hex')), ...extra],
});

async function client(peers: { host: string; port: number }[], over: Parameters<typeof nodeConfig>[0] = {}): Promise<DiameterNode> {
  const node = createDiameterNode(nodeConfig({ peers: peers.map((p) => ({ host: p.host, ip: '127.0.0.1', port: p.port, transport: 'tcp' })), ...over }), { logger: quietLogger() });
  await node.start();
  return node;
}

test('CER/CEA both ways, a DER answered, status and counters on both sides', async () => {
  const srv = await echoServer('aaa1.test.local');
  const events: unknown[] = [];
  const cli = createDiameterNode(nodeConfig({ peers: [{ host: 'aaa1.test.local', ip: '127.0.0.1', port: srv.port, transport: 'tcp' }] }),
    { logger: quietLogger(), events: { emit: (e) => void events.push(e) } });
  await cli.start();
  try {
    await cli.waitForPeer('aaa1.test.local', PEER_WAIT_MS);
    const ans = await cli.request(der('client.test.local;1;1'));
    assert.equal(baseCode(resultOf(ans)), 2001);
    assert.equal(getString(ans.avps, Avp.ERROR_MESSAGE), 'aaa1.test.local');
    const st = cli.status();
    assert.equal(st.connected_count, 1);
    const p = st.peers[0]!;
    assert.equal(p.status, 'Connected');
    assert.equal(p.connection_initiation, 'OmniSEP -> Peer');
    assert.equal(p.product_name, 'OmniSep-test');
    assert.equal(p.realm, 'test.local');
    assert.deepEqual(p.application_ids.common, [AppId.SWm, AppId.SWx]);
    assert.equal(p.counters.requests_sent, 1);
    assert.equal(p.counters.answers_received, 1);
    const sp = srv.node.status().peers.find((x) => x.host === 'client.test.local')!;
    assert.equal(sp.connection_initiation, 'Peer -> OmniSEP');
    assert.equal(sp.counters.requests_received, 1);
    assert.equal(sp.counters.answers_sent, 1);
    assert.ok(events.some((e) => (e as { kind: string; peer: { status: string } }).kind === 'peer' && (e as { peer: { status: string } }).peer.status === 'Connected'));
  } finally {
    await cli.stop();
    await srv.node.stop();
  }
});

test('an unknown AVP with the M-bit gets 5001 with Failed-AVP; without it the AVP is ignored', async () => {
  const srv = await echoServer('aaa1.test.local');
  const cli = await client([{ host: 'aaa1.test.local', port: srv.port }]);
  try {
    await cli.waitForPeer(undefined, PEER_WAIT_MS);
    const unknownM = { code: 99999, vendorId: 0, flags: AvpFlag.M, data: Buffer.from('abcd') };
    const a = await cli.request(der('s;1;2', [unknownM]));
    assert.equal(baseCode(resultOf(a)), ResultCode.DIAMETER_AVP_UNSUPPORTED);
    assert.ok(a.flags & CmdFlag.E ? false : true, '5xxx is not a protocol error: E-bit clear');
    const failed = decodeAvps(findAvp(a.avps, Avp.FAILED_AVP)!.data);
    assert.equal(failed[0]!.code, 99999);
    assert.equal(getString(a.avps, Avp.SESSION_ID), 's;1;2');
    const unknownNoM = { code: 99998, vendorId: 77, flags: AvpFlag.V, data: Buffer.from('ab') };
    const b = await cli.request(der('s;1;3', [unknownNoM]));
    assert.equal(baseCode(resultOf(b)), 2001);
    assert.equal(srv.seen.length, 1);
  } finally {
    await cli.stop();
    await srv.node.stop();
  }
});

test('a command nobody handles: 3001 with the E-bit (app known) or 3007 (app unknown)', async () => {
  const srv = await echoServer('aaa1.test.local', { apps: [AppId.SWm, AppId.SWx] });
  const cli = await client([{ host: 'aaa1.test.local', port: srv.port }]);
  try {
    await cli.waitForPeer(undefined, PEER_WAIT_MS);
    const mar = await cli.request({ flags: CmdFlag.R, commandCode: CommandCode.MULTIMEDIA_AUTH, applicationId: AppId.SWx, avps: [avp(dict, 'Session-Id', 'x;1;1')] });
    assert.equal(baseCode(resultOf(mar)), ResultCode.DIAMETER_COMMAND_UNSUPPORTED);
    assert.ok(mar.flags & CmdFlag.E);
  } finally {
    await cli.stop();
    await srv.node.stop();
  }
});

const rawCer = (host: string, apps: number[]) => encodeMessage(buildCer(dict, {
  host, realm: 'raw.local', hostIpAddresses: ['127.0.0.1'], vendorId: 0, productName: 'raw', originStateId: 1,
  supportedVendorIds: [], authApplicationIds: apps, acctApplicationIds: [], vendorSpecific: [],
}, { hopByHop: 1, endToEnd: 1 }));

test('CER with no common application → CEA 5010 and the connection closes', async () => {
  const srv = await echoServer('aaa1.test.local');
  try {
    const c = await rawClient(srv.port);
    c.socket.write(rawCer('raw.test.local', [4]));
    const cea = await c.next();
    assert.equal(cea.commandCode, CommandCode.CAPABILITIES_EXCHANGE);
    assert.equal(getU32(cea.avps, Avp.RESULT_CODE), ResultCode.DIAMETER_NO_COMMON_APPLICATION);
    assert.ok(readCapabilities(cea));
    await c.closed;
  } finally {
    await srv.node.stop();
  }
});

test('an undefined peer is refused with 3010 when allow_undefined_peers_to_connect is false; a configured one is accepted', async () => {
  const srv = await echoServer('aaa1.test.local', { allow: false, peers: ['known.test.local'] });
  try {
    const c = await rawClient(srv.port);
    c.socket.write(rawCer('stranger.test.local', [AppId.SWm]));
    const cea = await c.next();
    assert.equal(getU32(cea.avps, Avp.RESULT_CODE), ResultCode.DIAMETER_UNKNOWN_PEER);
    assert.ok(cea.flags & CmdFlag.E);
    await c.closed;
    const k = await rawClient(srv.port);
    k.socket.write(rawCer('known.test.local', [AppId.SWm]));
    assert.equal(getU32((await k.next()).avps, Avp.RESULT_CODE), 2001);
    k.socket.destroy();
  } finally {
    await srv.node.stop();
  }
});

test('garbage, a bad version, a truncated message and a 16 MB length close the connection; the node keeps serving', async () => {
  const srv = await echoServer('aaa1.test.local');
  const cli = await client([{ host: 'aaa1.test.local', port: srv.port }]);
  try {
    await cli.waitForPeer(undefined, PEER_WAIT_MS);
    const bad = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('02000014000000000000000000000000000000000', 'hex'),
      Buffer.from('01000015800001010000000000000001000000010000', 'hex'), // length 21: not a multiple of 4
      Buffer.from('01fffffc80000101', 'hex'), // 16 MB claim
      Buffer.concat([Buffer.from('0100001c800001010000000000000001000000010000010740000020', 'hex')]), // AVP overruns
    ];
    for (const b of bad) {
      const c = await rawClient(srv.port);
      c.socket.write(b);
      await c.closed;
    }
    // A truncated message followed by the peer hanging up: no crash, nothing decoded.
    const t = await rawClient(srv.port);
    t.socket.end(rawCer('trunc.test.local', [AppId.SWm]).subarray(0, 30));
    await t.closed;
    const a = await cli.request(der('still;1;1'));
    assert.equal(baseCode(resultOf(a)), 2001);
  } finally {
    await cli.stop();
    await srv.node.stop();
  }
});

test('several messages in one write and one message over many writes are both framed', async () => {
  const srv = await echoServer('aaa1.test.local');
  try {
    const c = await rawClient(srv.port);
    const cer = rawCer('frag.test.local', [AppId.SWm]);
    for (let i = 0; i < cer.length; i += 7) { c.socket.write(cer.subarray(i, i + 7)); await new Promise((r) => setTimeout(r, 2)); }
    assert.equal(getU32((await c.next()).avps, Avp.RESULT_CODE), 2001);
    const two = Buffer.concat([1, 2].map((i) => encodeMessage({ ...der(`frag;1;${i}`), hopByHop: 100 + i, endToEnd: 200 + i })));
    c.socket.write(two);
    const a1 = await c.next();
    const a2 = await c.next();
    assert.deepEqual([a1.hopByHop, a2.hopByHop].sort(), [101, 102]);
    c.socket.destroy();
  } finally {
    await srv.node.stop();
  }
});

test('a request nobody answers fails after request_timeout and counts a timeout', async () => {
  const srv = await echoServer('slow.test.local', { delayMs: 800 });
  const cli = await client([{ host: 'slow.test.local', port: srv.port }], { request_timeout: 300 });
  try {
    await cli.waitForPeer(undefined, PEER_WAIT_MS);
    const t0 = Date.now();
    await assert.rejects(cli.request(der('t;1;1')), (e: unknown) => e instanceof DiameterUnavailableError && e.reason === 'timeout');
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(cli.status().peers[0]!.counters.timeouts, 1);
  } finally {
    await cli.stop();
    await srv.node.stop();
  }
});

test('no open peer: the request fails at once', async () => {
  const cli = await client([{ host: 'nobody.test.local', port: 9 }]);
  try {
    await assert.rejects(cli.request(der('n;1;1')), (e: unknown) => e instanceof DiameterUnavailableError && e.reason === 'no_peer');
  } finally {
    await cli.stop();
  }
});

test('3002/3004 from one peer is retried on the other', async () => {
  const busy = await echoServer('busy.test.local', { result: ResultCode.DIAMETER_TOO_BUSY });
  const good = await echoServer('good.test.local');
  const cli = await client([{ host: 'busy.test.local', port: busy.port }, { host: 'good.test.local', port: good.port }], { peer_selection_algorithm: 'failover' });
  try {
    await cli.waitForPeer('busy.test.local', PEER_WAIT_MS);
    await cli.waitForPeer('good.test.local', PEER_WAIT_MS);
    const a = await cli.request(der('r;1;1'));
    assert.equal(baseCode(resultOf(a)), 2001);
    assert.equal(getString(a.avps, Avp.ERROR_MESSAGE), 'good.test.local');
    assert.equal(busy.seen.length, 1);
    assert.equal(good.seen.length, 1);
    assert.ok(good.seen[0]!.flags & CmdFlag.T, 'the retransmission carries the T flag');
  } finally {
    await cli.stop();
    await busy.node.stop();
    await good.node.stop();
  }
});

test('the AAA dies mid-load with two configured: pending requests go to the other, none hang', async () => {
  const a = await echoServer('aaa-a.test.local', { delayMs: 500 });
  const b = await echoServer('aaa-b.test.local', { delayMs: 20 });
  const cli = await client([{ host: 'aaa-a.test.local', port: a.port }, { host: 'aaa-b.test.local', port: b.port }], { request_timeout: 2000 });
  try {
    await cli.waitForPeer('aaa-a.test.local', PEER_WAIT_MS);
    await cli.waitForPeer('aaa-b.test.local', PEER_WAIT_MS);
    const reqs = Array.from({ length: 40 }, (_, i) => cli.request(der(`load;1;${i}`)));
    await until(() => a.seen.length > 0, PEER_WAIT_MS, 'peer A to get part of the load');
    // Kill A abruptly: no DPR, sockets reset.
    a.node.abort();
    const results = await Promise.allSettled(reqs);
    const ok = results.filter((r) => r.status === 'fulfilled' && baseCode(resultOf(r.value)) === 2001);
    assert.equal(ok.length, 40, `all answered: ${results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)).join(', ')}`);
    const byB = results.filter((r) => r.status === 'fulfilled' && getString(r.value.avps, Avp.ERROR_MESSAGE) === 'aaa-b.test.local').length;
    assert.equal(byB, 40, 'A died before answering anything, so B answered all');
    assert.ok(b.seen.some((m) => m.flags & CmdFlag.T), 'failed-over requests carry the T flag');
  } finally {
    await cli.stop();
    await b.node.stop();
  }
});

test('stop sends DPR: the other side sees the peer leave at once; a configured peer reconnects after a restart', async () => {
  const srv = await echoServer('aaa1.test.local');
  const cli = await client([{ host: 'aaa1.test.local', port: srv.port }]);
  await cli.waitForPeer(undefined, PEER_WAIT_MS);
  await until(() => srv.node.status().connected_count === 1, PEER_WAIT_MS, 'server sees client');
  await cli.stop();
  assert.equal(srv.node.status().peers.filter((p) => p.status === 'Connected').length, 0);
  assert.equal(cli.status().peers[0]!.status, 'Closed');
  await srv.node.stop();
});

test('watchdog: DWR/DWA exchanged on a short Tw, last_dwa_at set; reconnect after the peer comes back', async () => {
  const srv = await echoServer('aaa1.test.local');
  const cli = await client([{ host: 'aaa1.test.local', port: srv.port }], { watchdog_seconds: 0.1 });
  try {
    await cli.waitForPeer(undefined, PEER_WAIT_MS);
    await until(() => cli.status().peers[0]!.last_dwa_at !== null, PEER_WAIT_MS, 'a DWA');
    srv.node.abort();
    await until(() => cli.status().peers[0]!.status !== 'Connected', PEER_WAIT_MS, 'disconnect seen');
    const again = createDiameterNode(nodeConfig({ host: 'aaa1.test.local', listen_ip: '127.0.0.1', listen_port: srv.port }), { logger: quietLogger() });
    await again.start();
    try {
      await cli.waitForPeer('aaa1.test.local', PEER_WAIT_MS);
      assert.equal(cli.status().peers[0]!.status, 'Connected');
    } finally {
      await again.stop();
    }
  } finally {
    await cli.stop();
  }
});
