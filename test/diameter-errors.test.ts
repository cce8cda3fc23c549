/**
 * RFC 6733 §7 error answers for requests whose frame is intact but whose contents are not: an AVP length of
 * 0, 7 or past the end of the message → 5014 DIAMETER_INVALID_AVP_LENGTH with the offending AVP in
 * Failed-AVP; reserved AVP flag bits → 3009; the E bit on a request → 3008. The connection stays open (the
 * next DWR is answered). A frame that cannot be delimited still closes the connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { AppId, Avp, CmdFlag, CommandCode, ResultCode } from '../src/codec/diameter/constants.js';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { avp, decodeAvps, encodeMessage, findAvp, getString, getU32, type DiameterMessage } from '../src/codec/diameter/message.js';
import { buildCer, buildDwr } from '../src/codec/diameter/base.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeConfig, quietLogger, rawClient } from './diameter-helpers.js';
import { writePcap } from './diameter-pcap.js';

const dict = defaultDictionary();

async function openServer() {
  const node = createDiameterNode(nodeConfig({ host: 'aaa.test.local', listen_ip: '127.0.0.1' }), { logger: quietLogger() });
  node.handle(AppId.SWm, CommandCode.DIAMETER_EAP, () => { throw new Error('a malformed request must never reach a handler'); });
  const { listen } = await node.start();
  const c = await rawClient(listen!.port);
  c.socket.write(encodeMessage(buildCer(dict, {
    host: 'raw.test.local', realm: 'test.local', hostIpAddresses: ['127.0.0.1'], vendorId: 0, productName: 'raw', originStateId: 1,
    supportedVendorIds: [10415], authApplicationIds: [AppId.SWm], acctApplicationIds: [], vendorSpecific: [],
  }, { hopByHop: 1, endToEnd: 1 })));
  const cea = await c.next();
  assert.equal(getU32(cea.avps, Avp.RESULT_CODE), ResultCode.DIAMETER_SUCCESS);
  return { node, c };
}

/** A DER with a well-formed Session-Id first, then the given raw bytes as its last AVP. */
function derWith(tail: Buffer, opts: { hbh: number; flags?: number }): Buffer {
  const base = encodeMessage({
    flags: opts.flags ?? CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm, hopByHop: opts.hbh, endToEnd: opts.hbh,
    avps: [avp(dict, 'Session-Id', `raw.test.local;1;${opts.hbh}`), avp(dict, 'Auth-Application-Id', AppId.SWm)],
  });
  const out = Buffer.concat([base, tail]);
  out.writeUIntBE(out.length, 1, 3);
  return out;
}

/** An AVP header (code, flags, length field as given) followed by `body`, padded to 4. */
function rawAvp(code: number, flags: number, lengthField: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(code, 0);
  h[4] = flags;
  h.writeUIntBE(lengthField, 5, 3);
  const b = Buffer.concat([h, body]);
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}

const answers: Buffer[] = [];

async function expectError(c: Awaited<ReturnType<typeof openServer>>['c'], frame: Buffer, hbh: number, code: number, failedAvpCode: number | null) {
  c.socket.write(frame);
  const ans: DiameterMessage = await c.next();
  answers.push(encodeMessage(ans));
  assert.equal(ans.hopByHop, hbh);
  assert.equal(ans.commandCode, CommandCode.DIAMETER_EAP);
  assert.equal(ans.flags & CmdFlag.R, 0, 'an answer');
  assert.equal(getU32(ans.avps, Avp.RESULT_CODE), code);
  assert.equal(getString(ans.avps, Avp.SESSION_ID), `raw.test.local;1;${hbh}`, 'the Session-Id read before the bad AVP is echoed');
  assert.equal((ans.flags & CmdFlag.E) !== 0, code >= 3000 && code < 4000, 'E bit exactly for protocol errors');
  const failed = findAvp(ans.avps, Avp.FAILED_AVP);
  if (failedAvpCode === null) assert.equal(failed, undefined);
  else {
    assert.ok(failed, 'Failed-AVP present');
    const inner = decodeAvps(failed.data);
    assert.equal(inner[0]!.code, failedAvpCode);
  }
  // The connection is still up: a DWR is answered.
  c.socket.write(encodeMessage(buildDwr(dict, { host: 'raw.test.local', realm: 'test.local' }, 1, { hopByHop: hbh + 1000, endToEnd: hbh + 1000 })));
  const dwa = await c.next();
  assert.equal(dwa.commandCode, CommandCode.DEVICE_WATCHDOG);
  assert.equal(getU32(dwa.avps, Avp.RESULT_CODE), ResultCode.DIAMETER_SUCCESS);
}

