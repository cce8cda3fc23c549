/**
 * What the EAP-AKA server and peer share: per-variant constants and the session
 * key schedule (RFC 4187 §7 for EAP-AKA, RFC 5448 §3.3 for EAP-AKA').
 */
import { akaMasterKey, deriveAkaReauthKeys, expandAkaMasterKey } from '../crypto/aka-keys.js';
import { ckIkPrime, deriveAkaPrimeKeys, deriveAkaPrimeReauthKeys } from '../crypto/aka-prime-kdf.js';
import type { KeyInput } from '../crypto/milenage.js';
import { EapType } from '../codec/eap/constants.js';
import type { Secret } from '../util/secret.js';

export type AkaVariant = 'aka' | 'aka-prime';

export const eapTypeOf = (v: AkaVariant): 23 | 50 => (v === 'aka-prime' ? EapType.AKA_PRIME : EapType.AKA);

export interface SessionKeys {
  kEncr: Secret<Buffer>;
  kAut: Secret<Buffer>;
  msk: Secret<Buffer>;
  emsk: Secret<Buffer>;
  /** What a later fast re-authentication derives from: MK (EAP-AKA, RFC 4187 §7) or K_re (EAP-AKA', RFC 5448 §3.3). */
  reauthKey: Secret<Buffer>;
}

/** The keys a fast re-authentication reuses from the full authentication that issued the re-auth identity. */
export interface ReauthKeys {
  readonly variant: AkaVariant;
  readonly kEncr: Secret<Buffer>;
  readonly kAut: Secret<Buffer>;
  readonly reauthKey: Secret<Buffer>;
}

/** MSK/EMSK of a fast re-authentication: RFC 4187 §7 (XKEY') or RFC 5448 §3.3 (PRF' over K_re). */
export function deriveReauthSessionKeys(keys: ReauthKeys, identity: string, counter: number, nonceS: Buffer): { msk: Secret<Buffer>; emsk: Secret<Buffer> } {
  return keys.variant === 'aka-prime'
    ? deriveAkaPrimeReauthKeys(identity, counter, nonceS, keys.reauthKey)
    : deriveAkaReauthKeys(identity, counter, nonceS, keys.reauthKey);
}

/**
 * K_aut/K_encr/MSK/EMSK for one full authentication.
 * EAP-AKA : MK = SHA1(Identity‖IK‖CK), FIPS 186-2 PRF.
 * EAP-AKA': CK'/IK' = KDF(CK‖IK, 0x20‖network name‖SQN⊕AK) unless the vector already carries them
 *           (`ckIkArePrime`, e.g. an HSS answering SWx for EAP-AKA'), then PRF'(IK'‖CK', "EAP-AKA'"‖Identity).
 */
export function deriveSessionKeys(args: {
  variant: AkaVariant;
  identity: string;
  ck: KeyInput;
  ik: KeyInput;
  autn: Buffer;
  networkName?: string;
  ckIkArePrime?: boolean;
}): SessionKeys {
  if (args.variant === 'aka') {
    const mk = akaMasterKey(args.identity, args.ck, args.ik);
    return { ...expandAkaMasterKey(mk), reauthKey: mk };
  }
  let ckP: KeyInput = args.ck;
  let ikP: KeyInput = args.ik;
  if (!args.ckIkArePrime) {
    if (args.networkName === undefined) throw new RangeError("EAP-AKA' needs a network name");
    const p = ckIkPrime(args.ck, args.ik, args.networkName, args.autn.subarray(0, 6));
    ckP = p.ckPrime;
    ikP = p.ikPrime;
  }
  const k = deriveAkaPrimeKeys(args.identity, ckP, ikP);
  return { kEncr: k.kEncr, kAut: k.kAut, msk: k.msk, emsk: k.emsk, reauthKey: k.kRe };
}

/** A declared transition of a table-driven state machine (STYLE.md "State machines are tables"). */
export interface Transition<P extends string, E extends string> {
  readonly from: P;
  readonly event: E;
  readonly to: P;
  readonly when: string;
}
