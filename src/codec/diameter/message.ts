/**
 * Diameter message and AVP codec (RFC 6733 §3 header, §4 AVPs, §4.2-4.3 data
 * formats). Pure: no I/O, no clock. Decoding keeps every AVP (known or not)
 * as code/vendor/flags/raw bytes, so an unknown AVP is carried and ignored,
 * never thrown on; typed values are read on demand through the dictionary.
 * Every length is checked before it is read; bad input throws DecodeError.
 */
import { isIP } from 'node:net';
import { DecodeError } from '../decode-error.js';
import {
  AVP_HEADER_LENGTH, AVP_VENDOR_HEADER_LENGTH, AvpFlag, CmdFlag, DIAMETER_VERSION, HEADER_LENGTH, Avp, VENDOR_3GPP,
} from './constants.js';
import type { AvpDef, AvpType, Dictionary } from './dictionary.js';
import type { DiameterResult } from './result.js';

export interface DiameterAvp {
  code: number;
  vendorId: number;
  /** The AVP flags octet (V 0x80, M 0x40, P 0x20). */
  flags: number;
  /** The value without padding. */
  data: Buffer;
}

export interface DiameterMessage {
  /** The command flags octet (R 0x80, P 0x40, E 0x20, T 0x10). */
  flags: number;
  commandCode: number;
  applicationId: number;
  hopByHop: number;
  endToEnd: number;
  avps: DiameterAvp[];
}

const fail = (offset: number, reason: string): never => {
  throw new DecodeError('diameter', offset, reason);
};

/**
 * A message whose frame is intact (the header's length matched) but whose header bits or AVPs are wrong:
 * RFC 6733 §7 wants an answer, not a dropped connection. Carries the Result-Code to answer with and, for
 * an AVP error, the offending AVP's header (code, flags, vendor) and the AVPs decoded before it.
 */
export class MalformedMessageError extends DecodeError {
  constructor(
    offset: number,
    reason: string,
    readonly resultCode: number,
    readonly failed: { code: number; flags: number; vendorId: number } | null,
    readonly decodedBefore: DiameterAvp[],
  ) {
    super('diameter', offset, reason);
  }
}

/** RFC 6733 §7.1.3/§7.1.5 codes used for malformed messages inside an intact frame. */
const INVALID_HDR_BITS = 3008;
const INVALID_AVP_BITS = 3009;
const INVALID_AVP_LENGTH = 5014;
/** §4.1: the AVP flag bits other than V, M and P are reserved and must be 0. */
const AVP_RESERVED_BITS = 0x1f;

const pad4 = (n: number): number => (n + 3) & ~3;

/** RFC 6733 §3: the length field of a header, or throws for anything that cannot start a message. */
export function readHeaderLength(buf: Buffer, offset = 0): number {
  if (buf.length - offset < 4) fail(offset, 'truncated header');
  const version = buf[offset]!;
  if (version !== DIAMETER_VERSION) fail(offset, `unsupported version ${version}`);
  const length = buf.readUIntBE(offset + 1, 3);
  if (length < HEADER_LENGTH) fail(offset + 1, `message length ${length} < ${HEADER_LENGTH}`);
  if (length % 4 !== 0) fail(offset + 1, `message length ${length} not a multiple of 4`);
  return length;
}

/** Decodes the AVPs in buf[start, end); `base` is added to offsets in errors. */
export function decodeAvps(buf: Buffer, start = 0, end = buf.length, base = 0): DiameterAvp[] {
  return walkAvps(buf, start, end, base, false);
}

/**
 * The AVP walk. With `typed`, errors are MalformedMessageError with the §7 Result-Code (the top level of a
 * message, where the answer names the offending AVP); otherwise plain DecodeError (Grouped contents).
 */
