/**
 * EAP-AKA key derivation (RFC 4187 §7):
 *   MK = SHA1(Identity ‖ IK ‖ CK)
 *   K_encr (16) ‖ K_aut (16) ‖ MSK (64) ‖ EMSK (64) = PRF(MK)   (FIPS 186-2, fips186-prf.ts)
 * Identity is the identity the peer last sent (AT_IDENTITY, else EAP-Response/Identity).
 */
import { createHash } from 'node:crypto';
import { Secret } from '../util/secret.js';
import { fips186Prf } from './fips186-prf.js';
import { revealKey as reveal, type KeyInput } from './milenage.js';

export interface AkaKeys {
  kEncr: Secret<Buffer>;
  kAut: Secret<Buffer>;
  msk: Secret<Buffer>;
  emsk: Secret<Buffer>;
}

const idBytes = (identity: string | Buffer): Buffer => (typeof identity === 'string' ? Buffer.from(identity, 'utf8') : identity);

/** MK = SHA1(Identity ‖ IK ‖ CK) (RFC 4187 §7). */
export function akaMasterKey(identity: string | Buffer, ck: KeyInput, ik: KeyInput): Secret<Buffer> {
  return new Secret(createHash('sha1').update(idBytes(identity)).update(reveal(ik)).update(reveal(ck)).digest());
}

/** Expand MK into K_encr, K_aut, MSK, EMSK (RFC 4187 §7). */
export function expandAkaMasterKey(mk: KeyInput): AkaKeys {
  const x = fips186Prf(reveal(mk), 160);
  return {
    kEncr: new Secret(Buffer.from(x.subarray(0, 16))),
    kAut: new Secret(Buffer.from(x.subarray(16, 32))),
    msk: new Secret(Buffer.from(x.subarray(32, 96))),
    emsk: new Secret(Buffer.from(x.subarray(96, 160))),
  };
}

/** deriveAkaKeys(identity, CK, IK) → K_encr, K_aut, MSK, EMSK for EAP-AKA (RFC 4187 §7). */
export function deriveAkaKeys(identity: string | Buffer, ck: KeyInput, ik: KeyInput): AkaKeys {
  return expandAkaMasterKey(akaMasterKey(identity, ck, ik));
}

/** 16-bit counter in network byte order, as it enters the re-authentication key derivation. */
export const counterBytes = (counter: number): Buffer => {
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffff) throw new RangeError('counter is 16 bits');
  return Buffer.from([counter >> 8, counter & 0xff]);
};

/**
 * Fast re-authentication keys for EAP-AKA (RFC 4187 §7): XKEY' = SHA1(Identity ‖ counter ‖ NONCE_S ‖ MK),
 * MSK ‖ EMSK = PRF(XKEY'). K_encr and K_aut stay those of the full authentication. Identity is the
 * re-authentication identity the peer presented.
 */
export function deriveAkaReauthKeys(identity: string | Buffer, counter: number, nonceS: Buffer, mk: KeyInput): { msk: Secret<Buffer>; emsk: Secret<Buffer> } {
  if (nonceS.length !== 16) throw new RangeError('NONCE_S must be 16 bytes');
  const xkey = createHash('sha1').update(idBytes(identity)).update(counterBytes(counter)).update(nonceS).update(reveal(mk)).digest();
  const x = fips186Prf(xkey, 128);
  return { msk: new Secret(Buffer.from(x.subarray(0, 64))), emsk: new Secret(Buffer.from(x.subarray(64, 128))) };
}
