/**
 * EAP (RFC 3748 §4, §5) and EAP-AKA / EAP-AKA' (RFC 4187 §11, RFC 5448 §3,
 * RFC 9048) numbers, with the spec names.
 */

/** EAP Code (RFC 3748 §4). */
export const EapCode = { REQUEST: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4 } as const;
export type EapCodeValue = (typeof EapCode)[keyof typeof EapCode];

/** EAP method Type (RFC 3748 §5; 23 = EAP-AKA RFC 4187, 50 = EAP-AKA' RFC 5448). */
export const EapType = { IDENTITY: 1, NOTIFICATION: 2, NAK: 3, AKA: 23, AKA_PRIME: 50, EXPANDED: 254 } as const;

/** EAP-AKA Subtype (RFC 4187 §11). */
export const AkaSubtype = {
  AKA_CHALLENGE: 1,
  AKA_AUTHENTICATION_REJECT: 2,
  AKA_SYNCHRONIZATION_FAILURE: 4,
  AKA_IDENTITY: 5,
  AKA_NOTIFICATION: 12,
  AKA_REAUTHENTICATION: 13,
  AKA_CLIENT_ERROR: 14,
} as const;

/** EAP-AKA attribute types (RFC 4187 §11, RFC 5448 §3.1, RFC 9048, RFC 5448bis AT_BIDDING = 136). */
export const EapAttr = {
  AT_RAND: 1,
  AT_AUTN: 2,
  AT_RES: 3,
  AT_AUTS: 4,
  AT_PADDING: 6,
  AT_PERMANENT_ID_REQ: 10,
  AT_MAC: 11,
  AT_NOTIFICATION: 12,
  AT_ANY_ID_REQ: 13,
  AT_IDENTITY: 14,
  AT_FULLAUTH_ID_REQ: 17,
  AT_COUNTER: 19,
  AT_COUNTER_TOO_SMALL: 20,
  AT_NONCE_S: 21,
  AT_CLIENT_ERROR_CODE: 22,
  AT_KDF_INPUT: 23,
  AT_KDF: 24,
  AT_IV: 129,
  AT_ENCR_DATA: 130,
  AT_NEXT_PSEUDONYM: 132,
  AT_NEXT_REAUTH_ID: 133,
  AT_CHECKCODE: 134,
  AT_RESULT_IND: 135,
  AT_BIDDING: 136,
} as const;

/** AT_NOTIFICATION codes (RFC 4187 §10.19). Bit S (0x8000) = success, bit P (0x4000) = before challenge. */
export const AkaNotification = {
  GENERAL_FAILURE_AFTER_AUTHENTICATION: 0,
  TEMPORARILY_DENIED: 1026,
  NOT_SUBSCRIBED: 1031,
  GENERAL_FAILURE: 16384,
  SUCCESS: 32768,
} as const;

/** AT_CLIENT_ERROR_CODE values (RFC 4187 §10.20). */
export const AkaClientError = { UNABLE_TO_PROCESS_PACKET: 0 } as const;

/** AT_KDF values (RFC 5448 §3.2): 1 = the TS 33.402 / PRF' key derivation. */
export const AkaKdf = { PRF_PRIME_HMAC_SHA256: 1 } as const;

/** Skippable attributes are 128..255 (RFC 4187 §8.1). */
export const isSkippable = (type: number): boolean => type >= 128;

const invert = (o: Record<string, number>): Map<number, string> => new Map(Object.entries(o).map(([k, v]) => [v, k]));
export const EAP_CODE_NAMES = invert(EapCode);
export const EAP_TYPE_NAMES = invert(EapType);
export const AKA_SUBTYPE_NAMES = invert(AkaSubtype);
export const EAP_ATTR_NAMES = invert(EapAttr);
