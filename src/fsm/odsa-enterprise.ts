/**
 * Server-initiated ODSA, app ap2011 (GSMA TS.43 v12.0 §10, §6.5; docs/odsa.md § ap2011): which parameters
 * each operation needs, the answers, and the TOKEN an app server gets after a good CheckEligibility. Pure:
 * no I/O, no clock (times come in as arguments). The subscription life is the ODSA state machine of
 * odsa-subscription.ts; the answer builders are odsa-operations.ts's where the shapes are the same.
 *
 *   CheckEligibility      enterprise_id (with access_token)        → EnterpriseAppEligibility 0/1/2 (+ TOKEN when 1)
 *   AcquirePlan           —                                        → PlanOffers → PlanOffer{PlanId, PlanName, PlanDescription}
 *   ManageSubscription 0  enterprise_terminal_id, _eid, plan_id    → SubscriptionResult 2 + DownloadInfo, or 4 + PollingInterval
 *   ManageSubscription 1  enterprise_terminal_id                   → SubscriptionResult 3
 *   AcquireConfiguration  enterprise_terminal_id (+ _iccid)        → EnterpriseConfiguration{ICCID, ServiceStatus, PollingInterval while 2, DownloadInfo}
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Characteristic } from '../codec/ts43/document.js';
import { ENTERPRISE_OPERATIONS, malformedEnterpriseParams, type EnterpriseOperation, type OdsaEnterpriseParams } from '../contracts/enterprise.js';
import { OperationResult, UNSUPPORTED_SUBSCRIPTION_TYPES, configurationEntry, errorAnswer, invalidParameters, odsaApplication, type OperationResultCode, type SubscriptionFacts } from './odsa-operations.js';

export const ENTERPRISE_APP = 'ap2011';

/** ManageSubscription operation_type values ap2011 serves; 2–7 are 103 (docs/odsa.md § ap2011). */
const SERVED_TYPES: readonly number[] = [0, 1];

/** Required parameters by operation and operation_type. `auth` 'access_token': the enterprise is named by the request. */
export function enterpriseRequiredParams(op: EnterpriseOperation, opType: number | null, auth: 'access_token' | 'token'): string[] {
  const base = auth === 'access_token' ? ['enterprise_id'] : [];
  switch (op) {
    case 'CheckEligibility':
      return ['enterprise_id'];
    case 'ManageSubscription':
      if (opType === null) return [...base, 'operation_type'];
      return opType === 0 ? [...base, 'enterprise_terminal_id', 'enterprise_terminal_eid', 'plan_id'] : [...base, 'enterprise_terminal_id'];
    case 'AcquireConfiguration':
      return [...base, 'enterprise_terminal_id'];
    default:
      return base;
  }
}

export type ParsedEnterprise =
  | { ok: true; op: EnterpriseOperation; opType: number | null; params: OdsaEnterpriseParams }
  | { ok: false; result: OperationResultCode; text: string };

/**
 * The operation and its parameters, or the OperationResult that refuses them: 101 for an operation ap2011
 * does not serve, 102 naming every missing or malformed parameter, 103 for a ManageSubscription type other
 * than subscribe (0) and unsubscribe (1). CheckEligibility by TOKEN is 102 too: it is how an app server
 * gets one, with its access token.
 */
export function parseEnterpriseOperation(operation: string, params: Readonly<Record<string, string>>, auth: 'access_token' | 'token'): ParsedEnterprise {
  const op = ENTERPRISE_OPERATIONS.find((o) => o.toLowerCase() === operation.trim().toLowerCase());
  if (!op) return { ok: false, result: OperationResult.INVALID_OPERATION, text: `invalid operation: ${operation} (expected one of ${ENTERPRISE_OPERATIONS.join(', ')})` };
  const malformed = malformedEnterpriseParams(params);
  const typeText = params.operation_type;
  const opType = typeText !== undefined && /^[0-9]{1,2}$/.test(typeText) ? Number(typeText) : null;
  if (op === 'ManageSubscription' && opType !== null && opType > 7 && !malformed.includes('operation_type')) malformed.push('operation_type');
  const missing = enterpriseRequiredParams(op, malformed.includes('operation_type') ? 1 : opType, auth).filter((n) => (params[n] ?? '') === '' && !malformed.includes(n));
  if (op === 'CheckEligibility' && auth === 'token') missing.push('access_token');
  if (missing.length || malformed.length) return invalidParameters(missing, malformed);
  if (op === 'ManageSubscription' && opType !== null && !SERVED_TYPES.includes(opType)) {
    const why = UNSUPPORTED_SUBSCRIPTION_TYPES.includes(opType) ? 'is not supported by this server' : 'is not served for ap2011 (0 subscribe, 1 unsubscribe)';
    return { ok: false, result: OperationResult.UNSUPPORTED_OPERATION, text: `operation_type ${opType} ${why}` };
  }
  return { ok: true, op, opType, params: params as OdsaEnterpriseParams };
}

