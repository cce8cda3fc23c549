/**
 * ODSA operations (GSMA TS.43 v12.0 §6.5; ODSA.md): which parameters each
 * operation needs, and the builders of every answer as the APPLICATION
 * characteristic of the provisioning document. Pure: no I/O, no clock (times
 * come in as arguments).
 *
 * What the answers are shaped for (ODSA.md "AOSP client"):
 *   - OperationResult (and every code) as exact strings;
 *   - AcquireConfiguration on ap2009: one bare `PrimaryConfiguration` directly under APPLICATION;
 *   - ProfileActivationCode: strict base64 (standard alphabet, padded, no newlines);
 *   - TemporaryTokenExpiry: ISO 8601 UTC with its zone (`Z`);
 *   - MSG: the four required fields always present (`0`, never omitted).
 */
import type { Characteristic } from '../codec/ts43/document.js';
import { ODSA_OPERATIONS, malformedOdsaParams, type OdsaAppId, type OdsaOperation, type OdsaParams } from '../contracts/entitlement-apps.js';
import { SERVICE_STATUS, type SubscriptionState } from './odsa-subscription.js';

/** TS.43 §6.5 OperationResult. */
export const OperationResult = {
  SUCCESS: 1,
  GENERAL_ERROR: 100,
  INVALID_OPERATION: 101,
  INVALID_PARAMETER: 102,
  UNSUPPORTED_OPERATION: 103,
  INVALID_MSG_RESPONSE: 104,
} as const;
export type OperationResultCode = (typeof OperationResult)[keyof typeof OperationResult];

/** ManageSubscription operation_type (§6.5) and ManageService operation_type (§6.5). */
export const OperationType = {
  SUBSCRIBE: 0,
  UNSUBSCRIBE: 1,
  CHANGE_SUBSCRIPTION: 2,
  TRANSFER_SUBSCRIPTION: 3,
  UPDATE_SUBSCRIPTION: 4,
  ACTIVATE_SERVICE: 10,
  DEACTIVATE_SERVICE: 11,
} as const;

/** ManageSubscription types that v12 adds and omnisep answers 103 (ODSA.md: not in AOSP either). */
export const UNSUPPORTED_SUBSCRIPTION_TYPES: readonly number[] = [5, 6, 7];

/** Operations an app accepts; the rest of ODSA_OPERATIONS are 101 there. */
export const APP_OPERATIONS: Readonly<Record<OdsaAppId, readonly OdsaOperation[]>> = {
  ap2006: ODSA_OPERATIONS,
  ap2009: ODSA_OPERATIONS,
};

/**
 * Required parameters by app, operation and operation_type (§6.5, ODSA.md). `a|b` = one of them.
 * A missing one is OperationResult 102 naming it.
 */
export function requiredParams(app: OdsaAppId, op: OdsaOperation, opType: number | null): string[] {
  const companion = app === 'ap2006';
  switch (op) {
    case 'CheckEligibility':
      return companion ? ['companion_terminal_id'] : [];
    case 'ManageSubscription': {
      if (opType === null) return ['operation_type'];
      if (!companion) return opType === OperationType.TRANSFER_SUBSCRIPTION ? ['old_terminal_id|old_terminal_iccid'] : opType === OperationType.UPDATE_SUBSCRIPTION ? ['terminal_iccid|target_terminal_iccid'] : [];
      if (opType === OperationType.SUBSCRIBE || opType === OperationType.CHANGE_SUBSCRIPTION)
        return ['companion_terminal_id', 'companion_terminal_eid', 'companion_terminal_vendor', 'companion_terminal_friendly_name'];
      if (opType === OperationType.UPDATE_SUBSCRIPTION) return ['companion_terminal_id', 'companion_terminal_iccid'];
      return ['companion_terminal_id'];
    }
    case 'ManageService':
      return opType === null ? ['operation_type'] : companion ? ['companion_terminal_id'] : [];
    case 'AcquireTemporaryToken':
      return ['operation_targets'];
    case 'VerifyPhoneNumber':
      return ['msisdn'];
    default:
      return [];
  }
}