function walkAvps(buf: Buffer, start: number, end: number, base: number, typed: boolean): DiameterAvp[] {
  const avps: DiameterAvp[] = [];
  const bad = (at: number, reason: string, code: number, failed: MalformedMessageError['failed']): never => {
    if (typed) throw new MalformedMessageError(base + at, reason, code, failed, avps);
    return fail(base + at, reason);
  };
  let p = start;
  while (p < end) {
    if (end - p < AVP_HEADER_LENGTH) bad(p, 'truncated AVP header', INVALID_AVP_LENGTH, null);
    const code = buf.readUInt32BE(p);
    const flags = buf[p + 4]!;
    const length = buf.readUIntBE(p + 5, 3);
    const vendor = (flags & AvpFlag.V) !== 0;
    const hdr = vendor ? AVP_VENDOR_HEADER_LENGTH : AVP_HEADER_LENGTH;
    const vendorId = vendor && end - p >= AVP_VENDOR_HEADER_LENGTH ? buf.readUInt32BE(p + 8) : 0;
    const failed = { code, flags, vendorId };
    if (length < hdr) bad(p + 5, `AVP ${code} length ${length} shorter than its header`, INVALID_AVP_LENGTH, failed);
    if (p + length > end) bad(p + 5, `AVP ${code} length ${length} overruns its container`, INVALID_AVP_LENGTH, failed);
    if (typed && flags & AVP_RESERVED_BITS) bad(p + 4, `AVP ${code} has reserved flag bits set`, INVALID_AVP_BITS, failed);
    avps.push({ code, vendorId, flags, data: buf.subarray(p + hdr, p + length) });
    // The last AVP's padding may be missing only if the container is short by it (§4.1 requires it; be strict).
    const next = p + pad4(length);
    if (next > end) bad(p + length, `AVP ${code} padding overruns its container`, INVALID_AVP_LENGTH, failed);
    p = next;
  }
  return avps;
}

/** The fixed header fields of a frame whose length is intact, for answering a malformed request. */
export function readHeaderFields(buf: Buffer): Omit<DiameterMessage, 'avps'> | null {
  if (buf.length < HEADER_LENGTH) return null;
  return {
    flags: buf[4]!, commandCode: buf.readUIntBE(5, 3), applicationId: buf.readUInt32BE(8),
    hopByHop: buf.readUInt32BE(12), endToEnd: buf.readUInt32BE(16),
  };
}

/** Decodes one whole message (exactly `length` bytes, as the framer delivers). */
export function decodeMessage(buf: Buffer): DiameterMessage {
  const length = readHeaderLength(buf);
  if (buf.length < HEADER_LENGTH) fail(0, 'truncated header');
  if (length !== buf.length) fail(1, `message length ${length} but ${buf.length} bytes given`);
  const flags = buf[4]!;
  const badBits = flags & 0x0f ? 'reserved command flag bits set' : (flags & CmdFlag.R) && (flags & CmdFlag.E) ? 'E bit set on a request' : null;
  if (badBits) {
    // The answer echoes the Session-Id, so read the AVPs if they are readable.
    let avps: DiameterAvp[] = [];
    try { avps = walkAvps(buf, HEADER_LENGTH, length, 0, false); } catch { /* answered without them */ }
    throw new MalformedMessageError(4, badBits, INVALID_HDR_BITS, null, avps);
  }
  return {
    flags,
    commandCode: buf.readUIntBE(5, 3),
    applicationId: buf.readUInt32BE(8),
    hopByHop: buf.readUInt32BE(12),
    endToEnd: buf.readUInt32BE(16),
    avps: walkAvps(buf, HEADER_LENGTH, length, 0, true),
  };
}

const avpLength = (a: DiameterAvp): number =>
  (a.vendorId !== 0 || a.flags & AvpFlag.V ? AVP_VENDOR_HEADER_LENGTH : AVP_HEADER_LENGTH) + a.data.length;