// ---------------------------------------------------------------------------
// Answers

/** CheckEligibility (§6.5): EnterpriseAppEligibility 0 DISABLED, 1 ENABLED, 2 INCOMPATIBLE. */
export const enterpriseEligibilityAnswer = (eligibility: 0 | 1 | 2): Characteristic => odsaApplication(ENTERPRISE_APP, OperationResult.SUCCESS, [['EnterpriseAppEligibility', String(eligibility)]]);

/**
 * AcquireConfiguration (§6.5): one bare EnterpriseConfiguration (ICCID, ServiceStatus, PollingInterval while
 * 2, DownloadInfo while ready or active) for the terminal asked; no subscription: OperationResult 1 alone.
 */
export const enterpriseConfigurationAnswer = (sub: SubscriptionFacts | null, pollingSeconds: number): Characteristic =>
  odsaApplication(ENTERPRISE_APP, OperationResult.SUCCESS, [], sub ? [configurationEntry('EnterpriseConfiguration', ENTERPRISE_APP, sub, pollingSeconds)] : []);

export const enterpriseErrorAnswer = (result: OperationResultCode, text: string): Characteristic => errorAnswer(ENTERPRISE_APP, result, text);

// ---------------------------------------------------------------------------
// The TOKEN of an app server (docs/odsa.md § ap2011 decisions)

/**
 * Self-contained: `base64url(1 ‖ expires_at (4 bytes, big-endian) ‖ tag (16 bytes) ‖ enterprise_id)`,
 * tag = HMAC-SHA256(secret, "omnisep-enterprise-token/1" ‖ requestor_id ‖ enterprise_id ‖ expires_at)[0..16).
 * The request sends requestor_id beside it (no enterprise_id: the token carries it); a token of another
 * requestor does not verify.
 */
const TOKEN_CONTEXT = 'omnisep-enterprise-token/1';
const VERSION = 1;

function tokenTag(secret: string, requestorId: string, enterpriseId: string, expiresAt: number): Buffer {
  const h = createHmac('sha256', secret);
  for (const part of [TOKEN_CONTEXT, requestorId, enterpriseId, String(expiresAt)]) h.update(part).update('\0');
  return h.digest().subarray(0, 16);
}

export function mintEnterpriseToken(secret: string, b: { requestor_id: string; enterprise_id: string; expires_at: number }): string {
  const head = Buffer.alloc(5);
  head.writeUInt8(VERSION, 0);
  head.writeUInt32BE(b.expires_at, 1);
  return Buffer.concat([head, tokenTag(secret, b.requestor_id, b.enterprise_id, b.expires_at), Buffer.from(b.enterprise_id, 'utf8')]).toString('base64url');
}

export type EnterpriseTokenCheck = { ok: true; enterprise_id: string; expires_at: number } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/** Check a TOKEN presented with `requestor_id` at `nowSeconds`. A token minted for another requestor is `forged`. */
export function verifyEnterpriseToken(secret: string, token: string, requestorId: string, nowSeconds: number): EnterpriseTokenCheck {
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'malformed' };
  const raw = Buffer.from(token, 'base64url');
  if (raw.length < 22 || raw.readUInt8(0) !== VERSION) return { ok: false, reason: 'malformed' };
  const expiresAt = raw.readUInt32BE(1);
  const enterpriseId = raw.subarray(21).toString('utf8');
  if (!timingSafeEqual(tokenTag(secret, requestorId, enterpriseId, expiresAt), raw.subarray(5, 21))) return { ok: false, reason: 'forged' };
  if (expiresAt <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, enterprise_id: enterpriseId, expires_at: expiresAt };
}
