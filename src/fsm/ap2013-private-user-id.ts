/**
 * ap2013, private user identity (GSMA TS.43 v12.0 §12; docs/odsa.md § ap2013). Pure.
 *
 * The pseudonym variant (§12.1.2 Table 111, §12.4): when the AAA that authenticates the device's EAP-AKA —
 * the one whose challenge omnisep relays, and which the Wi-Fi gateway asks too — issues EAP-AKA pseudonyms,
 * the device takes its private identity from the challenge's AT_NEXT_PSEUDONYM, and the entitlement answer
 * is `EntitlementStatus 1`, `PrivateUserID` "" (the identity is in the EAP exchange, not here),
 * `PrivateUserIDType 1` (PSEUDONYM). Otherwise — and always for type 2 OTHER, which needs an encryption
 * agreed with the Wi-Fi gateway (§12.4, out of TS.43's scope) — `EntitlementStatus 2` with its message.
 */

/** What ap2013 answers: the pseudonym variant, or incompatible. */
export type PrivateUserIdMode = 'pseudonym' | 'none';

/** The configuration this depends on (src/contracts/config.ts: ts43.private_user_id, eap_aka, aaa). */
export interface PrivateUserIdConfig {
  ts43: { private_user_id: 'auto' | 'pseudonym' | 'none' };
  eap_aka: { enabled: boolean; backend: string };
  aaa: { enabled: boolean; pseudonyms: boolean };
}

/**
 * `pseudonym` when the operator declares its AAA issues pseudonyms (`ts43.private_user_id: pseudonym`), or in
 * `auto` when EAP-AKA is relayed over SWm (`eap_aka.backend swm`) to a running built-in AAA that issues them
 * (`aaa.enabled`, `aaa.pseudonyms`); the `local` and `swx` back-ends run EAP-AKA in omnisep, which sends no
 * AT_NEXT_PSEUDONYM. EAP-AKA switched off (development) never gives the device a pseudonym.
 */
export function privateUserIdMode(cfg: PrivateUserIdConfig): PrivateUserIdMode {
  if (!cfg.eap_aka.enabled || cfg.eap_aka.backend !== 'swm') return 'none';
  const setting = cfg.ts43.private_user_id;
  if (setting === 'auto') return cfg.aaa.enabled && cfg.aaa.pseudonyms ? 'pseudonym' : 'none';
  return setting;
}

/** Incompatible (§12.1.1 Table 110 value 2), with the MessageForIncompatible every incompatible app carries. */
export const PRIVATE_USER_ID_INCOMPATIBLE: Readonly<Record<string, string>> = { EntitlementStatus: '2', MessageForIncompatible: 'Private user identity is not offered by this server' };

/** The pseudonym variant (Table 111): the identity is the EAP-AKA pseudonym, so PrivateUserID is empty. */
export const PRIVATE_USER_ID_PSEUDONYM: Readonly<Record<string, string>> = { EntitlementStatus: '1', PrivateUserID: '', PrivateUserIDType: '1' };

/** ap2013's APPLICATION parameters (after AppID) for a mode. */
export const privateUserIdAnswer = (mode: PrivateUserIdMode | undefined): Readonly<Record<string, string>> =>
  mode === 'pseudonym' ? PRIVATE_USER_ID_PSEUDONYM : PRIVATE_USER_ID_INCOMPATIBLE;
