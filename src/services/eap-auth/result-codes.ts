/**
 * The AAA's answer → HTTP status of the TS.43 server (GSMA TS.43 v12.0 §2.8.1
 * Table 7; TS43.md § Authentication). Pure.
 */

/** Diameter Result-Code / Experimental-Result-Code values used here (RFC 6733 §7.1, TS 29.273 §8.2). */
export const ResultCode = {
  DIAMETER_MULTI_ROUND_AUTH: 1001,
  DIAMETER_SUCCESS: 2001,
  DIAMETER_AUTHENTICATION_REJECTED: 4001,
  DIAMETER_ERROR_USER_UNKNOWN: 5001,
  DIAMETER_ERROR_IDENTITY_NOT_REGISTERED: 5003,
} as const;

/** Seconds a phone is told to wait (Retry-After) when the back-end is down. */
export const RETRY_AFTER_SECONDS = 30;

export type AuthHttpOutcome =
  | { status: 200; kind: 'continue' | 'success' }
  | { status: 403; kind: 'rejected' }
  | { status: 511; kind: 'reauthenticate' }
  | { status: 503; kind: 'unavailable'; retryAfter: number };

/**
 * 1001 → 200 (next packet), 2001 → 200 (configuration document),
 * 4001/5001/5003 → 403; everything else (3001–3010, 5002, 5004–5017, other
 * answers, and no answer at all: `code === null`) is transient → 511 when
 * another authentication method is possible and the request carried no
 * token, else 503 with Retry-After.
 */
export function mapAaaResult(code: number | null, opts: { otherMethodPossible: boolean; hadToken: boolean }): AuthHttpOutcome {
  switch (code) {
    case ResultCode.DIAMETER_MULTI_ROUND_AUTH:
      return { status: 200, kind: 'continue' };
    case ResultCode.DIAMETER_SUCCESS:
      return { status: 200, kind: 'success' };
    case ResultCode.DIAMETER_AUTHENTICATION_REJECTED:
    case ResultCode.DIAMETER_ERROR_USER_UNKNOWN:
    case ResultCode.DIAMETER_ERROR_IDENTITY_NOT_REGISTERED:
      return { status: 403, kind: 'rejected' };
    default:
      return opts.otherMethodPossible && !opts.hadToken
        ? { status: 511, kind: 'reauthenticate' }
        : { status: 503, kind: 'unavailable', retryAfter: RETRY_AFTER_SECONDS };
  }
}