/** Which operation_type values an operation takes. */
const OPERATION_TYPES: Partial<Record<OdsaOperation, readonly number[]>> = {
  ManageSubscription: [0, 1, 2, 3, 4, 5, 6, 7],
  ManageService: [10, 11],
};

/** OperationResult 102 naming every missing and then every malformed parameter (ap2006/ap2009, ap2011). */
export const invalidParameters = (missing: readonly string[], malformed: readonly string[]): { ok: false; result: OperationResultCode; text: string } => {
  const parts = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...(malformed.length ? [`malformed ${malformed.join(', ')}`] : [])];
  return { ok: false, result: OperationResult.INVALID_PARAMETER, text: `invalid parameter: ${parts.join('; ')}` };
};

export type ParsedOdsa =
  | { ok: true; op: OdsaOperation; opType: number | null; params: OdsaParams }
  | { ok: false; result: OperationResultCode; text: string };

const has = (p: Readonly<Record<string, string>>, name: string) => name.split('|').some((n) => (p[n] ?? '') !== '');

/**
 * The operation and its parameters, or the OperationResult that refuses them: 101 for an operation this
 * app does not know, 102 naming every missing or malformed parameter, 103 for an optional
 * operation_type omnisep does not do. `params` are the request's parameters, names lower-cased.
 */
export function parseOdsaOperation(app: OdsaAppId, operation: string, params: Readonly<Record<string, string>>): ParsedOdsa {
  // §1.7: values compare case-insensitively; AOSP sends the spec's spelling.
  const op = APP_OPERATIONS[app].find((o) => o.toLowerCase() === operation.trim().toLowerCase());
  if (!op) return { ok: false, result: OperationResult.INVALID_OPERATION, text: `invalid operation: ${operation} (expected one of ${APP_OPERATIONS[app].join(', ')})` };
  const malformed = malformedOdsaParams(app, params);
  const typeText = params.operation_type;
  const opType = typeText !== undefined && /^[0-9]{1,2}$/.test(typeText) ? Number(typeText) : null;
  const allowedTypes = OPERATION_TYPES[op];
  if (opType !== null && allowedTypes && !allowedTypes.includes(opType) && !malformed.includes('operation_type')) malformed.push('operation_type');
  const missing = requiredParams(app, op, malformed.includes('operation_type') ? 0 : opType).filter((n) => !has(params, n) && !malformed.includes(n));
  if (missing.length || malformed.length) return invalidParameters(missing, malformed);
  if (op === 'ManageSubscription' && opType !== null && UNSUPPORTED_SUBSCRIPTION_TYPES.includes(opType))
    return { ok: false, result: OperationResult.UNSUPPORTED_OPERATION, text: `operation_type ${opType} is not supported by this server` };
  if (op === 'AcquireTemporaryToken') {
    const bad = (params.operation_targets ?? '').split(',').filter((t) => !ODSA_OPERATIONS.some((o) => o.toLowerCase() === t.toLowerCase()));
    if (bad.length) return { ok: false, result: OperationResult.INVALID_PARAMETER, text: `invalid parameter: operation_targets names unknown operations ${bad.join(', ')}` };
  }
  return { ok: true, op, opType, params: params as OdsaParams };
}

/** The canonical spelling of each operation named in operation_targets, de-duplicated. */
export const parseOperationTargets = (s: string): OdsaOperation[] => {
  const out: OdsaOperation[] = [];
  for (const t of s.split(',')) {
    const op = ODSA_OPERATIONS.find((o) => o.toLowerCase() === t.trim().toLowerCase());
    if (op && !out.includes(op)) out.push(op);
  }
  return out;
};

// ---------------------------------------------------------------------------
// Answers

