/**
 * Builders and readers for EAP-AKA attributes (RFC 4187 §10, RFC 5448 §3.1-3.2,
 * RFC 9048 §4 AT_BIDDING). Builders give the value bytes after the 2-byte
 * header; readers return undefined when the attribute is absent and throw
 * DecodeError when it is malformed.
 */
import { DecodeError } from '../decode-error.js';
import { EapAttr } from './constants.js';
import type { EapAkaPacket, EapAttribute } from './packet.js';

const reserved2 = (v: Buffer): Buffer => Buffer.concat([Buffer.alloc(2), v]);
const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const pad4 = (b: Buffer, headerBytes: number): Buffer => {
  const total = headerBytes + b.length;
  const padded = Math.ceil(total / 4) * 4;
  return Buffer.concat([b, Buffer.alloc(padded - total)]);
};
/** Value = actual length (2) ‖ bytes ‖ zero padding (AT_IDENTITY, AT_KDF_INPUT, AT_NEXT_*). */
const withActualLength = (b: Buffer): Buffer => Buffer.concat([u16(b.length), pad4(b, 4)]);
const fixed = (name: string, b: Buffer, len: number): Buffer => {
  if (b.length !== len) throw new RangeError(`${name} must be ${len} bytes`);
  return b;
};

export const attr = {
  rand: (rand: Buffer): EapAttribute => ({ type: EapAttr.AT_RAND, data: reserved2(fixed('RAND', rand, 16)) }),
  autn: (autn: Buffer): EapAttribute => ({ type: EapAttr.AT_AUTN, data: reserved2(fixed('AUTN', autn, 16)) }),
  /** AT_RES: RES length in bits, then RES padded to 4 bytes (RFC 4187 §10.8). */
  res: (res: Buffer, bits = res.length * 8): EapAttribute => {
    if (bits < 32 || bits > 128 || Math.ceil(bits / 8) !== res.length) throw new RangeError('RES must be 32..128 bits');
    return { type: EapAttr.AT_RES, data: Buffer.concat([u16(bits), pad4(res, 4)]) };
  },
  auts: (auts: Buffer): EapAttribute => ({ type: EapAttr.AT_AUTS, data: fixed('AUTS', auts, 14) }),
  /** AT_MAC with the value zeroed, to be filled by signEap (RFC 4187 §10.15). */
  mac: (mac: Buffer = Buffer.alloc(16)): EapAttribute => ({ type: EapAttr.AT_MAC, data: reserved2(fixed('MAC', mac, 16)) }),
  identity: (identity: string | Buffer): EapAttribute => ({
    type: EapAttr.AT_IDENTITY,
    data: withActualLength(typeof identity === 'string' ? Buffer.from(identity, 'utf8') : identity),
  }),
  permanentIdReq: (): EapAttribute => ({ type: EapAttr.AT_PERMANENT_ID_REQ, data: Buffer.alloc(2) }),
  anyIdReq: (): EapAttribute => ({ type: EapAttr.AT_ANY_ID_REQ, data: Buffer.alloc(2) }),
  fullauthIdReq: (): EapAttribute => ({ type: EapAttr.AT_FULLAUTH_ID_REQ, data: Buffer.alloc(2) }),
  notification: (code: number): EapAttribute => ({ type: EapAttr.AT_NOTIFICATION, data: u16(code) }),
  clientErrorCode: (code: number): EapAttribute => ({ type: EapAttr.AT_CLIENT_ERROR_CODE, data: u16(code) }),
  counter: (n: number): EapAttribute => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError('AT_COUNTER is 16 bits');
    return { type: EapAttr.AT_COUNTER, data: u16(n) };
  },
  /** AT_COUNTER_TOO_SMALL (RFC 4187 §10.17): no value, 2 reserved bytes. */
  counterTooSmall: (): EapAttribute => ({ type: EapAttr.AT_COUNTER_TOO_SMALL, data: Buffer.alloc(2) }),
  /** AT_NONCE_S (RFC 4187 §10.18): 2 reserved bytes, 16-byte nonce. */
  nonceS: (nonce: Buffer): EapAttribute => ({ type: EapAttr.AT_NONCE_S, data: reserved2(fixed('NONCE_S', nonce, 16)) }),
  /** AT_NEXT_PSEUDONYM / AT_NEXT_REAUTH_ID (RFC 4187 §10.10-10.11): actual length, then the username. */
  nextPseudonym: (id: string): EapAttribute => ({ type: EapAttr.AT_NEXT_PSEUDONYM, data: withActualLength(Buffer.from(id, 'utf8')) }),
  nextReauthId: (id: string): EapAttribute => ({ type: EapAttr.AT_NEXT_REAUTH_ID, data: withActualLength(Buffer.from(id, 'utf8')) }),
  /** AT_KDF_INPUT: the network name (RFC 5448 §3.1). */
  kdfInput: (networkName: string): EapAttribute => ({ type: EapAttr.AT_KDF_INPUT, data: withActualLength(Buffer.from(networkName, 'utf8')) }),
  kdf: (kdf: number): EapAttribute => ({ type: EapAttr.AT_KDF, data: u16(kdf) }),
  resultInd: (): EapAttribute => ({ type: EapAttr.AT_RESULT_IND, data: Buffer.alloc(2) }),
  /** AT_BIDDING with the D bit (RFC 9048 §4: server supports EAP-AKA'). */
  bidding: (d: boolean): EapAttribute => ({ type: EapAttr.AT_BIDDING, data: Buffer.from([d ? 0x80 : 0, 0]) }),
  /** AT_CHECKCODE: empty, or the 20 (AKA) / 32 (AKA') byte hash (RFC 4187 §10.13, RFC 5448 §3.4). */
  checkcode: (hash: Buffer = Buffer.alloc(0)): EapAttribute => {
    if (![0, 20, 32].includes(hash.length)) throw new RangeError('checkcode must be 0, 20 or 32 bytes');
    return { type: EapAttr.AT_CHECKCODE, data: reserved2(hash) };
  },
  iv: (iv: Buffer): EapAttribute => ({ type: EapAttr.AT_IV, data: reserved2(fixed('IV', iv, 16)) }),
  encrData: (cipher: Buffer): EapAttribute => {
    if (cipher.length === 0 || cipher.length % 16 !== 0) throw new RangeError('ENCR_DATA must be whole AES blocks');
    return { type: EapAttr.AT_ENCR_DATA, data: reserved2(cipher) };
  },
  padding: (bytes: 4 | 8 | 12): EapAttribute => ({ type: EapAttr.AT_PADDING, data: Buffer.alloc(bytes - 2) }),
};

