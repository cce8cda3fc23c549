/**
 * The ap2015 operations an external entity runs with an operator token (GSMA TS.43 v12.0 §14.1.6, Table 120;
 * docs/odsa.md § Operator tokens). Pure: the token's claims and the subscriber's MSISDN come in.
 *
 *   ValidateOperatorToken (§14.1.6.1): `client_id` and/or `scope` (at least one, else 102) checked against
 *     the token → OperatorTokenValidity 1 VALID / 0 NOT VALID, OperatorTokenValidatedParams (comma list of
 *     the parameters checked, when valid).
 *   VerifyPhoneNumber (§14.1.7, as §6.5): `msisdn` (else 102) → PhoneNumberVerification 1 when it is the
 *     MSISDN of the token's subscriber, else 0.
 *
 * GetSubscriberDeviceInfo (§14.1.6.2) is not served: its parameters are not in the product's specification;
 * a token used for it is refused like any operation outside these two (403, docs/odsa.md).
 */
import type { Characteristic } from '../codec/ts43/document.js';
import { OperationResult, errorAnswer, verifyPhoneNumberAnswer } from './odsa-operations.js';

export const OPERATOR_TOKEN_OPERATIONS = ['ValidateOperatorToken', 'VerifyPhoneNumber'] as const;
export type OperatorTokenOperation = (typeof OPERATOR_TOKEN_OPERATIONS)[number];

const APP = 'ap2015';
const digits = (msisdn: string): string => msisdn.replace(/^\+/, '');

export function operatorTokenAnswer(
  op: OperatorTokenOperation,
  claims: { client_id: string | null; scopes: readonly string[] },
  params: { client_id?: string | undefined; scope?: string | undefined; msisdn?: string | undefined },
  subscriberMsisdn: string | null,
): Characteristic {
  if (op === 'VerifyPhoneNumber') {
    if (params.msisdn === undefined) return errorAnswer(APP, OperationResult.INVALID_PARAMETER, 'invalid parameter: missing msisdn');
    if (!/^\+?[0-9]{5,15}$/.test(params.msisdn)) return errorAnswer(APP, OperationResult.INVALID_PARAMETER, 'invalid parameter: malformed msisdn');
    return verifyPhoneNumberAnswer(APP, subscriberMsisdn !== null && digits(subscriberMsisdn) === digits(params.msisdn), params.msisdn);
  }
  if (params.client_id === undefined && params.scope === undefined) return errorAnswer(APP, OperationResult.INVALID_PARAMETER, 'invalid parameter: missing client_id|scope');
  const checked: string[] = [];
  let valid = true;
  if (params.client_id !== undefined) {
    checked.push('client_id');
    valid &&= claims.client_id !== null && claims.client_id === params.client_id;
  }
  if (params.scope !== undefined) {
    checked.push('scope');
    // The scope asked for (space- or comma-separated, quotes as in the §14.1.6.1 example stripped) must be within the token's.
    const asked = params.scope.replace(/^"|"$/g, '').split(/[\s,]+/).filter(Boolean);
    valid &&= asked.length > 0 && asked.every((x) => claims.scopes.includes(x));
  }
  const parms: Array<[string, string]> = [['AppID', APP], ['OperationResult', String(OperationResult.SUCCESS)], ['OperatorTokenValidity', valid ? '1' : '0']];
  if (valid) parms.push(['OperatorTokenValidatedParams', checked.join(',')]);
  return { type: 'APPLICATION', parms, children: [] };
}