type Parm = [string, string];
const app = (appId: string, result: OperationResultCode, parms: Parm[] = [], children: Characteristic[] = []): Characteristic => ({
  type: 'APPLICATION',
  parms: [['AppID', appId], ['OperationResult', String(result)], ...parms],
  children,
});
const ch = (type: string, parms: Parm[], children: Characteristic[] = []): Characteristic => ({ type, parms, children });
/** The APPLICATION characteristic of any ODSA answer (ap2011 builds its own in odsa-enterprise.ts). */
export const odsaApplication = app;
/** A list (CompanionConfigurations, PlanOffers): in JSON an array of one-key objects (ODSA.md § Document shape). */
const listOf = (type: string, items: Characteristic[]): Characteristic => ({ type, parms: [], children: items, wrapItems: true });

/** OperationResult 100–104 with the reason in GeneralErrorText (§6.5). */
export const errorAnswer = (appId: string, result: OperationResultCode, text: string): Characteristic => app(appId, result, [['GeneralErrorText', text]]);

/** A profile the operator's systems reserved (SM-DP+): what DownloadInfo says (§6.5, SGP.22 §4.1 activation code). */
export interface ProfileInfo {
  iccid: string;
  /** The SM-DP+ address(es), comma list. */
  smdp_address: string;
  /** The SGP.22 matching ID; empty = none (default SM-DP+ / SM-DS discovery on the EID). */
  matching_id: string;
}

/**
 * SGP.22 activation code `LPA:1$<SM-DP+ address>$<matching ID>` in strict base64 (standard alphabet,
 * padded, no line breaks): AOSP drops a DownloadInfo whose code is anything else (ODSA.md).
 */
export const activationCode = (p: ProfileInfo): string => Buffer.from(`LPA:1$${p.smdp_address.split(',')[0]}$${p.matching_id}`, 'utf8').toString('base64');

/** DownloadInfo (§6.5): ProfileActivationCode + ProfileIccid; ProfileSmdpAddress when the device gave its EID. */
export function downloadInfo(p: ProfileInfo, eidGiven: boolean, withIccid = true): Characteristic {
  const parms: Parm[] = [];
  if (p.matching_id !== '') parms.push(['ProfileActivationCode', activationCode(p)]);
  if (eidGiven || p.matching_id === '') parms.push(['ProfileSmdpAddress', p.smdp_address]);
  // A configuration entry carries ICCID beside DownloadInfo (the §6 PrimaryConfiguration example); without an activation code AOSP needs ProfileIccid.
  if (withIccid || p.matching_id === '') parms.push(['ProfileIccid', p.iccid]);
  return ch('DownloadInfo', parms);
}

export interface EligibilityPolicy {
  /** 0 DISABLED, 1 ENABLED, 2 INCOMPATIBLE. */
  eligibility: 0 | 1 | 2;
  companion_services: readonly string[];
  not_enabled_url: string;
  not_enabled_user_data: string;
  polling_interval_seconds: number;
}

/** CheckEligibility (§6.5): CompanionAppEligibility + CompanionDeviceServices, or PrimaryAppEligibility (+ PollingInterval when 0). */
export function eligibilityAnswer(appId: OdsaAppId, pol: EligibilityPolicy): Characteristic {
  const parms: Parm[] = [[appId === 'ap2006' ? 'CompanionAppEligibility' : 'PrimaryAppEligibility', String(pol.eligibility)]];
  if (appId === 'ap2006' && pol.eligibility === 1) parms.push(['CompanionDeviceServices', pol.companion_services.join(',')]);
  if (pol.eligibility !== 1 && pol.not_enabled_url !== '') {
    parms.push(['NotEnabledURL', pol.not_enabled_url]);
    if (pol.not_enabled_user_data !== '') parms.push(['NotEnabledUserData', pol.not_enabled_user_data]);
  }
  if (appId === 'ap2009' && pol.eligibility === 0) parms.push(...pollingParms(pol.polling_interval_seconds));
  return app(appId, OperationResult.SUCCESS, parms);
}

