/**
 * AT_IV / AT_ENCR_DATA (RFC 4187 §10.12): nested attributes encrypted with
 * AES-128-CBC under K_encr, padded with AT_PADDING to a whole number of
 * 16-byte blocks. Used for AT_NEXT_PSEUDONYM, AT_NEXT_REAUTH_ID, AT_COUNTER…
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { revealKey, type KeyInput } from '../../crypto/milenage.js';
import { DecodeError } from '../decode-error.js';
import { attr } from './attributes.js';
import { EapAttr } from './constants.js';
import { decodeEap, encodeEap, isAkaPacket, type EapAttribute } from './packet.js';

/** Encode attributes as they sit inside AT_ENCR_DATA (no EAP header). */
function encodeAttributes(attributes: EapAttribute[]): Buffer {
  // reuse the packet encoder: an AKA packet's body after the 8-byte header is the attribute list
  return encodeEap({ code: 1, identifier: 0, type: 23, subtype: 0, attributes } as never).subarray(8);
}

/** Decode attributes found inside AT_ENCR_DATA with the same checks as the packet decoder. */
function decodeAttributes(body: Buffer): EapAttribute[] {
  const head = Buffer.from([1, 0, (body.length + 8) >> 8, (body.length + 8) & 0xff, 23, 0, 0, 0]);
  const p = decodeEap(Buffer.concat([head, body]));
  return isAkaPacket(p) ? p.attributes : [];
}

/** [AT_IV, AT_ENCR_DATA] carrying `attributes`, AT_PADDING added as needed. `iv` is 16 random bytes from the caller. */
export function encryptAttributes(kEncr: KeyInput, iv: Buffer, attributes: EapAttribute[]): EapAttribute[] {
  let plain = encodeAttributes(attributes);
  const short = (16 - (plain.length % 16)) % 16;
  if (short > 0) plain = Buffer.concat([plain, encodeAttributes([attr.padding(short as 4 | 8 | 12)])]);
  const c = createCipheriv('aes-128-cbc', revealKey(kEncr), iv);
  c.setAutoPadding(false);
  return [attr.iv(iv), attr.encrData(Buffer.concat([c.update(plain), c.final()]))];
}

/** The attributes inside AT_ENCR_DATA; DecodeError if the plaintext is not a valid attribute list. */
export function decryptAttributes(kEncr: KeyInput, iv: Buffer, encrData: Buffer): EapAttribute[] {
  if (iv.length !== 16 || encrData.length === 0 || encrData.length % 16 !== 0) throw new DecodeError('eap', 0, 'AT_IV/AT_ENCR_DATA sizes');
  const d = createDecipheriv('aes-128-cbc', revealKey(kEncr), iv);
  d.setAutoPadding(false);
  const out = decodeAttributes(Buffer.concat([d.update(encrData), d.final()]));
  return out.filter((a) => a.type !== EapAttr.AT_PADDING);
}
