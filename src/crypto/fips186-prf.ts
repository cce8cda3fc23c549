/**
 * The FIPS 186-2 pseudo-random function of RFC 4187 §7 / RFC 4186 Appendix B:
 * FIPS 186-2 Change Notice 1, Appendix 3.1 with XSEED = 0, b = 160, the
 * function G of Appendix 3.3 built from the SHA-1 compression function, and
 * without the "mod q" step (RFC 4186 Appendix B).
 */

const H0 = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

/**
 * The message schedule and the zero-padded block, reused by every call: `g` is synchronous, and clears both before it
 * returns (they held key material; the block is all zeros again for the next call's padding).
 */
const W = new Uint32Array(80);
const BLOCK = Buffer.alloc(64);

/**
 * G(t, c): one SHA-1 compression of the 160-bit c padded with zeros to 512 bits,
 * starting from t = the SHA-1 initial value; no length padding (FIPS 186-2 App. 3.3).
 * Eight calls make an EAP-AKA key block: no typed array or block is allocated per call (docs/performance.md
 * § Eleventh round).
 */
export function g(c: Buffer): Buffer {
  const w = W;
  c.copy(BLOCK, 0, 0, Math.min(64, c.length));
  for (let i = 0; i < 16; i++) w[i] = BLOCK.readUInt32BE(i * 4);
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = H0[0]!, b = H0[1]!, cc = H0[2]!, d = H0[3]!, e = H0[4]!;
  for (let i = 0; i < 80; i++) {
    const f = i < 20 ? (b & cc) | (~b & d) : i < 40 ? b ^ cc ^ d : i < 60 ? (b & cc) | (b & d) | (cc & d) : b ^ cc ^ d;
    const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
    const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) >>> 0;
    e = d;
    d = cc;
    cc = ((b << 30) | (b >>> 2)) >>> 0;
    b = a;
    a = temp;
  }
  const out = Buffer.allocUnsafe(20);
  out.writeUInt32BE((a + H0[0]!) >>> 0, 0);
  out.writeUInt32BE((b + H0[1]!) >>> 0, 4);
  out.writeUInt32BE((cc + H0[2]!) >>> 0, 8);
  out.writeUInt32BE((d + H0[3]!) >>> 0, 12);
  out.writeUInt32BE((e + H0[4]!) >>> 0, 16);
  BLOCK.fill(0);
  w.fill(0);
  return out;
}

/** (1 + a + b) mod 2^160 over 20-byte big-endian buffers, into a new buffer. */
function addOnePlus(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(20);
  let carry = 1;
  for (let i = 19; i >= 0; i--) {
    const v = a[i]! + b[i]! + carry;
    out[i] = v & 0xff;
    carry = v >> 8;
  }
  return out;
}

/**
 * x_0 ‖ x_1 ‖ … of FIPS 186-2 CN1 seeded with XKEY (20 bytes), truncated to outLen bytes.
 *   for j: for i in 0,1: XVAL = XKEY; w_i = G(t, XVAL); XKEY = (1 + XKEY + w_i) mod 2^160
 *          x_j = w_0 ‖ w_1
 */
export function fips186Prf(xkey: Buffer, outLen: number): Buffer {
  if (xkey.length !== 20) throw new RangeError('fips186Prf: XKEY must be 20 bytes');
  let key: Buffer = Buffer.from(xkey);
  const parts: Buffer[] = [];
  let have = 0;
  while (have < outLen) {
    const w = g(key);
    key = addOnePlus(key, w);
    parts.push(w);
    have += 20;
  }
  return Buffer.concat(parts).subarray(0, outLen);
}