const bad = (reason: string): never => {
  throw new DecodeError('eap', 0, reason);
};

export function findAttr(p: EapAkaPacket, type: number): EapAttribute | undefined {
  return p.attributes.find((a) => a.type === type);
}
export const hasAttr = (p: EapAkaPacket, type: number): boolean => p.attributes.some((a) => a.type === type);

/** Attributes that must appear at most once (RFC 4187 §8.1; AT_KDF may repeat, RFC 5448 §3.2). */
export function duplicateAttribute(p: EapAkaPacket): number | undefined {
  const seen = new Set<number>();
  for (const a of p.attributes) {
    if (a.type === EapAttr.AT_KDF || a.type === EapAttr.AT_PADDING) continue;
    if (seen.has(a.type)) return a.type;
    seen.add(a.type);
  }
  return undefined;
}

const fixedValue = (p: EapAkaPacket, type: number, from: number, len: number): Buffer | undefined => {
  const a = findAttr(p, type);
  if (!a) return undefined;
  if (a.data.length < from + len) bad(`attribute ${type} too short`);
  return a.data.subarray(from, from + len);
};
const actualLengthValue = (a: EapAttribute | undefined): Buffer | undefined => {
  if (!a) return undefined;
  if (a.data.length < 2) bad(`attribute ${a.type} too short`);
  const n = a.data.readUInt16BE(0);
  if (n > a.data.length - 2) bad(`attribute ${a.type} actual length exceeds value`);
  return a.data.subarray(2, 2 + n);
};
const u16Value = (p: EapAkaPacket, type: number): number | undefined => {
  const a = findAttr(p, type);
  if (!a) return undefined;
  if (a.data.length < 2) bad(`attribute ${type} too short`);
  return a.data.readUInt16BE(0);
};

