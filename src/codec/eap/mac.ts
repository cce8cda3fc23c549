/**
 * AT_MAC (RFC 4187 §10.15; RFC 5448 §3.4 for EAP-AKA'):
 *   EAP-AKA : first 16 bytes of HMAC-SHA1-128(K_aut, packet with AT_MAC value zeroed ‖ extra)
 *   EAP-AKA': first 16 bytes of HMAC-SHA-256(K_aut, same)
 * and AT_CHECKCODE (RFC 4187 §10.13, RFC 5448 §3.4): SHA-1 / SHA-256 over the
 * EAP-Request/AKA-Identity and EAP-Response/AKA-Identity packets of the exchange.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { revealKey as reveal, type KeyInput } from '../../crypto/milenage.js';
import { DecodeError } from '../decode-error.js';
import { EapAttr, EapType } from './constants.js';

export type AkaVariant = 'aka' | 'aka-prime';

/** Offset of the 16-byte AT_MAC value inside an encoded AKA packet, or -1 without AT_MAC. */
export function atMacValueOffset(packet: Buffer): number {
  if (packet.length < 8) throw new DecodeError('eap', 0, 'not an AKA packet');
  const length = Math.min(packet.readUInt16BE(2), packet.length);
  let off = 8;
  while (off + 2 <= length) {
    const units = packet[off + 1]!;
    if (units === 0) throw new DecodeError('eap', off + 1, 'attribute with length 0');
    if (packet[off] === EapAttr.AT_MAC) {
      if (units !== 5 || off + 20 > length) throw new DecodeError('eap', off + 1, 'AT_MAC must be 20 bytes');
      return off + 4;
    }
    off += units * 4;
  }
  return -1;
}

const variantOf = (packet: Buffer): AkaVariant => (packet[4] === EapType.AKA_PRIME ? 'aka-prime' : 'aka');

/** The AT_MAC value for `packet` (its AT_MAC value is treated as zero). `extra` is appended (NONCE_S etc.). */
export function computeAtMac(packet: Buffer, kAut: KeyInput, opts: { variant?: AkaVariant; extra?: Buffer } = {}): Buffer {
  const at = atMacValueOffset(packet);
  if (at < 0) throw new DecodeError('eap', 8, 'no AT_MAC to compute');
  const length = packet.readUInt16BE(2);
  const copy = Buffer.from(packet.subarray(0, length));
  copy.fill(0, at, at + 16);
  const variant = opts.variant ?? variantOf(packet);
  const h = createHmac(variant === 'aka-prime' ? 'sha256' : 'sha1', reveal(kAut)).update(copy);
  if (opts.extra) h.update(opts.extra);
  return h.digest().subarray(0, 16);
}

/** A copy of `packet` with its AT_MAC value filled in. */
export function signEap(packet: Buffer, kAut: KeyInput, opts: { variant?: AkaVariant; extra?: Buffer } = {}): Buffer {
  const mac = computeAtMac(packet, kAut, opts);
  const out = Buffer.from(packet);
  mac.copy(out, atMacValueOffset(packet));
  return out;
}

/** Constant-time check of the AT_MAC in `packet`; false when absent or wrong. */
export function verifyAtMac(packet: Buffer, kAut: KeyInput, opts: { variant?: AkaVariant; extra?: Buffer } = {}): boolean {
  const at = atMacValueOffset(packet);
  if (at < 0) return false;
  return timingSafeEqual(computeAtMac(packet, kAut, opts), packet.subarray(at, at + 16));
}

/** AT_CHECKCODE value: hash of the AKA-Identity packets in order; empty when there were none. */
export function computeCheckcode(variant: AkaVariant, identityPackets: readonly Buffer[]): Buffer {
  if (identityPackets.length === 0) return Buffer.alloc(0);
  const h = createHash(variant === 'aka-prime' ? 'sha256' : 'sha1');
  for (const p of identityPackets) h.update(p);
  return h.digest();
}
