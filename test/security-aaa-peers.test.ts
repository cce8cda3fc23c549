/**
 * Issue 13 item 1: the built-in AAA accepts only the peers it is configured
 * for (docs/security.md § Diameter peers). A stranger's CER gets CEA 3010
 * DIAMETER_UNKNOWN_PEER and a disconnect; an SWx MAR sent behind it is never
 * answered and does not advance the SIM's SQN; the refusal is logged and
 * counted in /metrics. An allowed Origin-Host from the wrong address is
 * refused too; from its address it is served.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { createBuiltinAaa, type BuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { addressMatches } from '../daemon/diameter/node.js';
import { buildCer } from '../src/codec/diameter/base.js';
import { buildMar } from '../src/codec/diameter/swx.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { Avp, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { DiameterFramer } from '../src/codec/diameter/framer.js';
import { decodeMessage, encodeMessage, type DiameterMessage } from '../src/codec/diameter/message.js';
import { repoPath } from '../src/util/repo-path.js';
import { quietLogger } from './diameter-helpers.js';

const dict = defaultDictionary();
const IMSI = '001010000000001';
let aaa: BuiltinAaa;
let port: number;
const metrics = new Registry();
const log = quietLogger();

before(async () => {
  aaa = createBuiltinAaa({
    store: createMemoryStore(), logger: log, metrics,
    listen: {
      host: 'aaa.test.local', realm: 'test.local', listen_ip: '127.0.0.1', listen_port: 0,
      accept_peers: [{ host: 'omnisep.test.local', ip: 'loopback' }, { host: 'far.test.local', ip: '127.0.0.2' }],
    },
  });
  await aaa.subscribers.importCsv(readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8'));
  port = (await aaa.start()).listen!.port;
});
after(async () => {
  await aaa.stop();
});

const cer = (host: string) => encodeMessage(buildCer(dict, {
  host, realm: 'evil.example', hostIpAddresses: ['127.0.0.1'], vendorId: 0, productName: 'raw', originStateId: 1,
  supportedVendorIds: [10415], authApplicationIds: [16777265], acctApplicationIds: [], vendorSpecific: [],
}, { hopByHop: 1, endToEnd: 1 }));
const mar = (host: string) => encodeMessage(buildMar(dict, { host, realm: 'evil.example' }, {
  sessionId: `${host};1;1`, destinationRealm: 'test.local', userName: IMSI, scheme: 'EAP-AKA',
}, { hopByHop: 2, endToEnd: 2 }));

/** A raw TCP client that records every message and the close (bounded waits: 10 s). */
function raw(localAddress = '127.0.0.1'): Promise<{ socket: Socket; got: DiameterMessage[]; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const framer = new DiameterFramer();
    const got: DiameterMessage[] = [];
    socket.on('data', (d) => { for (const f of framer.push(d)) got.push(decodeMessage(f)); });
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, got, closed }));
    socket.once('error', reject);
  });
}
const resultCode = (m: DiameterMessage) => m.avps.find((a) => a.code === Avp.RESULT_CODE)?.data.readUInt32BE(0);
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, rj) => { timer = setTimeout(() => rj(new Error(`timed out: ${what}`)), ms); });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
const rejected = async (reason: string) =>
  ((await metrics.getSingleMetric('omnisep_diameter_peers_rejected_total')!.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0);

test('a made-up Origin-Host gets CEA 3010 and a disconnect; its MAR gets no MAA and the SQN stays', async () => {
  const sqnBefore = (await aaa.subscribers.get(IMSI))?.sqn;
  assert.equal(typeof sqnBefore, 'number', 'the lab SIM is loaded');
  const c = await raw();
  c.socket.write(Buffer.concat([cer('intruder.evil.example'), mar('intruder.evil.example')]));
  await within(c.closed, 10_000, 'the AAA closes the connection');
  assert.equal(c.got.length, 1, `only the CEA comes back, got ${c.got.map((m) => m.commandCode).join(',')}`);
  assert.equal(c.got[0]!.commandCode, CommandCode.CAPABILITIES_EXCHANGE);
  assert.equal(resultCode(c.got[0]!), ResultCode.DIAMETER_UNKNOWN_PEER);
  assert.ok(!c.got.some((m) => m.commandCode === CommandCode.MULTIMEDIA_AUTH), 'no MAA');
  assert.equal((await aaa.subscribers.get(IMSI))?.sqn, sqnBefore, 'SQN unchanged');
  assert.equal(await rejected('unknown_peer'), 1);
  assert.ok(log.lines.some((l) => l.level === 'warn' && (l.obj as { peer?: string }).peer === 'intruder.evil.example'), 'the attempt is logged');
});

test('an allowed Origin-Host from another address is refused; from its own address it is served', async () => {
  const wrong = await raw('127.0.0.1');
  wrong.socket.write(cer('far.test.local'));
  await within(wrong.closed, 10_000, 'close');
  assert.equal(resultCode(wrong.got[0]!), ResultCode.DIAMETER_UNKNOWN_PEER);
  assert.equal(await rejected('wrong_address'), 1);

  const right = await raw('127.0.0.2');
  right.socket.write(cer('far.test.local'));
  await within((async () => { while (!right.got.length) await new Promise((r) => setTimeout(r, 20)); })(), 10_000, 'CEA');
  assert.equal(resultCode(right.got[0]!), ResultCode.DIAMETER_SUCCESS);
  right.socket.write(mar('far.test.local'));
  await within((async () => { while (right.got.length < 2) await new Promise((r) => setTimeout(r, 20)); })(), 10_000, 'MAA');
  assert.equal(right.got[1]!.commandCode, CommandCode.MULTIMEDIA_AUTH);
  right.socket.destroy();
});

test('addressMatches: literal IPs, loopback, and names that are never resolved', () => {
  assert.ok(addressMatches('loopback', '127.0.0.1'));
  assert.ok(addressMatches('loopback', '::1'));
  assert.ok(!addressMatches('loopback', '10.0.0.1'));
  assert.ok(addressMatches('192.0.2.1', '192.0.2.1'));
  assert.ok(!addressMatches('192.0.2.1', '192.0.2.2'));
  assert.ok(!addressMatches('aaa.example.net', '192.0.2.2'));
});