export const read = {
  rand: (p: EapAkaPacket) => fixedValue(p, EapAttr.AT_RAND, 2, 16),
  autn: (p: EapAkaPacket) => fixedValue(p, EapAttr.AT_AUTN, 2, 16),
  auts: (p: EapAkaPacket) => fixedValue(p, EapAttr.AT_AUTS, 0, 14),
  mac: (p: EapAkaPacket) => fixedValue(p, EapAttr.AT_MAC, 2, 16),
  /** RES and its length in bits (RFC 4187 §10.8). */
  res: (p: EapAkaPacket): { res: Buffer; bits: number } | undefined => {
    const a = findAttr(p, EapAttr.AT_RES);
    if (!a) return undefined;
    if (a.data.length < 2) bad('AT_RES too short');
    const bits = a.data.readUInt16BE(0);
    const n = Math.ceil(bits / 8);
    if (n > a.data.length - 2) bad('AT_RES bit length exceeds value');
    return { res: a.data.subarray(2, 2 + n), bits };
  },
  identity: (p: EapAkaPacket): string | undefined => actualLengthValue(findAttr(p, EapAttr.AT_IDENTITY))?.toString('utf8'),
  kdfInput: (p: EapAkaPacket): string | undefined => actualLengthValue(findAttr(p, EapAttr.AT_KDF_INPUT))?.toString('utf8'),
  /** Every AT_KDF in order (RFC 5448 §3.2: the first is the server's preference). */
  kdfs: (p: EapAkaPacket): number[] => p.attributes.filter((a) => a.type === EapAttr.AT_KDF).map((a) => (a.data.length < 2 ? bad('AT_KDF too short') : a.data.readUInt16BE(0))),
  notification: (p: EapAkaPacket) => u16Value(p, EapAttr.AT_NOTIFICATION),
  clientErrorCode: (p: EapAkaPacket) => u16Value(p, EapAttr.AT_CLIENT_ERROR_CODE),
  checkcode: (p: EapAkaPacket): Buffer | undefined => findAttr(p, EapAttr.AT_CHECKCODE)?.data.subarray(2),
  idReq: (p: EapAkaPacket): 'permanent' | 'fullauth' | 'any' | undefined =>
    hasAttr(p, EapAttr.AT_PERMANENT_ID_REQ) ? 'permanent' : hasAttr(p, EapAttr.AT_FULLAUTH_ID_REQ) ? 'fullauth' : hasAttr(p, EapAttr.AT_ANY_ID_REQ) ? 'any' : undefined,
  resultInd: (p: EapAkaPacket) => hasAttr(p, EapAttr.AT_RESULT_IND),
  iv: (p: EapAkaPacket) => fixedValue(p, EapAttr.AT_IV, 2, 16),
  /** The ciphertext of AT_ENCR_DATA (RFC 4187 §10.12), or undefined. */
  encrData: (p: EapAkaPacket): Buffer | undefined => findAttr(p, EapAttr.AT_ENCR_DATA)?.data.subarray(2),
  /** AT_BIDDING D bit, or undefined if absent. */
  bidding: (p: EapAkaPacket): boolean | undefined => {
    const a = findAttr(p, EapAttr.AT_BIDDING);
    return a ? (a.data[0]! & 0x80) !== 0 : undefined;
  },
};

/**
 * Readers over the attributes found inside AT_ENCR_DATA (decryptAttributes): AT_COUNTER,
 * AT_COUNTER_TOO_SMALL, AT_NONCE_S, AT_NEXT_PSEUDONYM, AT_NEXT_REAUTH_ID (RFC 4187 §10.16-10.18, §10.10-10.11).
 */
const inner = (list: readonly EapAttribute[], type: number) => list.find((a) => a.type === type);
export const readInner = {
  counter: (list: readonly EapAttribute[]): number | undefined => {
    const a = inner(list, EapAttr.AT_COUNTER);
    if (!a) return undefined;
    if (a.data.length !== 2) bad('AT_COUNTER must be 4 bytes');
    return a.data.readUInt16BE(0);
  },
  counterTooSmall: (list: readonly EapAttribute[]): boolean => inner(list, EapAttr.AT_COUNTER_TOO_SMALL) !== undefined,
  nonceS: (list: readonly EapAttribute[]): Buffer | undefined => {
    const a = inner(list, EapAttr.AT_NONCE_S);
    if (!a) return undefined;
    if (a.data.length !== 18) bad('AT_NONCE_S must be 20 bytes');
    return a.data.subarray(2);
  },
  nextPseudonym: (list: readonly EapAttribute[]): string | undefined => actualLengthValue(inner(list, EapAttr.AT_NEXT_PSEUDONYM))?.toString('utf8'),
  nextReauthId: (list: readonly EapAttribute[]): string | undefined => actualLengthValue(inner(list, EapAttr.AT_NEXT_REAUTH_ID))?.toString('utf8'),
  /** RFC 4187 §8.1 applies inside AT_ENCR_DATA too: one of each. */
  duplicate: (list: readonly EapAttribute[]): number | undefined => {
    const seen = new Set<number>();
    for (const a of list) {
      if (seen.has(a.type)) return a.type;
      seen.add(a.type);
    }
    return undefined;
  },
};