function writeAvp(out: Buffer, p: number, a: DiameterAvp): number {
  const vendor = a.vendorId !== 0 || (a.flags & AvpFlag.V) !== 0;
  const len = avpLength(a);
  out.writeUInt32BE(a.code >>> 0, p);
  out[p + 4] = (a.flags & ~AvpFlag.V & 0xff) | (vendor ? AvpFlag.V : 0);
  out.writeUIntBE(len, p + 5, 3);
  let q = p + AVP_HEADER_LENGTH;
  if (vendor) { out.writeUInt32BE(a.vendorId >>> 0, q); q += 4; }
  a.data.copy(out, q);
  q += a.data.length;
  const end = p + pad4(len);
  out.fill(0, q, end);
  return end;
}

/** Encodes AVPs back to back with padding (the body of a Grouped AVP or of a message). */
export function encodeAvps(avps: readonly DiameterAvp[]): Buffer {
  let total = 0;
  for (const a of avps) total += pad4(avpLength(a));
  const out = Buffer.allocUnsafe(total);
  let p = 0;
  for (const a of avps) p = writeAvp(out, p, a);
  return out;
}

export function encodeMessage(m: DiameterMessage): Buffer {
  let total = HEADER_LENGTH;
  for (const a of m.avps) total += pad4(avpLength(a));
  if (total > 0xffffff) throw new RangeError(`diameter message of ${total} bytes exceeds the 24-bit length`);
  const out = Buffer.allocUnsafe(total);
  out[0] = DIAMETER_VERSION;
  out.writeUIntBE(total, 1, 3);
  out[4] = m.flags & 0xf0;
  out.writeUIntBE(m.commandCode, 5, 3);
  out.writeUInt32BE(m.applicationId >>> 0, 8);
  out.writeUInt32BE(m.hopByHop >>> 0, 12);
  out.writeUInt32BE(m.endToEnd >>> 0, 16);
  let p = HEADER_LENGTH;
  for (const a of m.avps) p = writeAvp(out, p, a);
  return out;
}

// ---------------------------------------------------------------------------
// Typed values (§4.2 basic, §4.3 derived formats)

export type AvpValue = string | number | bigint | Buffer | DiameterAvp[];

/** NTP epoch (1900) to Unix epoch, seconds: the Time format (§4.3.1). */
export const NTP_OFFSET = 2208988800;

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export function encodeValue(type: AvpType, value: AvpValue): Buffer {
  if (Array.isArray(value)) {
    if (type !== 'Grouped') throw new TypeError(`a list of AVPs given for a ${type}`);
    return encodeAvps(value);
  }
  switch (type) {
    case 'Grouped':
      if (Buffer.isBuffer(value)) return value;
      throw new TypeError('a Grouped AVP takes a list of AVPs');
    case 'OctetString': case 'UTF8String': case 'DiameterIdentity': case 'DiameterURI': case 'IPFilterRule':
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
    case 'Unsigned32': case 'Enumerated': case 'Integer32': {
      const b = Buffer.allocUnsafe(4);
      if (type === 'Unsigned32') b.writeUInt32BE(Number(value));
      else b.writeInt32BE(Number(value));
      return b;
    }
    case 'Unsigned64': case 'Integer64': {
      const b = Buffer.allocUnsafe(8);
      if (type === 'Unsigned64') b.writeBigUInt64BE(BigInt(value as number | bigint));
      else b.writeBigInt64BE(BigInt(value as number | bigint));
      return b;
    }
    case 'Float32': { const b = Buffer.allocUnsafe(4); b.writeFloatBE(Number(value)); return b; }
    case 'Float64': { const b = Buffer.allocUnsafe(8); b.writeDoubleBE(Number(value)); return b; }
    case 'Time': return u32(Number(value) + NTP_OFFSET);
    case 'Address': return encodeAddress(String(value));
  }
}

/** §4.3.1 Address: 2-octet address family (IANA 1 = IPv4, 2 = IPv6) then the address. */
export function encodeAddress(ip: string): Buffer {
  const v = isIP(ip);
  if (v === 4) return Buffer.from([0, 1, ...ip.split('.').map(Number)]);
  if (v === 6) {
    const [head, tail = ''] = ip.split('::') as [string, string?];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    if (t.length && t[t.length - 1]!.includes('.')) {
      const v4 = t.pop()!.split('.').map(Number);
      t.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
    }
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    const b = Buffer.alloc(18);
    b.writeUInt16BE(2, 0);
    groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 2 + i * 2));
    return b;
  }
  throw new TypeError(`not an IP address: ${ip}`);
}

