/**
 * A JSON-friendly description of an EAP packet, for the simulator's step
 * printing and for logs: names from the specs, public values in hex, MAC,
 * RES and encrypted data replaced by "[REDACTED]".
 */
import { DecodeError } from '../decode-error.js';
import { REDACTED } from '../../util/secret.js';
import { AKA_SUBTYPE_NAMES, EAP_ATTR_NAMES, EAP_CODE_NAMES, EAP_TYPE_NAMES, EapAttr } from './constants.js';
import { decodeEap, isAkaPacket, type EapAttribute, type EapPacket } from './packet.js';

export interface EapAttributeDescription {
  type: number;
  name: string;
  length: number;
  value?: string | number | number[];
  skippable?: boolean;
}

export interface EapDescription {
  code: number;
  code_name: string;
  identifier: number;
  length: number;
  type?: number;
  type_name?: string;
  subtype?: number;
  subtype_name?: string;
  identity?: string;
  attributes?: EapAttributeDescription[];
  error?: string;
  error_offset?: number;
}

const REDACT = new Set<number>([EapAttr.AT_MAC, EapAttr.AT_ENCR_DATA, EapAttr.AT_NONCE_S]);

function describeAttribute(a: EapAttribute): EapAttributeDescription {
  const d: EapAttributeDescription = { type: a.type, name: EAP_ATTR_NAMES.get(a.type) ?? `AT_UNKNOWN_${a.type}`, length: a.data.length + 2 };
  if (a.type >= 128) d.skippable = true;
  const u16 = () => a.data.readUInt16BE(0);
  const actual = () => a.data.subarray(2, 2 + Math.min(u16(), a.data.length - 2)).toString('utf8');
  switch (a.type) {
    case EapAttr.AT_RAND:
    case EapAttr.AT_AUTN:
    case EapAttr.AT_IV:
    case EapAttr.AT_CHECKCODE:
      d.value = a.data.subarray(2).toString('hex');
      break;
    case EapAttr.AT_AUTS:
      d.value = a.data.toString('hex');
      break;
    case EapAttr.AT_RES:
      d.value = `${u16()} bits ${REDACTED}`;
      break;
    case EapAttr.AT_IDENTITY:
    case EapAttr.AT_KDF_INPUT:
    case EapAttr.AT_NEXT_PSEUDONYM:
    case EapAttr.AT_NEXT_REAUTH_ID:
      d.value = actual();
      break;
    case EapAttr.AT_NOTIFICATION:
    case EapAttr.AT_CLIENT_ERROR_CODE:
    case EapAttr.AT_KDF:
    case EapAttr.AT_COUNTER:
      d.value = u16();
      break;
    case EapAttr.AT_BIDDING:
      d.value = (a.data[0]! & 0x80) !== 0 ? 'D' : '';
      break;
    default:
      if (REDACT.has(a.type)) d.value = REDACTED;
  }
  return d;
}

/** Describe an already decoded packet. */
export function describeDecoded(p: EapPacket, length: number): EapDescription {
  const d: EapDescription = { code: p.code, code_name: EAP_CODE_NAMES.get(p.code) ?? String(p.code), identifier: p.identifier, length };
  if (!('type' in p)) return d;
  d.type = p.type;
  d.type_name = EAP_TYPE_NAMES.get(p.type) ?? `TYPE_${p.type}`;
  if (isAkaPacket(p)) {
    d.subtype = p.subtype;
    d.subtype_name = AKA_SUBTYPE_NAMES.get(p.subtype) ?? `SUBTYPE_${p.subtype}`;
    d.attributes = p.attributes.map(describeAttribute);
  } else if (p.type === 1) {
    d.identity = p.data.toString('utf8');
  }
  return d;
}

/** describeEap(packet) → {code, identifier, type, subtype, attributes…}; a malformed packet gives {error}. */
export function describeEap(packet: Buffer): EapDescription {
  try {
    return describeDecoded(decodeEap(packet), packet.length >= 4 ? packet.readUInt16BE(2) : packet.length);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return {
      code: packet[0] ?? -1,
      code_name: EAP_CODE_NAMES.get(packet[0] ?? -1) ?? 'malformed',
      identifier: packet[1] ?? -1,
      length: packet.length,
      error: e.reason,
      error_offset: e.offset,
    };
  }
}
