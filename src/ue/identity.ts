/**
 * The EAP_ID a simulated phone sends (TS43.md § Request): the permanent
 * identity `0<IMSI>@<realm>` (`6…` for EAP-AKA'), built by src/aka/identity.ts.
 * The simulator only adds the `--realm` shorthand: a single label or
 * `nai.epc` is a prefix before `.mnc<MNC3>.mcc<MCC>.3gppnetwork.org`
 * (TS 23.003 §19.3.2; `wlan` as some servers expect); anything else is the
 * whole realm.
 */
import { buildPermanentIdentity, type AkaVariant } from '../aka/identity.js';

export interface RealmOptions {
  realm?: string;
  /** Digits of the MNC inside the IMSI: 2 (default, e.g. test PLMN 001-01) or 3. */
  mncLength?: 2 | 3;
}

const PREFIX = /^(nai\.epc|[a-z0-9-]+)$/i;

/** The realm for an IMSI, e.g. `nai.epc.mnc001.mcc001.3gppnetwork.org`. */
export function realmFor(imsi: string, opts: RealmOptions = {}): string {
  const realm = opts.realm ?? 'nai.epc';
  if (!PREFIX.test(realm)) return realm;
  const mnc = imsi.slice(3, 3 + (opts.mncLength ?? 2)).padStart(3, '0');
  return `${realm}.mnc${mnc}.mcc${imsi.slice(0, 3)}.3gppnetwork.org`;
}

export function ueEapId(imsi: string, variant: AkaVariant, opts: RealmOptions = {}): string {
  return buildPermanentIdentity(imsi, { variant, realm: realmFor(imsi, opts) });
}