export function decodeAddress(data: Buffer, offset = 0): string {
  if (data.length < 2) fail(offset, 'Address shorter than its family');
  const family = data.readUInt16BE(0);
  if (family === 1 && data.length === 6) return [...data.subarray(2)].join('.');
  if (family === 2 && data.length === 18) {
    const g: string[] = [];
    for (let i = 0; i < 8; i++) g.push(data.readUInt16BE(2 + i * 2).toString(16));
    return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
  }
  return fail(offset, `Address family ${family} with ${data.length - 2} octets`);
}

const FIXED: Partial<Record<AvpType, number>> = {
  Unsigned32: 4, Integer32: 4, Enumerated: 4, Time: 4, Float32: 4, Unsigned64: 8, Integer64: 8, Float64: 8,
};

/** Decodes a value by its dictionary type; unknown enum values stay numbers. Throws DecodeError on bad length. */
export function decodeValue(def: Pick<AvpDef, 'type' | 'name'>, data: Buffer, offset = 0): AvpValue {
  const fixed = FIXED[def.type];
  if (fixed !== undefined && data.length !== fixed) fail(offset, `${def.name}: ${def.type} of ${data.length} octets`);
  switch (def.type) {
    case 'Unsigned32': return data.readUInt32BE(0);
    case 'Integer32': case 'Enumerated': return data.readInt32BE(0);
    case 'Unsigned64': return data.readBigUInt64BE(0);
    case 'Integer64': return data.readBigInt64BE(0);
    case 'Float32': return data.readFloatBE(0);
    case 'Float64': return data.readDoubleBE(0);
    case 'Time': return data.readUInt32BE(0) - NTP_OFFSET;
    case 'Address': return decodeAddress(data, offset);
    case 'UTF8String': case 'DiameterIdentity': case 'DiameterURI': case 'IPFilterRule': {
      const s = data.toString('utf8');
      if (def.type === 'UTF8String' && Buffer.byteLength(s) !== data.length) fail(offset, `${def.name}: invalid UTF-8`);
      return s;
    }
    case 'Grouped': return decodeAvps(data, 0, data.length, offset);
    case 'OctetString': return data;
  }
}

// ---------------------------------------------------------------------------
// Builders: AVPs by dictionary name (flags from the dictionary)

export interface AvpOptions {
  /** Override the dictionary's M-bit. */
  mandatory?: boolean;
  protected?: boolean;
}

/** One AVP by its dictionary name, e.g. `avp(dict, 'Origin-Host', 'omnisep.example.com')`. */
export function avp(dict: Dictionary, name: string, value: AvpValue, opts: AvpOptions = {}): DiameterAvp {
  const def = dict.avpByName(name);
  if (!def) throw new TypeError(`unknown AVP name ${name}`);
  const m = opts.mandatory ?? def.mandatory;
  const flags = (def.vendorId ? AvpFlag.V : 0) | (m ? AvpFlag.M : 0) | (opts.protected ? AvpFlag.P : 0);
  return { code: def.code, vendorId: def.vendorId, flags, data: encodeValue(def.type, value) };
}

// ---------------------------------------------------------------------------
// Readers

export const findAvp = (avps: readonly DiameterAvp[], code: number, vendorId = 0): DiameterAvp | undefined =>
  avps.find((a) => a.code === code && a.vendorId === vendorId);

export const findAll = (avps: readonly DiameterAvp[], code: number, vendorId = 0): DiameterAvp[] =>
  avps.filter((a) => a.code === code && a.vendorId === vendorId);

export function getU32(avps: readonly DiameterAvp[], code: number, vendorId = 0): number | undefined {
  const a = findAvp(avps, code, vendorId);
  if (!a) return undefined;
  if (a.data.length !== 4) fail(0, `AVP ${code}: 32-bit value of ${a.data.length} octets`);
  return a.data.readUInt32BE(0);
}

