/**
 * Sealing values at rest with a key shared by the daemons of a cluster (docs/storage.md § PostgreSQL):
 * EAP session secrets kept in the shared database are sealed by the daemon that writes them and opened by
 * whichever daemon takes the next step.
 *
 *   key  = HKDF-SHA256(IKM = storage.cluster_secret, salt = "omnisep seal v1", info = purpose, L = 32)   (RFC 5869)
 *   box  = "s1." ‖ base64url(nonce(12) ‖ tag(16) ‖ AES-256-GCM(key, nonce, plaintext, AAD = aad))   (NIST SP 800-38D)
 *
 * `purpose` separates keys per use ("eap_state"); `aad` binds a box to its record (e.g. the session key), so
 * a box copied onto another record does not open. Pure: the nonce comes from the caller's Random port
 * (96 random bits per box; SP 800-38D §8.3 bounds a key to 2^32 random nonces, far above any session rate
 * between two rotations of the cluster secret).
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { Secret } from '../util/secret.js';

const SALT = Buffer.from('omnisep seal v1', 'utf8');
const PREFIX = 's1.';
const NONCE = 12;
const TAG = 16;

export class SealError extends Error {
  override readonly name = 'SealError';
  readonly code = 'OMNISEP_SEAL_OPEN';
  constructor(reason: string) {
    super(`sealed value does not open: ${reason}`);
  }
}

/** The AES-256-GCM key for one purpose, from the cluster secret. An empty secret is refused. */
export function deriveSealKey(clusterSecret: string | Buffer | Secret<string>, purpose: string): Secret<Buffer> {
  const ikm = clusterSecret instanceof Secret ? clusterSecret.reveal() : clusterSecret;
  if (!ikm.length) throw new Error('storage.cluster_secret is empty: set it (the same value on every daemon of the cluster)');
  if (!purpose) throw new Error('seal: a purpose is required');
  return new Secret(Buffer.from(hkdfSync('sha256', typeof ikm === 'string' ? Buffer.from(ikm, 'utf8') : ikm, SALT, Buffer.from(purpose, 'utf8'), 32)));
}

/** Seals `plaintext`; `nonce` must be 12 fresh random bytes (Random.bytes(12)). */
export function seal(key: Secret<Buffer>, plaintext: Buffer | string, nonce: Buffer, aad = ''): string {
  if (nonce.length !== NONCE) throw new Error(`seal: the nonce must be ${NONCE} bytes`);
  const c = createCipheriv('aes-256-gcm', key.reveal(), nonce);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), c.final()]);
  return PREFIX + Buffer.concat([nonce, c.getAuthTag(), ct]).toString('base64url');
}

/** Opens a box made by `seal` with the same key and aad; throws SealError on any tampering or wrong key. */
export function open(key: Secret<Buffer>, box: string, aad = ''): Buffer {
  if (typeof box !== 'string' || !box.startsWith(PREFIX)) throw new SealError('not a sealed value');
  const raw = Buffer.from(box.slice(PREFIX.length), 'base64url');
  if (raw.length < NONCE + TAG) throw new SealError('too short');
  const d = createDecipheriv('aes-256-gcm', key.reveal(), raw.subarray(0, NONCE));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(raw.subarray(NONCE, NONCE + TAG));
  try {
    return Buffer.concat([d.update(raw.subarray(NONCE + TAG)), d.final()]);
  } catch {
    throw new SealError('authentication failed (wrong cluster secret, wrong record, or altered)');
  }
}

/** JSON in, box out; `openJson` is its inverse. */
export const sealJson = (key: Secret<Buffer>, value: unknown, nonce: Buffer, aad = ''): string => seal(key, JSON.stringify(value), nonce, aad);
export const openJson = <T>(key: Secret<Buffer>, box: string, aad = ''): T => JSON.parse(open(key, box, aad).toString('utf8')) as T;
