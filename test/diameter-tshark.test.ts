/**
 * Every message omnisep sends in an end-to-end run (CER/CEA, DWR/DWA,
 * DER/DEA through a full EAP-AKA authentication and an unknown user, MAR/MAA
 * with a resync, Sh UDR/UDA and PUR/PUA, DPR/DPA) is written to a pcap and decoded by tshark's
 * Diameter dissector: no malformed packet, no expert warning or error, no
 * unknown AVP. The decodes of representative DER/DEA/MAR/MAA are kept in
 * fixtures/wire/diameter/ (hex + tshark text); the test checks that the AVP
 * layout tshark sees still matches them (values such as RAND and ids vary).
 * Regenerate with OMNISEP_UPDATE_FIXTURES=1. CI needs: tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { createBuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { createSwmRelay } from '../daemon/diameter/swm-client.js';
import { createSwxVectorSource } from '../daemon/diameter/swx-client.js';
import { createShClient } from '../daemon/diameter/sh-client.js';
import { startPeer, stepPeer } from '../src/fsm/eap-aka-peer.js';
import { encodeEap } from '../src/codec/eap/packet.js';
import { EapCode, EapType } from '../src/codec/eap/constants.js';
import { buildAuts } from '../src/crypto/milenage.js';
import { decodeMessage, isRequest, resultOf } from '../src/codec/diameter/message.js';
import { baseCode, codeOf } from '../src/codec/diameter/result.js';
import { commandName } from '../src/codec/diameter/constants.js';
import { Secret } from '../src/util/secret.js';
import { repoPath } from '../src/util/repo-path.js';
import { writePcap, type CapturedMessage } from './diameter-pcap.js';
import { PEER_WAIT_MS, nodeConfig, quietLogger, until } from './diameter-helpers.js';

const h = (s: string) => Buffer.from(s, 'hex');
const FIX = repoPath('fixtures', 'wire', 'diameter');
const UPDATE = process.env.OMNISEP_UPDATE_FIXTURES === '1';

async function capture(): Promise<CapturedMessage[]> {
  const wire: CapturedMessage[] = [];
  const tap = (client: boolean) => (dir: 'in' | 'out', bytes: Buffer, c: { local: string; remote: string }) => {
    if (dir === 'out') wire.push({ flow: [c.local, c.remote].sort().join('|'), fromClient: client, bytes });
  };
  const aaa = createBuiltinAaa({
    store: createMemoryStore(), logger: quietLogger(),
    node: createDiameterNode(nodeConfig({ host: 'aaa.test.local', listen_ip: '127.0.0.1', watchdog_seconds: 0.2, auth_application_ids: [16777264, 16777265, 16777217] }), { logger: quietLogger(), tap: tap(false) }),
  });
  await aaa.subscribers.importCsv(readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8'));
  const { listen } = await aaa.node.start();
  await aaa.start();
  const cli = createDiameterNode(nodeConfig({ watchdog_seconds: 0.2, auth_application_ids: [16777264, 16777265, 16777217], peers: [{ host: 'aaa.test.local', ip: '127.0.0.1', port: listen!.port, transport: 'tcp' }] }), { logger: quietLogger(), tap: tap(true) });
  await cli.start();
  try {
    await cli.waitForPeer(undefined, PEER_WAIT_MS);
    await until(() => wire.some((m) => m.bytes.readUIntBE(5, 3) === 280 && !isRequest(decodeMessage(m.bytes))), PEER_WAIT_MS, 'a DWA');
    const relay = createSwmRelay(cli);
    for (const [imsi, k, opc, id] of [
      ['001010000000001', '465b5ce8b199b49faa5f0a2ee238a6bc', 'cd63cb71954a9f4e48a5994e37a02baf', undefined],
      ['001019999999999', '465b5ce8b199b49faa5f0a2ee238a6bc', 'cd63cb71954a9f4e48a5994e37a02baf', undefined],
    ] as const) {
      let peer = startPeer({ imsi, k: new Secret(h(k)), opc: new Secret(h(opc)), sqnMs: 0n, variant: 'aka' });
      const identity = id ?? peer.identity;
      const s = relay.open({ userName: identity });
      let pkt = encodeEap({ code: EapCode.RESPONSE, identifier: 0, type: EapType.IDENTITY, data: Buffer.from(identity) });
      for (let i = 0; i < 5; i++) {
        const a = await s.exchange(pkt);
        if (baseCode(a.result) !== 1001) break;
        const r = stepPeer(peer, { type: 'eap', packet: a.eapPayload! });
        peer = r.state;
        const send = r.actions.find((x) => x.type === 'send');
        if (!send || send.type !== 'send') break;
        pkt = send.packet;
      }
    }
    const swx = createSwxVectorSource(cli);
    const k = new Secret(h('0396eb317b6d1c36f19c1c84cd6ffd16'));
    const opc = new Secret(h('53c15671c60a4b731c55b4a441c0bde2'));
    const v = await swx.getVector({ imsi: '001010000000002', variant: 'aka' });
    await swx.getVector({ imsi: '001010000000002', variant: 'aka', resync: { rand: v.rand, auts: buildAuts({ k, opc, rand: v.rand, sqnMs: 4096n }) } });
    await swx.getVector({ imsi: '001010000000002', variant: 'aka-prime' });
    const sh = createShClient(cli);
    await sh.readRepositoryData({ msisdn: '15551230002', serviceIndication: 'simservs' });
    await sh.writeRepositoryData({ msisdn: '15551230002', serviceIndication: 'simservs', sequenceNumber: 1, serviceData: '<?xml version="1.0" encoding="UTF-8"?><simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap"><originating-identity-presentation active="true"/></simservs>' });
    await sh.readRepositoryData({ msisdn: '15551230002', serviceIndication: 'simservs' });
  } finally {
    await cli.stop();
    await aaa.stop();
    await aaa.node.stop();
  }
  return wire;
}

/** tshark's verbose decode split per frame, the Diameter part only. */
function decode(pcap: string): string[] {
  const text = execFileSync('tshark', ['-r', pcap, '-V', '-o', 'tcp.analyze_sequence_numbers:FALSE'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return text.split(/^Frame \d+:/m).slice(1).map((f) => {
    const i = f.indexOf('Diameter Protocol');
    return i < 0 ? f : f.slice(i);
  });
}

const avpNames = (decodeText: string): string[] => [...decodeText.matchAll(/AVP: ([A-Za-z0-9-]+)\(\d+\)/g)].map((m) => m[1]!);

test('tshark decodes every message omnisep sent cleanly; DER/DEA/MAR/MAA layouts match the fixtures', { timeout: 300_000 }, async () => {
  const wire = await capture();
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-tshark-'));
  try {
    const pcap = join(dir, 'e2e.pcap');
    writeFileSync(pcap, writePcap(wire));
    const frames = decode(pcap);
    assert.equal(frames.length, wire.length);
    const kinds = new Set<string>();
    frames.forEach((f, i) => {
      const m = decodeMessage(wire[i]!.bytes);
      const name = commandName(m.commandCode, isRequest(m));
      kinds.add(name);
      assert.match(f, /Diameter Protocol/, `frame ${i + 1} (${name}) not dissected as Diameter`);
      assert.doesNotMatch(f, /Malformed/i, `frame ${i + 1} (${name}) malformed:\n${f}`);
      assert.doesNotMatch(f, /Expert Info \((Warning|Error)/, `frame ${i + 1} (${name}) has an expert warning:\n${f}`);
      assert.doesNotMatch(f, /AVP: Unknown|Unknown AVP/i, `frame ${i + 1} (${name}) has an AVP tshark does not know:\n${f}`);
    });
    for (const k of ['CER', 'CEA', 'DWR', 'DWA', 'DER', 'DEA', 'MAR', 'MAA', 'UDR', 'UDA', 'PUR', 'PUA', 'DPR', 'DPA']) assert.ok(kinds.has(k), `no ${k} in the capture`);

    // Representative messages: first DER, DEA 1001, DEA 2001, DEA with Experimental-Result 5001, first MAR, resync MAR, first MAA.
    const pick: Record<string, number> = {};
    wire.forEach((w, i) => {
      const m = decodeMessage(w.bytes);
      const name = commandName(m.commandCode, isRequest(m));
      const r = resultOf(m);
      const hasAuthz = w.bytes.includes(Buffer.from([0x00, 0x00, 0x02, 0x62])); // SIP-Authorization code 610
      const key = name === 'DEA' ? `dea-${r && 'experimental' in r ? 'exp-' : ''}${r ? codeOf(r) : ''}`
        : name === 'MAR' ? (hasAuthz ? 'mar-resync' : 'mar')
        : name === 'DER' ? 'der' : name === 'MAA' ? 'maa' : name === 'UDR' ? 'udr' : name === 'PUR' ? 'pur' : name === 'UDA' && pick.pur !== undefined ? 'uda' : null;
      if (key && pick[key] === undefined) pick[key] = i;
    });
    for (const key of ['der', 'dea-1001', 'dea-2001', 'dea-exp-5001', 'mar', 'mar-resync', 'maa', 'udr', 'pur', 'uda']) {
      assert.ok(pick[key] !== undefined, `no ${key} captured`);
      const text = frames[pick[key]!]!;
      const hexFile = join(FIX, `${key}.hex`);
      const txtFile = join(FIX, `${key}.tshark.txt`);
      if (UPDATE || !existsSync(txtFile)) {
        assert.ok(UPDATE, `fixture ${txtFile} missing: run with OMNISEP_UPDATE_FIXTURES=1`);
        writeFileSync(hexFile, wire[pick[key]!]!.bytes.toString('hex') + '\n');
        writeFileSync(txtFile, text.trimEnd() + '\n');
      }
      assert.deepEqual(avpNames(text), avpNames(readFileSync(txtFile, 'utf8')), `${key}: AVP layout differs from ${txtFile}`);
      // The stored hex still decodes with our codec to the same AVP count.
      const stored = decodeMessage(Buffer.from(readFileSync(hexFile, 'utf8').trim(), 'hex'));
      assert.equal(stored.avps.length, decodeMessage(wire[pick[key]!]!.bytes).avps.length);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
