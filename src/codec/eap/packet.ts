/**
 * EAP packet codec (RFC 3748 §4) with the EAP-AKA / EAP-AKA' body (RFC 4187 §8.1,
 * RFC 5448 §3). Pure. Every length is checked before it is read; a byte string
 * either decodes or throws one DecodeError.
 *
 *   Code(1) Identifier(1) Length(2) [Type(1) [Type-Data]]
 *   AKA Type-Data: Subtype(1) Reserved(2) Attributes
 *   Attribute: Type(1) Length(1, in 4-byte units, header included) Value
 *
 * Octets beyond Length are link-layer padding and ignored (RFC 3748 §4.1).
 */
import { DecodeError } from '../decode-error.js';
import { EapAttr, EapCode, EapType } from './constants.js';

export interface EapAttribute {
  type: number;
  /** The bytes after the 2-byte attribute header (length·4 − 2 bytes, reserved fields included). */
  data: Buffer;
}

export interface EapResultPacket {
  code: typeof EapCode.SUCCESS | typeof EapCode.FAILURE;
  identifier: number;
}

export interface EapDataPacket {
  code: typeof EapCode.REQUEST | typeof EapCode.RESPONSE;
  identifier: number;
  /** Any method but AKA/AKA' (Identity, Notification, Nak, …). */
  type: number;
  data: Buffer;
}

export interface EapAkaPacket {
  code: typeof EapCode.REQUEST | typeof EapCode.RESPONSE;
  identifier: number;
  type: typeof EapType.AKA | typeof EapType.AKA_PRIME;
  subtype: number;
  attributes: EapAttribute[];
}

export type EapPacket = EapResultPacket | EapDataPacket | EapAkaPacket;

export const isAkaPacket = (p: EapPacket): p is EapAkaPacket => 'subtype' in p;
export const isDataPacket = (p: EapPacket): p is EapDataPacket => 'data' in p;
export const isAkaType = (t: number): t is 23 | 50 => t === EapType.AKA || t === EapType.AKA_PRIME;

const fail = (offset: number, reason: string): never => {
  throw new DecodeError('eap', offset, reason);
};

/**
 * Per-attribute value rules (RFC 4187 §10): exact length in 4-byte units, or a minimum
 * plus a content check. Unknown attributes are kept as they are (the state machine
 * decides: non-skippable unknown → Client-Error, RFC 4187 §8.1).
 */
const EXACT_UNITS: Record<number, number> = {
  [EapAttr.AT_RAND]: 5,
  [EapAttr.AT_AUTN]: 5,
  [EapAttr.AT_AUTS]: 4,
  [EapAttr.AT_PERMANENT_ID_REQ]: 1,
  [EapAttr.AT_MAC]: 5,
  [EapAttr.AT_NOTIFICATION]: 1,
  [EapAttr.AT_ANY_ID_REQ]: 1,
  [EapAttr.AT_FULLAUTH_ID_REQ]: 1,
  [EapAttr.AT_COUNTER]: 1,
  [EapAttr.AT_COUNTER_TOO_SMALL]: 1,
  [EapAttr.AT_NONCE_S]: 5,
  [EapAttr.AT_CLIENT_ERROR_CODE]: 1,
  [EapAttr.AT_KDF]: 1,
  [EapAttr.AT_IV]: 5,
  [EapAttr.AT_RESULT_IND]: 1,
  [EapAttr.AT_BIDDING]: 1,
};
/** Attributes whose value starts with a 2-byte "actual length" in bytes, then the bytes, then padding. */
const ACTUAL_LENGTH = new Set<number>([EapAttr.AT_IDENTITY, EapAttr.AT_KDF_INPUT, EapAttr.AT_NEXT_PSEUDONYM, EapAttr.AT_NEXT_REAUTH_ID]);

