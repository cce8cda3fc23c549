/**
 * ap2015, app authentication with operator tokens (GSMA TS.43 v12.0 §14.1; docs/odsa.md § Operator tokens). Pure:
 * the token's claims, the minted token and the subscriber's MSISDN come in.
 *
 * Device side (the TS.43 client, authenticated with a TS.43 token or EAP-AKA):
 *   AcquireOperatorToken (§14.1.1–§14.1.4): `client_id` (required here: the app the token is for) and `scope`
 *     (optional) → OperatorToken, OperatorTokenExpiry (ISO 8601 with its zone), OperatorTokenAuthURL (when
 *     configured), ClientID.
 *
 * External entity (an app's back end, authenticated by the operator token itself, Table 120):
 *   ValidateOperatorToken (§14.1.6.1): `client_id` and/or `scope` (at least one, else 102) checked against
 *     the token → OperatorTokenValidity 1 VALID / 0 NOT VALID, OperatorTokenValidatedParams (comma list of
 *     the parameters checked, when valid).
 *   GetSubscriberDeviceInfo (§14.1.6.2, Table 126): MSISDN (E.164) and IMSI of the token's subscriber.
 *   VerifyPhoneNumber (§14.1.7, as §6.5): `msisdn` (else 102) → PhoneNumberVerification 1 when it is the
 *     MSISDN of the token's subscriber, else 0.
 */
import type { Characteristic } from '../codec/ts43/document.js';
import { OperationResult, errorAnswer, verifyPhoneNumberAnswer } from './odsa-operations.js';

export const OPERATOR_TOKEN_OPERATIONS = ['ValidateOperatorToken', 'GetSubscriberDeviceInfo', 'VerifyPhoneNumber'] as const;
export type OperatorTokenOperation = (typeof OPERATOR_TOKEN_OPERATIONS)[number];

/** The device-side operation of ap2015 (a TS.43-authenticated device asks omnisep to mint a token). */
export const ACQUIRE_OPERATOR_TOKEN = 'AcquireOperatorToken';
export const isAcquireOperatorToken = (operation: string | undefined): boolean => operation !== undefined && operation.toLowerCase() === ACQUIRE_OPERATOR_TOKEN.toLowerCase();
/** The device-side ap2015 operations: AcquireOperatorToken, and AcquireTemporaryToken for it (§14.1.5 steps 6–9). */
export const isOperatorTokenDeviceOperation = (operation: string | undefined): boolean => isAcquireOperatorToken(operation) || operation?.toLowerCase() === 'acquiretemporarytoken';

/** ap2015's AcquireTemporaryToken: `operation_targets` must name AcquireOperatorToken and nothing else (the one operation it opens). */
export function parseOperatorTokenTargets(targets: string | undefined): { ok: true } | { ok: false; answer: Characteristic } {
  if (targets === undefined) return { ok: false, answer: errorAnswer(APP, OperationResult.INVALID_PARAMETER, 'invalid parameter: missing operation_targets') };
  const list = targets.split(',').map((t) => t.trim()).filter(Boolean);
  if (list.length === 0 || !list.every(isAcquireOperatorToken)) return { ok: false, answer: errorAnswer(APP, OperationResult.INVALID_PARAMETER, 'invalid parameter: malformed operation_targets (ap2015 opens AcquireOperatorToken only)') };
  return { ok: true };
}