test('bad AVP lengths in an intact frame → 5014 with Failed-AVP; bad bits → 3009 / 3008; the connection stays up', { timeout: 30_000 }, async () => {
  const { node, c } = await openServer();
  try {
    // EAP-Payload (462) with length 0, 7 (shorter than a header) and one that runs past the message end.
    await expectError(c, derWith(rawAvp(462, 0x40, 0, Buffer.alloc(4)), { hbh: 11 }), 11, ResultCode.DIAMETER_INVALID_AVP_LENGTH, 462);
    await expectError(c, derWith(rawAvp(462, 0x40, 7, Buffer.alloc(4)), { hbh: 12 }), 12, ResultCode.DIAMETER_INVALID_AVP_LENGTH, 462);
    await expectError(c, derWith(rawAvp(462, 0x40, 400, Buffer.alloc(4)), { hbh: 13 }), 13, ResultCode.DIAMETER_INVALID_AVP_LENGTH, 462);
    // Auth-Request-Type (274) with a reserved flag bit (0x01).
    await expectError(c, derWith(rawAvp(274, 0x41, 12, Buffer.from([0, 0, 0, 3])), { hbh: 14 }), 14, ResultCode.DIAMETER_INVALID_AVP_BITS, 274);
    // The E bit on a request.
    await expectError(c, derWith(Buffer.alloc(0), { hbh: 15, flags: CmdFlag.R | CmdFlag.P | CmdFlag.E }), 15, ResultCode.DIAMETER_INVALID_HDR_BITS, null);
    assert.equal(node.status().peers[0]!.counters.errors, 5);

    // tshark dissects every error answer cleanly (Failed-AVP with the minimum-length payload included).
    const dir = mkdtempSync(join(tmpdir(), 'omnisep-tshark-err-'));
    try {
      const pcap = join(dir, 'errors.pcap');
      writeFileSync(pcap, writePcap(answers.map((bytes) => ({ flow: 'a', fromClient: false, bytes }))));
      const text = execFileSync('tshark', ['-r', pcap, '-V', '-o', 'tcp.analyze_sequence_numbers:FALSE'], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
      const frames = text.split(/^Frame \d+:/m).slice(1);
      assert.equal(frames.length, 5);
      for (const [i, f] of frames.entries()) {
        assert.match(f, /Diameter Protocol/);
        assert.doesNotMatch(f, /Malformed/i, `answer ${i + 1} malformed`);
        // §7.5 allows the Failed-AVP of a bad-length AVP to carry an empty payload: tshark notes "Data is empty"
        // for it, which is the only expert note accepted.
        const notes = [...f.matchAll(/\[Expert Info \((Warning|Error)[^\]]*\]: ([^\]]+)\]/g)].map((m) => m[2]!).filter((n) => n !== 'Data is empty');
        assert.deepEqual(notes, [], `answer ${i + 1} has expert notes`);
      }
      assert.match(frames[0]!, /Result-Code: DIAMETER_INVALID_AVP_LENGTH \(5014\)/);
      assert.match(frames[0]!, /Failed-AVP/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    c.socket.destroy();
    await node.stop();
  }
});

test('a frame that cannot be delimited (bad version) still closes the connection', { timeout: 30_000 }, async () => {
  const { node, c } = await openServer();
  try {
    const frame = derWith(Buffer.alloc(0), { hbh: 21 });
    frame[0] = 2;
    c.socket.write(frame);
    await c.closed;
  } finally {
    await node.stop();
  }
});

test('the diameter package\'s dictionary names AVPs we do not implement, in the 5001 text and the log, without making them supported', { timeout: 30_000 }, async () => {
  const { extendedDictionary } = await import('../daemon/diameter/legacy-adapter.js');
  const log = quietLogger();
  const node = createDiameterNode(nodeConfig({ host: 'aaa.test.local', listen_ip: '127.0.0.1' }), { logger: log, names: extendedDictionary() });
  node.handle(AppId.SWm, CommandCode.DIAMETER_EAP, () => { throw new Error('an unsupported mandatory AVP must not reach a handler'); });
  const { listen } = await node.start();
  const c = await rawClient(listen!.port);
  try {
    c.socket.write(encodeMessage(buildCer(dict, {
      host: 'raw.test.local', realm: 'test.local', hostIpAddresses: ['127.0.0.1'], vendorId: 0, productName: 'raw', originStateId: 1,
      supportedVendorIds: [10415], authApplicationIds: [AppId.SWm], acctApplicationIds: [], vendorSpecific: [],
    }, { hopByHop: 1, endToEnd: 1 })));
    await c.next();
    // User-Password (2, RFC 7155): in the package's dictionary, not implemented by us, sent with the M-bit.
    c.socket.write(derWith(rawAvp(2, 0x40, 12, Buffer.from('abcd')), { hbh: 31 }));
    const ans = await c.next();
    assert.equal(getU32(ans.avps, Avp.RESULT_CODE), ResultCode.DIAMETER_AVP_UNSUPPORTED);
    assert.match(getString(ans.avps, Avp.ERROR_MESSAGE) ?? '', /AVP 2 User-Password/);
    assert.ok(log.lines.some((l) => (l.obj as { avp_name?: string }).avp_name === 'User-Password'));
  } finally {
    c.socket.destroy();
    await node.stop();
  }
});
