/**
 * EAP-AKA' key derivation (RFC 5448 §3.3, RFC 9048 §3.3) and CK'/IK'
 * (3GPP TS 33.402 Annex A.2 over the KDF of TS 33.220 Annex B.2).
 */
import { createHmac } from 'node:crypto';
import { Secret } from '../util/secret.js';
import { revealKey as reveal, type KeyInput } from './milenage.js';

const idBytes = (identity: string | Buffer): Buffer => (typeof identity === 'string' ? Buffer.from(identity, 'utf8') : identity);

/** FC for CK'/IK' derivation (TS 33.402 Annex A.2). */
export const FC_CK_IK_PRIME = 0x20;

/**
 * CK' ‖ IK' = HMAC-SHA-256(CK ‖ IK, S), S = FC ‖ P0 ‖ L0 ‖ P1 ‖ L1 with
 * P0 = access network identity (network name, UTF-8), P1 = SQN ⊕ AK (6 bytes = AUTN[0..5]).
 */
export function ckIkPrime(ck: KeyInput, ik: KeyInput, networkName: string, sqnXorAk: Buffer): { ckPrime: Secret<Buffer>; ikPrime: Secret<Buffer> } {
  if (sqnXorAk.length !== 6) throw new RangeError("ckIkPrime: SQN xor AK must be 6 bytes");
  const p0 = Buffer.from(networkName, 'utf8');
  const l = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
  const s = Buffer.concat([Buffer.from([FC_CK_IK_PRIME]), p0, l(p0.length), sqnXorAk, l(6)]);
  const out = createHmac('sha256', Buffer.concat([reveal(ck), reveal(ik)])).update(s).digest();
  return { ckPrime: new Secret(Buffer.from(out.subarray(0, 16))), ikPrime: new Secret(Buffer.from(out.subarray(16, 32))) };
}

/**
 * PRF'(K, S) = T1 ‖ T2 ‖ … , T1 = HMAC-SHA-256(K, S ‖ 0x01), Tn = HMAC-SHA-256(K, T(n-1) ‖ S ‖ n)
 * (RFC 5448 §3.4), truncated to outLen bytes.
 */
export function prfPrime(key: Buffer, s: Buffer, outLen: number): Buffer {
  const parts: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let n = 1; parts.length * 32 < outLen; n++) {
    if (n > 255) throw new RangeError("prfPrime: output too long");
    prev = createHmac('sha256', key).update(prev).update(s).update(Buffer.from([n])).digest();
    parts.push(prev);
  }
  return Buffer.concat(parts).subarray(0, outLen);
}

export interface AkaPrimeKeys {
  kEncr: Secret<Buffer>;
  /** 32 bytes for EAP-AKA'. */
  kAut: Secret<Buffer>;
  kRe: Secret<Buffer>;
  msk: Secret<Buffer>;
  emsk: Secret<Buffer>;
}

/**
 * MK = PRF'(IK' ‖ CK', "EAP-AKA'" ‖ Identity) (RFC 5448 §3.3);
 * K_encr = MK[0..127], K_aut = MK[128..383], K_re = MK[384..639], MSK = MK[640..1151], EMSK = MK[1152..1663].
 */
export function deriveAkaPrimeKeys(identity: string | Buffer, ckPrime: KeyInput, ikPrime: KeyInput): AkaPrimeKeys {
  const mk = prfPrime(Buffer.concat([reveal(ikPrime), reveal(ckPrime)]), Buffer.concat([Buffer.from("EAP-AKA'", 'ascii'), idBytes(identity)]), 208);
  const cut = (a: number, b: number) => new Secret(Buffer.from(mk.subarray(a, b)));
  return { kEncr: cut(0, 16), kAut: cut(16, 48), kRe: cut(48, 80), msk: cut(80, 144), emsk: cut(144, 208) };
}

/**
 * Fast re-authentication keys for EAP-AKA' (RFC 5448 §3.3):
 * MK = PRF'(K_re, "EAP-AKA' re-auth" ‖ Identity ‖ counter ‖ NONCE_S); MSK = MK[0..511], EMSK = MK[512..1023].
 * K_encr and K_aut stay those of the full authentication.
 */
export function deriveAkaPrimeReauthKeys(identity: string | Buffer, counter: number, nonceS: Buffer, kRe: KeyInput): { msk: Secret<Buffer>; emsk: Secret<Buffer> } {
  if (nonceS.length !== 16) throw new RangeError('NONCE_S must be 16 bytes');
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffff) throw new RangeError('counter is 16 bits');
  const s = Buffer.concat([Buffer.from("EAP-AKA' re-auth", 'ascii'), idBytes(identity), Buffer.from([counter >> 8, counter & 0xff]), nonceS]);
  const mk = prfPrime(reveal(kRe), s, 128);
  return { msk: new Secret(Buffer.from(mk.subarray(0, 64))), emsk: new Secret(Buffer.from(mk.subarray(64, 128))) };
}