export function getString(avps: readonly DiameterAvp[], code: number, vendorId = 0): string | undefined {
  return findAvp(avps, code, vendorId)?.data.toString('utf8');
}

export function getOctets(avps: readonly DiameterAvp[], code: number, vendorId = 0): Buffer | undefined {
  return findAvp(avps, code, vendorId)?.data;
}

export function getGrouped(avps: readonly DiameterAvp[], code: number, vendorId = 0): DiameterAvp[] | undefined {
  const a = findAvp(avps, code, vendorId);
  return a ? decodeAvps(a.data) : undefined;
}


/** RFC 6733 §7.1 / §7.6: Result-Code, else Experimental-Result {Vendor-Id, Experimental-Result-Code}. */
export function resultOf(m: Pick<DiameterMessage, 'avps'>): DiameterResult | undefined {
  const rc = getU32(m.avps, Avp.RESULT_CODE);
  if (rc !== undefined) return { resultCode: rc };
  const er = getGrouped(m.avps, Avp.EXPERIMENTAL_RESULT);
  if (!er) return undefined;
  const code = getU32(er, Avp.EXPERIMENTAL_RESULT_CODE);
  if (code === undefined) return undefined;
  return { experimental: { vendorId: getU32(er, Avp.VENDOR_ID) ?? VENDOR_3GPP, code } };
}

export const isRequest = (m: Pick<DiameterMessage, 'flags'>): boolean => (m.flags & CmdFlag.R) !== 0;

/**
 * RFC 6733 §6.1.8 / §7.5: the first AVP with the M-bit set that the dictionary
 * does not know (searched inside known Grouped AVPs too), for a 5001 answer with
 * Failed-AVP. Undefined when every mandatory AVP is understood.
 */
export function findUnknownMandatory(avps: readonly DiameterAvp[], dict: Dictionary): DiameterAvp | undefined {
  for (const a of avps) {
    const def = dict.avp(a.code, a.vendorId);
    if (!def) {
      if (a.flags & AvpFlag.M) return a;
      continue;
    }
    if (def.type === 'Grouped') {
      let inner: DiameterAvp[];
      try { inner = decodeAvps(a.data); } catch { continue; }
      const bad = findUnknownMandatory(inner, dict);
      if (bad) return bad;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// A readable tree (logs, `--json`, fixtures): names from the dictionary, unknowns kept.

export interface AvpView {
  name: string;
  code: number;
  vendor_id?: number;
  flags: string;
  value: string | number | AvpView[];
}

const flagText = (f: number): string => `${f & AvpFlag.V ? 'V' : ''}${f & AvpFlag.M ? 'M' : ''}${f & AvpFlag.P ? 'P' : ''}`;

export function viewAvps(avps: readonly DiameterAvp[], dict: Dictionary, redact: ReadonlySet<string> = new Set()): AvpView[] {
  return avps.map((a) => {
    const def = dict.avp(a.code, a.vendorId);
    const base = { name: def?.name ?? `Unknown-${a.vendorId}-${a.code}`, code: a.code, ...(a.vendorId ? { vendor_id: a.vendorId } : {}), flags: flagText(a.flags) };
    if (redact.has(base.name)) return { ...base, value: '[REDACTED]' };
    if (!def) return { ...base, value: a.data.toString('hex') };
    let v: AvpValue;
    try { v = decodeValue(def, a.data); } catch { return { ...base, value: `malformed:${a.data.toString('hex')}` }; }
    if (Array.isArray(v)) return { ...base, value: viewAvps(v, dict, redact) };
    if (def.enums && typeof v === 'number') return { ...base, value: def.enums[v] ? `${def.enums[v]} (${v})` : v };
    if (Buffer.isBuffer(v)) return { ...base, value: v.toString('hex') };
    return { ...base, value: typeof v === 'bigint' ? v.toString() : v };
  });
}