function checkAttribute(type: number, units: number, data: Buffer, at: number): void {
  const exact = EXACT_UNITS[type];
  if (exact !== undefined) {
    if (units !== exact) fail(at + 1, `attribute ${type} must be ${exact * 4} bytes, is ${units * 4}`);
    return;
  }
  if (ACTUAL_LENGTH.has(type)) {
    const actual = data.readUInt16BE(0);
    if (actual > data.length - 2) fail(at + 2, `attribute ${type} actual length ${actual} exceeds its value`);
    if (data.length - 2 - actual >= 4) fail(at + 2, `attribute ${type} has more than 3 bytes of padding`);
    return;
  }
  switch (type) {
    case EapAttr.AT_RES: {
      // RFC 4187 §10.8: RES length in bits (32..128), RES, padding to 4 bytes.
      const bits = data.readUInt16BE(0);
      const bytes = Math.ceil(bits / 8);
      if (bits < 32 || bits > 128) fail(at + 2, `AT_RES length ${bits} bits outside 32..128`);
      if (bytes > data.length - 2 || data.length - 2 - bytes >= 4) fail(at + 2, `AT_RES length ${bits} bits does not match the attribute length`);
      return;
    }
    case EapAttr.AT_PADDING:
      if (units > 3) fail(at + 1, 'AT_PADDING longer than 12 bytes');
      for (let i = 0; i < data.length; i++) if (data[i] !== 0) fail(at + 2 + i, 'AT_PADDING not zero');
      return;
    case EapAttr.AT_ENCR_DATA:
      if (units < 5 || (data.length - 2) % 16 !== 0) fail(at + 1, 'AT_ENCR_DATA is not a whole number of 16-byte blocks');
      return;
    case EapAttr.AT_CHECKCODE:
      if (units !== 1 && units !== 6 && units !== 9) fail(at + 1, 'AT_CHECKCODE must be empty, 20 or 32 bytes');
      return;
  }
}

/** Decode one EAP packet. Throws DecodeError on anything malformed. */
export function decodeEap(buf: Buffer | Uint8Array): EapPacket {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 4) fail(0, `packet shorter than the 4-byte header (${b.length})`);
  const code = b[0]!;
  const identifier = b[1]!;
  const length = b.readUInt16BE(2);
  if (length < 4) fail(2, `Length ${length} below 4`);
  if (length > b.length) fail(2, `Length ${length} exceeds the ${b.length} bytes received`);
  if (code === EapCode.SUCCESS || code === EapCode.FAILURE) {
    if (length !== 4) fail(2, `Success/Failure carry no data (Length ${length})`);
    return { code, identifier };
  }
  if (code !== EapCode.REQUEST && code !== EapCode.RESPONSE) fail(0, `unknown Code ${code}`);
  const c = code as 1 | 2;
  if (length < 5) fail(2, 'Request/Response without a Type');
  const type = b[4]!;
  if (!isAkaType(type)) return { code: c, identifier, type, data: Buffer.from(b.subarray(5, length)) };
  if (length < 8) fail(5, 'AKA packet shorter than Type, Subtype and Reserved');
  const subtype = b[5]!;
  const attributes: EapAttribute[] = [];
  let off = 8;
  while (off < length) {
    if (length - off < 2) fail(off, 'truncated attribute header');
    const at = b[off]!;
    const units = b[off + 1]!;
    if (units === 0) fail(off + 1, `attribute ${at} with length 0`);
    const end = off + units * 4;
    if (end > length) fail(off + 1, `attribute ${at} runs past the packet (${units * 4} bytes)`);
    const data = Buffer.from(b.subarray(off + 2, end));
    checkAttribute(at, units, data, off);
    attributes.push({ type: at, data });
    off = end;
  }
  return { code: c, identifier, type, subtype, attributes };
}

/** Encode one EAP packet. Throws RangeError for values that cannot be put on the wire. */
export function encodeEap(p: EapPacket): Buffer {
  const byte = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`eap: ${what} must be 0..255`);
    return v;
  };
  byte(p.identifier, 'identifier');
  if (!('type' in p)) {
    if (p.code !== EapCode.SUCCESS && p.code !== EapCode.FAILURE) throw new RangeError('eap: Request/Response need a type');
    return Buffer.from([p.code, p.identifier, 0, 4]);
  }
  let body: Buffer;
  if (isAkaPacket(p)) {
    const parts: Buffer[] = [Buffer.from([byte(p.type, 'type'), byte(p.subtype, 'subtype'), 0, 0])];
    for (const a of p.attributes) {
      const total = a.data.length + 2;
      if (total % 4 !== 0 || total > 1020) throw new RangeError(`eap: attribute ${a.type} value of ${a.data.length} bytes is not 4n-2 (<= 1018)`);
      parts.push(Buffer.from([byte(a.type, 'attribute type'), total / 4]), a.data);
    }
    body = Buffer.concat(parts);
  } else {
    body = Buffer.concat([Buffer.from([byte(p.type, 'type')]), p.data]);
  }
  const length = 4 + body.length;
  if (length > 0xffff) throw new RangeError('eap: packet longer than 65535 bytes');
  const head = Buffer.from([p.code, p.identifier, length >> 8, length & 0xff]);
  return Buffer.concat([head, body]);
}