/** PollingInterval in seconds with PollingIntervalUnit 1 (seconds), §6.5 (docs/odsa.md § Polling). */
export const pollingParms = (seconds: number): Parm[] => [['PollingInterval', String(seconds)], ['PollingIntervalUnit', '1']];

/** What the answers need of a stored subscription. */
export interface SubscriptionFacts {
  state: Exclude<SubscriptionState, 'none'>;
  companion_service: string | null;
  profile: ProfileInfo | null;
  eid: string | null;
  /** Polled past MaxRefreshRequest while activating: ServiceStatus 4 DEACTIVATED, NO REUSE (§6.5 AcquireConfiguration). */
  no_reuse?: boolean;
}

/** The MSG structure (§6.5): Message, Accept_btn, Reject_btn, Accept_freetext always present. */
export interface UserMessage {
  message: string;
  accept_freetext: boolean;
}
export const msgCharacteristic = (m: UserMessage): Characteristic =>
  ch('MSG', [['Message', m.message], ['Accept_btn', '1'], ['Reject_btn', '1'], ['Accept_freetext', m.accept_freetext ? '1' : '0']]);

/** The operator's subscription web view (§6.5 ManageSubscription, SubscriptionResult 1; companion flow §7.1). */
export interface SubscriptionPortal {
  url: string;
  /** SubscriptionServiceUserData; empty = omitted. */
  user_data: string;
  /** SubscriptionServiceContentsType: '' = GET with the user data as query (the parameter is omitted), json / xml = POST. */
  contents_type: '' | 'json' | 'xml';
}

/**
 * ManageSubscription (§6.5): SubscriptionResult 1 CONTINUE TO WEBSHEET + SubscriptionServiceURL/UserData/
 * ContentsType, 2 + DownloadInfo, 3 DONE, 4 DELAYED DOWNLOAD (+ polling), 5 DISMISS, 6 DELETE PROFILE IN USE,
 * 7 REDOWNLOADABLE PROFILE IS MANDATORY, 8 REQUIRES USER INPUT + MSG.
 */
export function subscriptionAnswer(
  appId: string,
  out:
    | { result: 1; portal: SubscriptionPortal }
    | { result: 2; profile: ProfileInfo; eidGiven: boolean }
    | { result: 3 | 5 | 6 | 7 }
    | { result: 4; polling_interval_seconds: number }
    | { result: 8; msg: UserMessage },
): Characteristic {
  const parms: Parm[] = [['SubscriptionResult', String(out.result)]];
  const children: Characteristic[] = [];
  if (out.result === 1) {
    parms.push(['SubscriptionServiceURL', out.portal.url]);
    if (out.portal.user_data !== '') parms.push(['SubscriptionServiceUserData', out.portal.user_data]);
    // AOSP reads *ContentsType lowercase only (ODSA.md).
    if (out.portal.contents_type !== '') parms.push(['SubscriptionServiceContentsType', out.portal.contents_type]);
  }
  if (out.result === 2) children.push(downloadInfo(out.profile, out.eidGiven));
  if (out.result === 4) parms.push(...pollingParms(out.polling_interval_seconds));
  if (out.result === 8) children.push(msgCharacteristic(out.msg));
  return app(appId, OperationResult.SUCCESS, parms, children);
}

/** ManageService (§6.5): ServiceStatus. */
export const serviceAnswer = (appId: OdsaAppId, status: 1 | 2 | 3 | 4): Characteristic => app(appId, OperationResult.SUCCESS, [['ServiceStatus', String(status)]]);

