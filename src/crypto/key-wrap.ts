/**
 * Subscriber keys at rest under a key-encryption key (KEK): AES-256-GCM
 * (NIST SP 800-38D) per record, the IMSI as associated data, so a sealed
 * blob copied onto another subscriber's record does not open.
 *
 *   KEK id     = first 4 bytes of SHA-256("omnisep-kek-id" ‖ 0x00 ‖ KEK), hex (8 digits)
 *   AAD        = "omnisep-subscriber-keys/1" ‖ 0x00 ‖ IMSI (ASCII digits)
 *   plaintext  = Ki (16 bytes) ‖ OPc (16 bytes)
 *   sealed     = base64(IV (12 bytes, random per seal) ‖ ciphertext (32) ‖ tag (16))
 *
 * The id names the KEK without revealing it: a record says which KEK sealed
 * it, and a store sealed under a KEK the daemon was not given fails with an
 * error naming both ids (never a wrong key silently used). Pure: the IV is
 * the caller's (the daemon's Random port); no files, no environment.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { Secret } from '../util/secret.js';

export const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 16;
const AAD_PREFIX = Buffer.from('omnisep-subscriber-keys/1\0', 'ascii');

export type KeyWrapCode = 'OMNISEP_KEK_INVALID' | 'OMNISEP_KEK_UNKNOWN' | 'OMNISEP_KEK_OPEN_FAILED';

export class KeyWrapError extends Error {
  override readonly name = 'KeyWrapError';
  constructor(readonly code: KeyWrapCode, message: string) {
    super(message);
  }
}

export interface Kek {
  readonly id: string;
  readonly key: Secret<Buffer>;
}

export function kekId(key: Buffer): string {
  return createHash('sha256').update('omnisep-kek-id\0').update(key).digest().subarray(0, 4).toString('hex');
}

/** A KEK from its text form: 64 hex digits, or base64 / base64url of 32 bytes (surrounding blanks ignored). */
export function parseKek(text: string): Kek {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== KEK_BYTES)
    throw new KeyWrapError('OMNISEP_KEK_INVALID', `a KEK is ${KEK_BYTES} bytes written as 64 hex digits or base64 (e.g. \`openssl rand -hex 32\`); got ${t.length} characters that are neither`);
  return { id: kekId(key), key: new Secret(key) };
}

/** The KEKs a daemon holds: `current` seals (null: keys are kept in plain hex), every one can open. */
export interface Keyring {
  readonly current: Kek | null;
  readonly all: ReadonlyMap<string, Kek>;
}

export function makeKeyring(current: Kek | null, previous: readonly Kek[] = []): Keyring {
  const all = new Map<string, Kek>();
  for (const k of [...(current ? [current] : []), ...previous]) all.set(k.id, k);
  return { current, all };
}

export const EMPTY_KEYRING: Keyring = makeKeyring(null);

const aad = (imsi: string) => Buffer.concat([AAD_PREFIX, Buffer.from(imsi, 'ascii')]);

/** Seal Ki ‖ OPc for one IMSI under `kek` with a fresh 12-byte IV. */
export function sealKeys(kek: Kek, imsi: string, keys: { ki: Buffer; opc: Buffer }, iv: Buffer): string {
  if (iv.length !== IV_BYTES) throw new RangeError(`IV must be ${IV_BYTES} bytes`);
  if (keys.ki.length !== KEY_BYTES || keys.opc.length !== KEY_BYTES) throw new RangeError('Ki and OPc are 16 bytes each');
  const c = createCipheriv('aes-256-gcm', kek.key.reveal(), iv, { authTagLength: TAG_BYTES });
  c.setAAD(aad(imsi));
  const ct = Buffer.concat([c.update(Buffer.concat([keys.ki, keys.opc])), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64');
}

/** Open what `sealKeys` made; the KEK is looked up by the record's `kekId`. */
export function openKeys(ring: Keyring, kekIdOfRecord: string, imsi: string, sealed: string): { ki: Secret<Buffer>; opc: Secret<Buffer> } {
  const kek = ring.all.get(kekIdOfRecord);
  if (!kek) {
    const have = [...ring.all.keys()];
    throw new KeyWrapError(
      'OMNISEP_KEK_UNKNOWN',
      `the keys of subscriber ${imsi} are sealed with KEK ${kekIdOfRecord}, which this daemon does not hold (${have.length ? `it holds ${have.join(', ')}` : 'no KEK is configured'}): set subscribers.kek_file (or OMNISEP_KEK) to that KEK, or list it in subscribers.previous_kek_files`,
    );
  }
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length !== IV_BYTES + 2 * KEY_BYTES + TAG_BYTES) throw new KeyWrapError('OMNISEP_KEK_OPEN_FAILED', `the sealed keys of subscriber ${imsi} are ${raw.length} bytes, not ${IV_BYTES + 2 * KEY_BYTES + TAG_BYTES}`);
  const d = createDecipheriv('aes-256-gcm', kek.key.reveal(), raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  d.setAAD(aad(imsi));
  d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  let pt: Buffer;
  try {
    pt = Buffer.concat([d.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), d.final()]);
  } catch {
    throw new KeyWrapError('OMNISEP_KEK_OPEN_FAILED', `the sealed keys of subscriber ${imsi} do not verify under KEK ${kekIdOfRecord} (damaged, or copied from another IMSI)`);
  }
  return { ki: new Secret(pt.subarray(0, KEY_BYTES)), opc: new Secret(pt.subarray(KEY_BYTES)) };
}
