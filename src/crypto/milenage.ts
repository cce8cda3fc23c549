/**
 * MILENAGE (3GPP TS 35.205 / TS 35.206 §4): the f1, f1*, f2, f3, f4, f5, f5*
 * functions on AES-128, OPc derivation, AUTN (TS 33.102 §6.3.2) and AUTS
 * (TS 33.102 §6.3.3) construction, and SQN_MS recovery from AUTS.
 *
 * Pure: no I/O, no clock. Keys may be given as Buffers or as Secret<Buffer>.
 */
import { createCipheriv, timingSafeEqual } from 'node:crypto';
import type { AuthVector } from '../aka/types.js';
import { Secret } from '../util/secret.js';

export type KeyInput = Buffer | Secret<Buffer>;

/** The bytes of a key given as a Buffer or a Secret<Buffer>. */
export const revealKey = (k: KeyInput): Buffer => (k instanceof Secret ? k.reveal() : k);
const reveal = revealKey;

function need(name: string, b: Buffer, len: number): Buffer {
  if (!Buffer.isBuffer(b) || b.length !== len) throw new RangeError(`milenage: ${name} must be ${len} bytes`);
  return b;
}

/** E_K over whole 16-byte blocks (ECB: each block independent), one cipher object per key use. */
function aesBlocks(k: Buffer): (x: Buffer) => Buffer {
  const c = createCipheriv('aes-128-ecb', k, null);
  c.setAutoPadding(false);
  return (x) => c.update(x);
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** rot(x, r): cyclic left rotation of the 128-bit x by r bits (r a multiple of 8 here, TS 35.206 §4.1). */
function rot(x: Buffer, r: number): Buffer {
  const n = (r / 8) % 16;
  return Buffer.concat([x.subarray(n), x.subarray(0, n)]);
}

/** The constants c1..c5 of TS 35.206 §4.1: c1 = 0, c2 = 1, c3 = 2, c4 = 4, c5 = 8 (in the last byte). */
const C = [0, 1, 2, 4, 8].map((v) => {
  const b = Buffer.alloc(16);
  b[15] = v;
  return b;
});
/** Rotations r1..r5 in bits (TS 35.206 §4.1). */
const R = [64, 0, 32, 64, 96];

/** OPc = OP ⊕ E_K(OP) (TS 35.206 §4.1). */
export function computeOpc(k: KeyInput, op: KeyInput): Buffer {
  const kb = need('K', reveal(k), 16);
  const opb = need('OP', reveal(op), 16);
  return xor(aesBlocks(kb)(opb), opb);
}

const SQN_LIMIT = (1n << 48n) - 1n;

/** SQN as a 6-byte big-endian Buffer. */
export function sqnToBuffer(sqn: bigint | Buffer): Buffer {
  if (Buffer.isBuffer(sqn)) return need('SQN', sqn, 6);
  if (sqn < 0n || sqn > SQN_LIMIT) throw new RangeError('milenage: SQN must fit 48 bits');
  const hi = Number(sqn >> 24n);
  const lo = Number(sqn & 0xffffffn);
  return Buffer.from([hi >>> 16, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 16, (lo >>> 8) & 0xff, lo & 0xff]);
}

export const sqnFromBuffer = (b: Buffer): bigint => BigInt(b.readUIntBE(0, 6));

function amfToBuffer(amf: Buffer | number): Buffer {
  if (Buffer.isBuffer(amf)) return need('AMF', amf, 2);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(amf & 0xffff);
  return b;
}

export interface MilenageOutput {
  /** f1: network authentication code MAC-A (8). */
  macA: Buffer;
  /** f1*: resynchronisation authentication code MAC-S (8). */
  macS: Buffer;
  /** f2: RES (8). */
  res: Buffer;
  /** f3: cipher key CK (16). */
  ck: Buffer;
  /** f4: integrity key IK (16). */
  ik: Buffer;
  /** f5: anonymity key AK (6). */
  ak: Buffer;
  /** f5*: resynchronisation anonymity key AK* (6). */
  akStar: Buffer;
}

type Aes = (x: Buffer) => Buffer;

/** The RAND-only part (f2..f5*), shared by the network and the USIM. */
function f2345(aes: Aes, opc: Buffer, temp: Buffer) {
  // OUT_i = E_K(rot(TEMP ⊕ OPc, r_i) ⊕ c_i) ⊕ OPc, i = 2..5 — four independent blocks, one AES call
  const t = xor(temp, opc);
  const ins = Buffer.concat([1, 2, 3, 4].map((i) => xor(rot(t, R[i]!), C[i]!)));
  const enc = aes(ins);
  const out = (j: number) => xor(enc.subarray(j * 16, j * 16 + 16), opc);
  const out2 = out(0);
  return {
    ak: out2.subarray(0, 6), // f5 = OUT2[0..47]
    res: out2.subarray(8, 16), // f2 = OUT2[64..127]
    ck: out(1), // f3 = OUT3
    ik: out(2), // f4 = OUT4
    akStar: out(3).subarray(0, 6), // f5* = OUT5[0..47]
  };
}

/** f1 / f1*: OUT1 = E_K(TEMP ⊕ rot(IN1 ⊕ OPc, r1) ⊕ c1) ⊕ OPc, IN1 = SQN‖AMF‖SQN‖AMF. */
function f1Both(aes: Aes, opc: Buffer, temp: Buffer, sqn: Buffer, amf: Buffer): { macA: Buffer; macS: Buffer } {
  const in1 = Buffer.concat([sqn, amf, sqn, amf]);
  const out1 = xor(aes(xor(xor(temp, rot(xor(in1, opc), R[0]!)), C[0]!)), opc);
  return { macA: out1.subarray(0, 8), macS: out1.subarray(8, 16) };
}

/** Check K, OPc, RAND; set up AES under K; TEMP = E_K(RAND ⊕ OPc). */
function begin(k: KeyInput, opc: KeyInput, rand: Buffer): { aes: Aes; opcb: Buffer; temp: Buffer } {
  const kb = need('K', reveal(k), 16);
  const opcb = need('OPc', reveal(opc), 16);
  need('RAND', rand, 16);
  const aes = aesBlocks(kb);
  return { aes, opcb, temp: aes(xor(rand, opcb)) };
}

/** All MILENAGE outputs for one (K, OPc, RAND, SQN, AMF). */
export function milenage(k: KeyInput, opc: KeyInput, rand: Buffer, sqn: bigint | Buffer, amf: Buffer | number): MilenageOutput {
  const { aes, opcb, temp } = begin(k, opc, rand);
  return { ...f1Both(aes, opcb, temp, sqnToBuffer(sqn), amfToBuffer(amf)), ...f2345(aes, opcb, temp) };
}

/** AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A (TS 33.102 §6.3.2). */
export function buildAutn(sqn: bigint | Buffer, ak: Buffer, amf: Buffer | number, macA: Buffer): Buffer {
  return Buffer.concat([xor(sqnToBuffer(sqn), need('AK', ak, 6)), amfToBuffer(amf), need('MAC-A', macA, 8)]);
}

export interface GenerateVectorInput {
  k: KeyInput;
  opc: KeyInput;
  amf: Buffer | number;
  sqn: bigint | Buffer;
  rand: Buffer;
}

/** One authentication vector (RAND, AUTN, XRES, CK, IK) as the HE/AuC makes it (TS 33.102 §6.3.2). */
export function generateVector(input: GenerateVectorInput): AuthVector {
  const sqn = sqnToBuffer(input.sqn);
  const amf = amfToBuffer(input.amf);
  const o = milenage(input.k, input.opc, input.rand, sqn, amf);
  return {
    rand: Buffer.from(input.rand),
    autn: buildAutn(sqn, o.ak, amf, o.macA),
    xres: Buffer.from(o.res),
    ck: new Secret(Buffer.from(o.ck)),
    ik: new Secret(Buffer.from(o.ik)),
  };
}

/** The dummy AMF used for f1* in re-synchronisation (TS 33.102 §6.3.3). */
export const RESYNC_AMF = Buffer.alloc(2);

/** AUTS = (SQN_MS ⊕ AK*) ‖ MAC-S, MAC-S = f1*_K(SQN_MS ‖ RAND ‖ AMF=0000) (TS 33.102 §6.3.3); the USIM side. */
export function buildAuts(input: { k: KeyInput; opc: KeyInput; rand: Buffer; sqnMs: bigint | Buffer }): Buffer {
  const o = milenage(input.k, input.opc, input.rand, input.sqnMs, RESYNC_AMF);
  return Buffer.concat([xor(sqnToBuffer(input.sqnMs), o.akStar), o.macS]);
}

/**
 * The HE/AuC side of re-synchronisation (TS 33.102 §6.3.5): SQN_MS = AUTS[0..5] ⊕ f5*(RAND),
 * then MAC-S is checked with f1* and AMF 0000. `ok` is false if MAC-S does not verify; the
 * caller must then not move its SQN.
 */
export function recoverSqnFromAuts(input: { k: KeyInput; opc: KeyInput; rand: Buffer; auts: Buffer }): { sqnMs: bigint; ok: boolean } {
  need('AUTS', input.auts, 14);
  const { aes, opcb, temp } = begin(input.k, input.opc, input.rand);
  const { akStar } = f2345(aes, opcb, temp);
  const sqnMsBuf = xor(input.auts.subarray(0, 6), akStar);
  const { macS } = f1Both(aes, opcb, temp, sqnMsBuf, RESYNC_AMF);
  return { sqnMs: sqnFromBuffer(sqnMsBuf), ok: timingSafeEqual(macS, input.auts.subarray(6, 14)) };
}

export interface UsimResult {
  /** SQN recovered from AUTN (SQN ⊕ AK ⊕ AK). */
  sqn: bigint;
  amf: Buffer;
  /** true if MAC-A in AUTN equals XMAC-A. */
  macOk: boolean;
  res: Buffer;
  ck: Buffer;
  ik: Buffer;
}

/** The USIM's AUTHENTICATE (TS 33.102 §6.3.3): recover SQN, check MAC-A, compute RES/CK/IK. SQN range is the caller's check. */
export function usimAuthenticate(input: { k: KeyInput; opc: KeyInput; rand: Buffer; autn: Buffer }): UsimResult {
  need('AUTN', input.autn, 16);
  const { aes, opcb, temp } = begin(input.k, input.opc, input.rand);
  const rest = f2345(aes, opcb, temp);
  const sqnBuf = xor(input.autn.subarray(0, 6), rest.ak);
  const amf = Buffer.from(input.autn.subarray(6, 8));
  const { macA } = f1Both(aes, opcb, temp, sqnBuf, amf);
  return {
    sqn: sqnFromBuffer(sqnBuf),
    amf,
    macOk: timingSafeEqual(macA, input.autn.subarray(8, 16)),
    res: Buffer.from(rest.res),
    ck: Buffer.from(rest.ck),
    ik: Buffer.from(rest.ik),
  };
}
