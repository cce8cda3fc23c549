/**
 * How a subscriber record holds Ki and OPc (docs/storage.md § Subscriber keys
 * at rest): in plain hex (`ki`, `opc`) when no KEK is configured, or sealed
 * (`kek_id` names the KEK, `keys_sealed` holds IV ‖ AES-256-GCM(Ki ‖ OPc) ‖ tag
 * with the IMSI as associated data, src/crypto/key-wrap.ts) with `ki` and
 * `opc` empty. Every driver stores the record as it is, so sealing works the
 * same on the embedded store and PostgreSQL. Pure; the IV comes from the caller.
 */
import { openKeys, sealKeys, type Keyring } from '../crypto/key-wrap.js';
import { Secret } from '../util/secret.js';

export interface KeyFields {
  imsi: string;
  /** Plain hex, or '' when sealed. */
  ki: string;
  opc: string;
  /** The KEK that sealed `keys_sealed` (absent: plain hex). */
  kek_id?: string;
  keys_sealed?: string;
}

export const isSealed = (r: KeyFields): boolean => typeof r.kek_id === 'string' && typeof r.keys_sealed === 'string';

/** Ki and OPc of a record, opened with the keyring when sealed. Throws KeyWrapError (unknown KEK, damaged). */
export function recordKeys(r: KeyFields, ring: Keyring): { ki: Secret<Buffer>; opc: Secret<Buffer> } {
  if (isSealed(r)) return openKeys(ring, r.kek_id!, r.imsi, r.keys_sealed!);
  return { ki: new Secret(Buffer.from(r.ki, 'hex')), opc: new Secret(Buffer.from(r.opc, 'hex')) };
}

/** The record as it should be stored under the keyring's current KEK (plain hex without one). */
export function storedForm<T extends KeyFields>(r: T, ring: Keyring, iv: () => Buffer): T {
  const keys = recordKeys(r, ring);
  const { kek_id: _k, keys_sealed: _s, ...rest } = r;
  if (!ring.current) return { ...rest, ki: keys.ki.reveal().toString('hex'), opc: keys.opc.reveal().toString('hex') } as T;
  return { ...rest, ki: '', opc: '', kek_id: ring.current.id, keys_sealed: sealKeys(ring.current, r.imsi, { ki: keys.ki.reveal(), opc: keys.opc.reveal() }, iv()) } as T;
}

/** True when the record is not in the form the current keyring wants (sealed with another KEK, or plain vs sealed). */
export function needsReseal(r: KeyFields, ring: Keyring): boolean {
  return ring.current ? r.kek_id !== ring.current.id || !isSealed(r) : isSealed(r);
}

/** Same Ki and OPc (compared after opening; constant-time is not needed: both sides are ours). */
export function sameKeys(a: KeyFields, b: KeyFields, ring: Keyring): boolean {
  const ka = recordKeys(a, ring);
  const kb = recordKeys(b, ring);
  return ka.ki.reveal().equals(kb.ki.reveal()) && ka.opc.reveal().equals(kb.opc.reveal());
}