/** One configuration entry (§6.5 AcquireConfiguration): ICCID, CompanionDeviceService, ServiceStatus, PollingInterval while 2, DownloadInfo with a profile. */
export function configurationEntry(type: string, appId: string, s: SubscriptionFacts, pollingSeconds: number): Characteristic {
  const status = s.no_reuse ? 4 : SERVICE_STATUS[s.state];
  const parms: Parm[] = [];
  if (s.profile) parms.push(['ICCID', s.profile.iccid]);
  if (appId === 'ap2006' && s.companion_service) parms.push(['CompanionDeviceService', s.companion_service]);
  parms.push(['ServiceStatus', String(status)]);
  if (status === 2) parms.push(...pollingParms(pollingSeconds));
  // While the profile waits for download, and after (the §6 PrimaryConfiguration example has it with ServiceStatus 1): a device that lost it downloads again.
  const children = !s.no_reuse && (s.state === 'ready' || s.state === 'active') && s.profile ? [downloadInfo(s.profile, s.eid !== null, false)] : [];
  return ch(type, parms, children);
}

/**
 * AcquireConfiguration (§6.5). ap2006: CompanionConfigurations → one CompanionConfiguration per device
 * (always a list in JSON). ap2009: one bare PrimaryConfiguration directly under APPLICATION, which is all
 * AOSP reads. No subscription: OperationResult 1 and no configuration.
 */
export function configurationAnswer(appId: OdsaAppId, subs: readonly SubscriptionFacts[], pollingSeconds: number): Characteristic {
  if (subs.length === 0) return app(appId, OperationResult.SUCCESS);
  if (appId === 'ap2009') return app(appId, OperationResult.SUCCESS, [], [configurationEntry('PrimaryConfiguration', appId, subs[0]!, pollingSeconds)]);
  return app(appId, OperationResult.SUCCESS, [], [listOf('CompanionConfigurations', subs.map((s) => configurationEntry('CompanionConfiguration', appId, s, pollingSeconds)))]);
}

/** A plan offered by the operator (§6.5 AcquirePlan). */
export interface PlanOffer {
  plan_id: string;
  plan_name: string;
  plan_description: string;
}
export const plansAnswer = (appId: string, plans: readonly PlanOffer[]): Characteristic =>
  app(appId, OperationResult.SUCCESS, [], [
    listOf('PlanOffers', plans.map((p) => ch('PlanOffer', [['PlanId', p.plan_id], ['PlanName', p.plan_name], ['PlanDescription', p.plan_description]]))),
  ]);

/** AcquireTemporaryToken (§6.5): the token, its expiry in ISO 8601 UTC with `Z`, the operations it opens. */
export const temporaryTokenAnswer = (appId: OdsaAppId | 'ap2015', token: string, expiresAtMs: number, targets: readonly string[]): Characteristic =>
  app(appId, OperationResult.SUCCESS, [['TemporaryToken', token], ['TemporaryTokenExpiry', new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z')], ['OperationTargets', targets.join(',')]]);

/** GetPhoneNumber (§6.5): MSISDN in E.164 (with `+`). */
export const phoneNumberAnswer = (appId: string, msisdn: string): Characteristic => app(appId, OperationResult.SUCCESS, [['MSISDN', `+${msisdn.replace(/^\+/, '')}`]]);

/** VerifyPhoneNumber (§6.5): 1 = the number is the subscriber's, 0 = not. */
export const verifyPhoneNumberAnswer = (appId: string, matches: boolean, msisdn: string): Characteristic =>
  app(appId, OperationResult.SUCCESS, [['PhoneNumberVerification', matches ? '1' : '0'], ['msisdn', msisdn]]);

/** GetSubscriberInfo (§6.5): SubscriberInfo{MSISDN, SimIdType 0 (IMSI), SimID, MvnoName}. */
export const subscriberInfoAnswer = (appId: string, info: { msisdn: string | null; imsi: string; mvno_name: string }): Characteristic => {
  const parms: Parm[] = [];
  if (info.msisdn) parms.push(['MSISDN', `+${info.msisdn.replace(/^\+/, '')}`]);
  parms.push(['SimIdType', '0'], ['SimID', info.imsi]);
  if (info.mvno_name !== '') parms.push(['MvnoName', info.mvno_name]);
  return app(appId, OperationResult.SUCCESS, [], [ch('SubscriberInfo', parms)]);
};
