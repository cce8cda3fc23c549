/**
 * The outcome of a Diameter answer, one model from the codec to the TS.43 answer (docs/diameter.md § Result
 * model): RFC 6733 §7.1 Result-Code, or §7.6 Experimental-Result {Vendor-Id, Experimental-Result-Code}. The
 * two number spaces overlap (base 5001 DIAMETER_AVP_UNSUPPORTED is not 3GPP 5001 DIAMETER_ERROR_USER_UNKNOWN),
 * so a code is never read without the form it came in. Pure.
 */
import { ExperimentalResultCode, ResultCode, VENDOR_3GPP } from './constants.js';

export type DiameterResult = { resultCode: number } | { experimental: { vendorId: number; code: number } };

/** A 3GPP Experimental-Result (Vendor-Id 10415: TS 29.229 §6.2, TS 29.273 §10, TS 29.329 §6.2), for builders. */
export const experimental3gpp = (code: number): DiameterResult => ({ experimental: { vendorId: VENDOR_3GPP, code } });

/** The result as the admin API, the activity log and the TS.43 error bodies show it (snake_case). */
export interface DiameterResultView {
  code: number;
  /** 0 for a base Result-Code; the Vendor-Id of an Experimental-Result (10415 for 3GPP). */
  vendor_id: number;
  name: string | null;
}

const invert = (table: Record<string, number>): Map<number, string> => new Map(Object.entries(table).map(([k, v]) => [v, k]));
const BASE_NAMES = invert(ResultCode);
const EXPERIMENTAL_3GPP_NAMES = invert(ExperimentalResultCode);

/** The base Result-Code, or undefined for an Experimental-Result (or no result). */
export const baseCode = (r: DiameterResult | null | undefined): number | undefined => (r && 'resultCode' in r ? r.resultCode : undefined);

/** The Experimental-Result-Code when it is under `vendorId` (3GPP by default), else undefined. */
export const experimentalCode = (r: DiameterResult | null | undefined, vendorId = VENDOR_3GPP): number | undefined =>
  r && 'experimental' in r && r.experimental.vendorId === vendorId ? r.experimental.code : undefined;

/** The number, whichever form it came in (for metric labels and logs that also carry the form). */
export const codeOf = (r: DiameterResult): number => ('resultCode' in r ? r.resultCode : r.experimental.code);

/** RFC 6733 §7.1: 1xxx informational and 2xxx success are not failures; everything else is. */
export const isSuccessResult = (r: DiameterResult): boolean => {
  const code = codeOf(r);
  return code >= 1000 && code < 3000;
};

/** The spec name of the code (DIAMETER_UNABLE_TO_DELIVER, DIAMETER_ERROR_USER_UNKNOWN …) or null when we do not know it. */
export function resultName(r: DiameterResult): string | null {
  if ('resultCode' in r) return BASE_NAMES.get(r.resultCode) ?? null;
  return r.experimental.vendorId === VENDOR_3GPP ? EXPERIMENTAL_3GPP_NAMES.get(r.experimental.code) ?? null : null;
}

/** A compact key for counters and metric labels: `3002` for a Result-Code, `10415:5001` for an Experimental-Result. */
export const resultKey = (r: DiameterResult): string => ('resultCode' in r ? String(r.resultCode) : `${r.experimental.vendorId}:${r.experimental.code}`);

export const resultView = (r: DiameterResult): DiameterResultView =>
  'resultCode' in r ? { code: r.resultCode, vendor_id: 0, name: resultName(r) } : { code: r.experimental.code, vendor_id: r.experimental.vendorId, name: resultName(r) };

/** For humans and log lines: `3002 DIAMETER_UNABLE_TO_DELIVER`, `Experimental-Result 10415/5001 DIAMETER_ERROR_USER_UNKNOWN`. */
export const describeResult = (r: DiameterResult): string => describeResultView(resultView(r));

export function describeResultView(v: DiameterResultView): string {
  const head = v.vendor_id ? `Experimental-Result ${v.vendor_id}/${v.code}` : String(v.code);
  return v.name ? `${head} ${v.name}` : head;
}
