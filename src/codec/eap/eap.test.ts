import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../decode-error.js';
import {
  AkaSubtype, attr, computeAtMac, computeCheckcode, decodeEap, describeEap, EapAttr, EapCode, EapType, encodeEap,
  isAkaPacket, read, signEap, verifyAtMac, type EapAttribute, type EapPacket,
} from './index.js';

const h = (s: string) => Buffer.from(s, 'hex');

// ---------------------------------------------------------------- generators
const attrData = (units: number) => fc.uint8Array({ minLength: units * 4 - 2, maxLength: units * 4 - 2 }).map((u) => Buffer.from(u));
/** Attributes that decodeEap accepts: the typed builders plus unknown types with arbitrary values. */
const arbAttribute: fc.Arbitrary<EapAttribute> = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => attr.rand(Buffer.from(u))),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => attr.autn(Buffer.from(u))),
  fc.integer({ min: 4, max: 16 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((u) => attr.res(Buffer.from(u))),
  fc.uint8Array({ minLength: 14, maxLength: 14 }).map((u) => attr.auts(Buffer.from(u))),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => attr.mac(Buffer.from(u))),
  fc.string({ maxLength: 80 }).map((s) => attr.identity(s)),
  fc.string({ maxLength: 40 }).map((s) => attr.kdfInput(s)),
  fc.integer({ min: 0, max: 65535 }).map((n) => attr.kdf(n)),
  fc.integer({ min: 0, max: 65535 }).map((n) => attr.notification(n)),
  fc.integer({ min: 0, max: 65535 }).map((n) => attr.clientErrorCode(n)),
  fc.constantFrom(attr.permanentIdReq(), attr.anyIdReq(), attr.fullauthIdReq(), attr.resultInd(), attr.bidding(true), attr.checkcode(), attr.padding(8)),
  fc.constantFrom(0, 20, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((u) => attr.checkcode(Buffer.from(u))),
  fc.integer({ min: 1, max: 4 }).chain((n) => fc.uint8Array({ minLength: n * 16, maxLength: n * 16 })).map((u) => attr.encrData(Buffer.from(u))),
  // unknown skippable and non-skippable attributes are kept as they are
  fc.record({ type: fc.constantFrom(5, 7, 99, 127, 128, 131, 200, 255), units: fc.integer({ min: 1, max: 6 }) }).chain(({ type, units }) => attrData(units).map((data) => ({ type, data }))),
);
const arbPacket: fc.Arbitrary<EapPacket> = fc.oneof(
  fc.record({ code: fc.constantFrom(EapCode.SUCCESS, EapCode.FAILURE), identifier: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    code: fc.constantFrom(EapCode.REQUEST, EapCode.RESPONSE),
    identifier: fc.integer({ min: 0, max: 255 }),
    type: fc.constantFrom(1, 2, 3, 4, 254),
    data: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  }),
  fc.record({
    code: fc.constantFrom(EapCode.REQUEST, EapCode.RESPONSE),
    identifier: fc.integer({ min: 0, max: 255 }),
    type: fc.constantFrom(EapType.AKA, EapType.AKA_PRIME),
    subtype: fc.integer({ min: 0, max: 255 }),
    attributes: fc.array(arbAttribute, { maxLength: 8 }),
  }),
) as fc.Arbitrary<EapPacket>;

describe('EAP codec (RFC 3748 / RFC 4187)', () => {
  it('decode(encode(p)) equals p (fast-check, 20 000 packets)', () => {
    fc.assert(
      fc.property(arbPacket, (p) => {
        // JSON form: fast-check records have a null prototype, Buffers become {type,data}
        assert.deepEqual(JSON.parse(JSON.stringify(decodeEap(encodeEap(p)))), JSON.parse(JSON.stringify(p)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('any byte string either decodes or throws DecodeError (fast-check, 20 000 strings)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (u) => {
        try {
          decodeEap(Buffer.from(u));
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('1 000 000 random and mutated byte strings: decode or DecodeError, nothing else escapes', () => {
    // xorshift32, seeded: reproducible without fast-check's per-run overhead
    let s = 0x9e3779b9;
    const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), s >>> 0);
    const seeds = fc.sample(arbPacket, { numRuns: 500, seed: 42 }).map((p) => encodeEap(p));
    let decoded = 0;
    let rejected = 0;
    // Stack traces are irrelevant here and dominate the cost of a million throws.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (let i = 0; i < 1_000_000; i++) {
        let b: Buffer;
        if (i % 2 === 0) {
          b = Buffer.allocUnsafe(rnd() % 96);
          for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff;
          if (b.length >= 4 && i % 4 === 0) {
            b[0] = 1 + (rnd() % 2); // plausible header
            b.writeUInt16BE(b.length, 2);
            if (b.length > 4) b[4] = rnd() & 1 ? 23 : 50;
          }
        } else {
          b = Buffer.from(seeds[rnd() % seeds.length]!);
          const flips = 1 + (rnd() % 4);
          for (let f = 0; f < flips && b.length > 0; f++) b[rnd() % b.length] = rnd() & 0xff;
          if (rnd() % 4 === 0) b = b.subarray(0, rnd() % (b.length + 1));
        }
        try {
          decodeEap(b);
          decoded++;
        } catch (e) {
          if (!(e instanceof DecodeError)) throw new Error(`non-DecodeError for ${b.toString('hex')}: ${String(e)}`);
          rejected++;
        }
      }
    } finally {
      Error.stackTraceLimit = limit;
    }
    assert.equal(decoded + rejected, 1_000_000);
    assert.ok(decoded > 1000 && rejected > 1000, `both outcomes exercised (${decoded}/${rejected})`);
  });

  it('checks every length before reading', () => {
    const cases: [string, string][] = [
      ['', 'shorter than the 4-byte header'],
      ['010000', 'shorter'],
      ['01000003', 'below 4'],
      ['01000010', 'exceeds'],
      ['03010005ff', 'Success/Failure carry no data'],
      ['01010004', 'without a Type'],
      ['0701000401', 'unknown Code'],
      ['010100061701', 'AKA packet shorter'],
      ['01010009170100000b', 'truncated attribute header'],
      ['0101000c1701000001000000', 'with length 0'],
      ['0101000c1701000001020000', 'runs past'],
      ['0101000c170100000b010000', 'must be 20 bytes'],
      ['0101000c1701000003010010', 'outside 32..128'],
      ['010100101701000003020040aabbcc', 'exceeds'],
      ['010100141701000003030020000000000000000000', 'AT_RES length'],
      ['01010010170100000e0200ffaabbccdd', 'actual length'],
      ['0101000c1701000006010001', 'not zero'],
    ];
    for (const [hex, reason] of cases) {
      assert.throws(
        () => decodeEap(h(hex)),
        (e: unknown) => e instanceof DecodeError && e.protocol === 'eap' && e.reason.includes(reason),
        `${hex} → ${reason}`,
      );
    }
  });

  it('ignores octets beyond Length (RFC 3748 §4.1) and keeps skippable attributes', () => {
    const p = decodeEap(h('0305000400ff'));
    assert.deepEqual(p, { code: 3, identifier: 5 });
    const q = decodeEap(h('0201000c170100008801000000'));
    assert.ok(isAkaPacket(q));
    assert.deepEqual(q.attributes, [{ type: 136, data: h('0000') }]);
  });

  it('AT_RES carries its length in bits; AT_IDENTITY its length in bytes', () => {
    const p = { code: 2, identifier: 7, type: 23, subtype: 1, attributes: [attr.res(h('28d7b0f2a2ec3de5')), attr.identity('0555444333222111')] } as EapPacket;
    const wire = encodeEap(p);
    assert.equal(wire.toString('hex'), '02070028' + '17010000' + '03030040' + '28d7b0f2a2ec3de5' + '0e050010' + '30353535343434333333323232313131');
    const d = decodeEap(wire);
    assert.ok(isAkaPacket(d));
    assert.deepEqual(read.res(d), { res: h('28d7b0f2a2ec3de5'), bits: 64 });
    assert.equal(read.identity(d), '0555444333222111');
  });
});

describe('AT_MAC and AT_CHECKCODE', () => {
  const kAut = h('0842ea722ff6835bfa2032499fc3ec23c2f0e388b4f07543ffc677f1696d71ea');
  it("AKA' AT_MAC is HMAC-SHA-256-128 over the packet with the MAC zeroed (independent construction)", () => {
    const p: EapPacket = {
      code: 1, identifier: 0x93, type: 50, subtype: 1,
      attributes: [attr.rand(h('81e92b6c0ee0e12ebceba8d92a99dfa5')), attr.autn(h('bb52e91c747ac3ab2a5c23d15ee351d5')), attr.kdfInput('WLAN'), attr.kdf(1), attr.mac()],
    };
    const signed = signEap(encodeEap(p), kAut);
    // build the same bytes by hand, RFC 4187 §8.1 / RFC 5448 §3.1 layout
    const raw = Buffer.concat([
      h('01930050320100000105000081e92b6c0ee0e12ebceba8d92a99dfa5'),
      h('02050000bb52e91c747ac3ab2a5c23d15ee351d5'),
      h('17020004') , Buffer.from('WLAN'),
      h('18010001'),
      h('0b050000'), Buffer.alloc(16),
    ]);
    assert.equal(raw.length, 0x50);
    const mac = createHmac('sha256', kAut).update(raw).digest().subarray(0, 16);
    assert.deepEqual(signed, Buffer.concat([raw.subarray(0, raw.length - 16), mac]));
    assert.ok(verifyAtMac(signed, kAut));
    const tampered = Buffer.from(signed);
    tampered[10]! ^= 1;
    assert.equal(verifyAtMac(tampered, kAut), false);
  });
  it('AKA AT_MAC is HMAC-SHA1-128; extra data (NONCE_S) is appended', () => {
    const k = kAut.subarray(0, 16);
    const wire = encodeEap({ code: 2, identifier: 1, type: 23, subtype: 1, attributes: [attr.res(h('28d7b0f2a2ec3de5')), attr.mac()] } as EapPacket);
    assert.deepEqual(computeAtMac(wire, k), createHmac('sha1', k).update(wire).digest().subarray(0, 16));
    const extra = Buffer.alloc(16, 7);
    assert.deepEqual(computeAtMac(wire, k, { extra }), createHmac('sha1', k).update(wire).update(extra).digest().subarray(0, 16));
    assert.equal(verifyAtMac(wire, k), false, 'all-zero MAC does not verify');
    assert.throws(() => computeAtMac(encodeEap({ code: 2, identifier: 1, type: 23, subtype: 2, attributes: [] } as EapPacket), k), DecodeError);
  });
  it('AT_CHECKCODE is empty without an identity round, else SHA-1 / SHA-256 of the AKA-Identity packets', () => {
    assert.equal(computeCheckcode('aka', []).length, 0);
    assert.equal(computeCheckcode('aka', [h('01'), h('02')]).length, 20);
    assert.equal(computeCheckcode('aka-prime', [h('01')]).length, 32);
  });
});

describe('describeEap', () => {
  it('names everything and redacts MAC and RES', () => {
    const wire = encodeEap({ code: 2, identifier: 3, type: 23, subtype: AkaSubtype.AKA_CHALLENGE, attributes: [attr.res(h('28d7b0f2a2ec3de5')), attr.mac(h('00112233445566778899aabbccddeeff'))] } as EapPacket);
    const d = describeEap(wire);
    assert.equal(d.code_name, 'RESPONSE');
    assert.equal(d.type_name, 'AKA');
    assert.equal(d.subtype_name, 'AKA_CHALLENGE');
    assert.deepEqual(d.attributes!.map((a) => a.name), ['AT_RES', 'AT_MAC']);
    const json = JSON.stringify(d);
    assert.ok(!json.includes('28d7b0f2') && !json.includes('00112233'));
    assert.ok(json.includes('[REDACTED]'));
    assert.equal(describeEap(h('0101')).error, 'packet shorter than the 4-byte header (2)');
    assert.equal(describeEap(encodeEap({ code: 2, identifier: 0, type: 1, data: Buffer.from('0001@x') })).identity, '0001@x');
    assert.equal(EapAttr.AT_RAND, 1);
  });
});

describe('AT_IV / AT_ENCR_DATA (RFC 4187 §10.12)', () => {
  it('round-trips nested attributes through AES-128-CBC with AT_PADDING; a wrong key does not decode', async () => {
    const { encryptAttributes, decryptAttributes } = await import('./encr.js');
    const kEncr = h('766fa0a6c317174b812d52fbcd11a179');
    const iv = h('000102030405060708090a0b0c0d0e0f');
    const inner = [{ type: EapAttr.AT_NEXT_PSEUDONYM, data: attr.identity('w8w49PexCazWJ&xCIARmxuMKht5S1sxR').data }, attr.counter(1)];
    const [ivAttr, enc] = encryptAttributes(kEncr, iv, inner);
    assert.equal(ivAttr!.type, EapAttr.AT_IV);
    assert.equal((enc!.data.length - 2) % 16, 0);
    const wire = encodeEap({ code: 1, identifier: 1, type: 23, subtype: 1, attributes: [ivAttr!, enc!] } as EapPacket);
    const p = decodeEap(wire);
    assert.ok(isAkaPacket(p));
    assert.deepEqual(decryptAttributes(kEncr, p.attributes[0]!.data.subarray(2), p.attributes[1]!.data.subarray(2)), inner);
    let wrongKey = 0;
    for (let i = 0; i < 20; i++) {
      try {
        decryptAttributes(Buffer.alloc(16, i + 1), iv, enc!.data.subarray(2));
      } catch (e) {
        assert.ok(e instanceof DecodeError);
        wrongKey++;
      }
    }
    assert.ok(wrongKey > 0);
    assert.throws(() => decryptAttributes(kEncr, iv, Buffer.alloc(15)), DecodeError);
  });
});