const APP = 'ap2015';
const digits = (msisdn: string): string => msisdn.replace(/^\+/, '');
// The ODSA text rule (src/contracts/entitlement-apps.ts): no markup characters, no control or bidi characters.
const TEXT = /^[^<>"\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+$/;

export function operatorTokenAnswer(
  op: OperatorTokenOperation,
  claims: { imsi: string; client_id: string | null; scopes: readonly string[] },
  params: { client_id?: string | undefined; scope?: string | undefined; msisdn?: string | undefined },
  subscriberMsisdn: string | null,
): Characteristic {
  if (op === 'VerifyPhoneNumber') {
    if (params.msisdn === undefined) return errorAnswer(APP, OperationResult.INVALID_PARAMETER, 'invalid parameter: missing msisdn');
    if (!/^\+?[0-9]{5,15}$/.test(params.msisdn)) return errorAnswer(APP, OperationResult.INVALID_PARAMETER, 'invalid parameter: malformed msisdn');
    return verifyPhoneNumberAnswer(APP, subscriberMsisdn !== null && digits(subscriberMsisdn) === digits(params.msisdn), params.msisdn);
  }
  if (op === 'GetSubscriberDeviceInfo') {
    // Table 126: MSISDN (E.164) and the optional IMSI, which the token's `sub` already tells its holder.
    if (subscriberMsisdn === null || digits(subscriberMsisdn) === '') return errorAnswer(APP, OperationResult.GENERAL_ERROR, 'no MSISDN is known for the subscriber');
    return { type: 'APPLICATION', parms: [['AppID', APP], ['OperationResult', String(OperationResult.SUCCESS)], ['MSISDN', `+${digits(subscriberMsisdn)}`], ['IMSI', claims.imsi]], children: [] };
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

export type AcquireOperatorTokenRequest = { ok: true; client_id: string; scope: string | null } | { ok: false; answer: Characteristic };

/** AcquireOperatorToken's parameters: `client_id` required (≤ 256 characters), `scope` optional (≤ 1024, quotes stripped, space-separated). */
export function parseAcquireOperatorToken(params: { client_id?: string | undefined; scope?: string | undefined }): AcquireOperatorTokenRequest {
  const problems: string[] = [];
  if (params.client_id === undefined) problems.push('missing client_id');
  else if (params.client_id.length > 256 || !TEXT.test(params.client_id)) problems.push('malformed client_id');
  const scope = params.scope === undefined ? null : params.scope.replace(/^"|"$/g, '').split(/[\s,]+/).filter(Boolean).join(' ');
  if (params.scope !== undefined && (params.scope.length > 1024 || !TEXT.test(scope ?? '') )) problems.push('malformed scope');
  if (problems.length) return { ok: false, answer: errorAnswer(APP, OperationResult.INVALID_PARAMETER, `invalid parameter: ${problems.join('; ')}`) };
  return { ok: true, client_id: params.client_id!, scope: scope || null };
}

/** ISO 8601 UTC, whole seconds, with its zone (`Z`), as TemporaryTokenExpiry. */
const isoSeconds = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** AcquireOperatorToken answer (§14.1.2 Table 117, in the order of the §14.1.4 example). */
export const acquireOperatorTokenAnswer = (minted: { token: string; expires_at: number }, clientId: string, authUrl: string): Characteristic => {
  const parms: Array<[string, string]> = [['AppID', APP], ['OperationResult', String(OperationResult.SUCCESS)], ['OperatorToken', minted.token], ['OperatorTokenExpiry', isoSeconds(minted.expires_at)]];
  if (authUrl !== '') parms.push(['OperatorTokenAuthURL', authUrl]);
  parms.push(['ClientID', clientId]);
  return { type: 'APPLICATION', parms, children: [] };
};

const MINT_REFUSALS: Record<string, string> = {
  not_configured: 'operator tokens are not configured on this server (operator_token.issuer, audience and a key)',
  no_signing_key: 'operator tokens cannot be minted: the issuer publishes keys (operator_token.jwks_file) and no private key is configured (operator_token.signing_key_file)',
  signing_key_unreadable: 'operator tokens cannot be minted: the signing key (operator_token.signing_key_file) is unreadable',
};

/** AcquireOperatorToken when nothing can sign: OperationResult 100 saying what is missing (never a key). */
export const mintRefusalAnswer = (reason: 'not_configured' | 'no_signing_key' | 'signing_key_unreadable'): Characteristic =>
  errorAnswer(APP, OperationResult.GENERAL_ERROR, MINT_REFUSALS[reason]!);
