/**
 * The AAA's answer → what the TS.43 server does with it (GSMA TS.43 v12.0 §2.8.1 Table 7; TS43.md
 * § Authentication; the table is in docs/ts43.md § Diameter results). Pure.
 *
 * The answer's result is the codec's one model (src/codec/diameter/result.ts): a base Result-Code and a 3GPP
 * Experimental-Result-Code are never confused — base 5001 DIAMETER_AVP_UNSUPPORTED (the AAA could not read our
 * DER) is our fault or the AAA's, a 503; Experimental-Result 10415/5001 DIAMETER_ERROR_USER_UNKNOWN is the
 * subscriber's, a 403.
 */
import { ExperimentalResultCode, ResultCode, VENDOR_3GPP } from '../../codec/diameter/constants.js';
import type { DiameterResult } from '../../codec/diameter/result.js';

/** Seconds a phone is told to wait (Retry-After) when the back-end is down. */
export const RETRY_AFTER_SECONDS = 30;

/** What one AAA answer means for the EAP session. */
export type AaaResultClass = 'continue' | 'success' | 'rejected' | 'user_unknown' | 'unavailable';

/**
 * Base: 1001 → continue, 2001 → success, 4001 DIAMETER_AUTHENTICATION_REJECTED and 5003
 * DIAMETER_AUTHORIZATION_REJECTED → rejected; every other base code (3xxx protocol errors, 4xxx transient,
 * 5001 AVP_UNSUPPORTED and the other 5xxx) → unavailable.
 * 3GPP Experimental-Result (TS 29.273 §10.3.1, TS 29.229 §6.2.2): 5001 USER_UNKNOWN → user_unknown;
 * 5003 IDENTITY_NOT_REGISTERED (TS.43 Table 7), 5004 ROAMING_NOT_ALLOWED and 5450
 * USER_NO_NON_3GPP_SUBSCRIPTION → rejected; others → unavailable.
 * No answer (`null`) → unavailable.
 */
export function classifyAaaResult(r: DiameterResult | null): AaaResultClass {
  if (!r) return 'unavailable';
  if ('resultCode' in r) {
    switch (r.resultCode) {
      case ResultCode.DIAMETER_MULTI_ROUND_AUTH: return 'continue';
      case ResultCode.DIAMETER_SUCCESS: return 'success';
      case ResultCode.DIAMETER_AUTHENTICATION_REJECTED:
      case ResultCode.DIAMETER_AUTHORIZATION_REJECTED: return 'rejected';
      default: return 'unavailable';
    }
  }
  if (r.experimental.vendorId !== VENDOR_3GPP) return 'unavailable';
  switch (r.experimental.code) {
    case ExperimentalResultCode.DIAMETER_ERROR_USER_UNKNOWN: return 'user_unknown';
    case ExperimentalResultCode.DIAMETER_ERROR_IDENTITY_NOT_REGISTERED:
    case ExperimentalResultCode.DIAMETER_ERROR_ROAMING_NOT_ALLOWED:
    case ExperimentalResultCode.DIAMETER_ERROR_USER_NO_NON_3GPP_SUBSCRIPTION: return 'rejected';
    default: return 'unavailable';
  }
}

export type AuthHttpOutcome =
  | { status: 200; kind: 'continue' | 'success' }
  | { status: 403; kind: 'rejected' }
  | { status: 511; kind: 'reauthenticate' }
  | { status: 503; kind: 'unavailable'; retryAfter: number };

/**
 * continue/success → 200 (next packet / configuration document); rejected and user_unknown → 403;
 * unavailable → 511 when another authentication method is possible and the request carried no token, else
 * 503 with Retry-After.
 */
export function mapAaaResult(r: DiameterResult | null, opts: { otherMethodPossible: boolean; hadToken: boolean }): AuthHttpOutcome {
  switch (classifyAaaResult(r)) {
    case 'continue':
      return { status: 200, kind: 'continue' };
    case 'success':
      return { status: 200, kind: 'success' };
    case 'rejected':
    case 'user_unknown':
      return { status: 403, kind: 'rejected' };
    case 'unavailable':
      return opts.otherMethodPossible && !opts.hadToken
        ? { status: 511, kind: 'reauthenticate' }
        : { status: 503, kind: 'unavailable', retryAfter: RETRY_AFTER_SECONDS };
  }
}
