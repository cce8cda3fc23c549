/**
 * RFC 6733 §5.6.4 election, over real loopback TCP: when both sides dial at the same moment, exactly one
 * connection survives and neither side reconnects.
 *
 * The first two tests make the race deterministic: the test plays the peer, holds back the CEA of the node's
 * own dial, and sends its own CER on a second connection. The third starts two omnisep nodes configured as
 * each other's peer together, in six independent pairs at once, and counts the opens each side logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { createDiameterNode, wonElection } from '../daemon/diameter/node.js';
import { Avp, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { encodeMessage, getU32 } from '../src/codec/diameter/message.js';
import { buildCer } from '../src/codec/diameter/base.js';
import { DiameterFramer } from '../src/codec/diameter/framer.js';
import { decodeMessage, type DiameterMessage } from '../src/codec/diameter/message.js';
import { nodeConfig, quietLogger, rawClient, until, freePort } from './diameter-helpers.js';

const dict = defaultDictionary();

const cer = (host: string) => encodeMessage(buildCer(dict, {
  host, realm: 'test.local', hostIpAddresses: ['127.0.0.1'], vendorId: 0, productName: 'raw', originStateId: 1,
  supportedVendorIds: [10415], authApplicationIds: [16777264], acctApplicationIds: [], vendorSpecific: [],
}, { hopByHop: 7, endToEnd: 7 }));

/** A listening "peer" that accepts the node's dial and records what arrives on it, answering nothing. */
async function silentPeer() {
  const received: DiameterMessage[] = [];
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    const framer = new DiameterFramer();
    s.on('data', (d) => { for (const f of framer.push(d)) received.push(decodeMessage(f)); });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port, received, sockets,
    close: () => { for (const s of sockets) s.destroy(); return new Promise<void>((r) => server.close(() => r())); },
  };
}

test('octet comparison of Origin-Hosts decides the election', () => {
  assert.equal(wonElection('b.test.local', 'a.test.local'), true);
  assert.equal(wonElection('a.test.local', 'b.test.local'), false);
  assert.equal(wonElection('aaa.test', 'aa.test'), true); // 'a' (0x61) > '.' (0x2e)
  assert.equal(wonElection('same', 'same'), false);
});

for (const [local, remote, wins] of [['z.test.local', 'a.test.local', true], ['a.test.local', 'z.test.local', false]] as const) {
  test(`crossing CERs: ${local} against ${remote} ${wins ? 'wins and keeps the peer\'s connection' : 'loses: CEA 4003 on the incoming one, its own dial kept'}`, { timeout: 30_000 }, async () => {
    const peer = await silentPeer();
    const log = quietLogger();
    const node = createDiameterNode(nodeConfig({
      host: local, listen_ip: '127.0.0.1', reconnect_seconds: 1, exchange_timeout_ms: 10_000,
      peers: [{ host: remote, ip: '127.0.0.1', port: peer.port, transport: 'tcp' }],
    }), { logger: log });
    const { listen } = await node.start();
    try {
      // The node's own dial reached the peer and its CER is waiting for an answer that the test holds back.
      await until(() => peer.received.some((m) => m.commandCode === CommandCode.CAPABILITIES_EXCHANGE), 20_000, 'the node\'s CER on its own dial');
      const dial = peer.sockets[0]!;
      const dialClosed = new Promise<void>((r) => dial.once('close', () => r()));
      // The peer dials at the same moment.
      const c = await rawClient(listen!.port);
      c.socket.write(cer(remote));
      const cea = await c.next();
      assert.equal(cea.commandCode, CommandCode.CAPABILITIES_EXCHANGE);
      if (wins) {
        assert.equal(getU32(cea.avps, Avp.RESULT_CODE), ResultCode.DIAMETER_SUCCESS);
        await dialClosed; // I-Disc: the node dropped its own dial
        await until(() => node.status().peers[0]?.status === 'Connected', 10_000, 'the peer open on the accepted connection');
        assert.equal(node.status().peers[0]!.connection_initiation, 'Peer -> OmniSEP');
        assert.ok(log.lines.some((l) => l.msg === 'diameter: election won, keeping the connection the peer initiated'));
      } else {
        assert.equal(getU32(cea.avps, Avp.RESULT_CODE), ResultCode.ELECTION_LOST);
        await c.closed;
        assert.equal(dial.destroyed, false, 'the node kept its own dial');
        assert.ok(log.lines.some((l) => l.msg === 'diameter: election lost, keeping our own connection to the peer'));
      }
      // No second dial: the election ended the race, it did not start a reconnect (back-off is 0.5–1.2 s).
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(peer.sockets.length, 1, 'the node dialled again after the election');
      c.socket.destroy();
    } finally {
      await node.stop();
      await peer.close();
    }
  });
}

/** n distinct free ports, two per round (a port the kernel hands out twice is asked for again). */
async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

test('two omnisep nodes started together as each other\'s peer: one connection, no reconnect, in every round', { timeout: 120_000 }, async () => {
  // The six rounds are independent pairs on their own ports: they run at once, so the 2.5 s watch for a
  // reconnect is paid once, not six times (each pair still starts its two nodes together and races).
  const ROUNDS = 6;
  const ports = await distinctPorts(2 * ROUNDS);
  await Promise.all(Array.from({ length: ROUNDS }, async (_, round) => {
    const [pa, pb] = [ports[2 * round]!, ports[2 * round + 1]!];
    const [la, lb] = [quietLogger(), quietLogger()];
    const [ha, hb] = round % 2 ? ['alpha.test.local', 'omega.test.local'] : ['omega.test.local', 'alpha.test.local'];
    const a = createDiameterNode(nodeConfig({ host: ha, listen_ip: '127.0.0.1', listen_port: pa, reconnect_seconds: 1, peers: [{ host: hb, ip: '127.0.0.1', port: pb, transport: 'tcp' }] }), { logger: la });
    const b = createDiameterNode(nodeConfig({ host: hb, listen_ip: '127.0.0.1', listen_port: pb, reconnect_seconds: 1, peers: [{ host: ha, ip: '127.0.0.1', port: pa, transport: 'tcp' }] }), { logger: lb });
    try {
      await Promise.all([a.start(), b.start()]);
      await a.waitForPeer(hb, 20_000);
      await b.waitForPeer(ha, 20_000);
      // Longer than the reconnect back-off, so a dropped-and-redialled connection would show as a second open.
      await new Promise((r) => setTimeout(r, 2500));
      const opens = (l: typeof la) => l.lines.filter((x) => x.msg === 'diameter: peer open').length;
      assert.equal(opens(la), 1, `round ${round}: ${ha} opened ${opens(la)} connections`);
      assert.equal(opens(lb), 1, `round ${round}: ${hb} opened ${opens(lb)} connections`);
      const [va, vb] = [a.status().peers[0]!, b.status().peers[0]!];
      assert.equal(va.status, 'Connected', `round ${round}: ${ha}`);
      assert.equal(vb.status, 'Connected', `round ${round}: ${hb}`);
      // One connection: one side initiated it, the other accepted it.
      assert.notEqual(va.connection_initiation, vb.connection_initiation, `round ${round}`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }));
});
