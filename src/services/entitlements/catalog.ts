/**
 * The TS.43 entitlement catalog: which app IDs omnisep serves (GSMA TS.43
 * v12.0), their service names and sections, the answers for known but
 * unserved apps, the defaults of docs/ts43.md and the defaults+override merge.
 * The fields of each served app are TypeBox schemas in
 * src/contracts/entitlement-apps.ts, which also validate them.
 *
 * Pure data and functions: no I/O. Used by the admin route
 * `POST /api/entitlements/:imsi`, the config loader, the CLI, and the TS.43
 * document builder (./document.ts).
 */
import type { TSchema } from '@sinclair/typebox';
import type { EntitlementData } from '../../contracts/entitlements.js';
import {
  ENTITLEMENT_APP_SCHEMAS,
  isEntitlementAppId,
  parseAppEntitlement,
  type AppEntitlementMap,
  type EntitlementAppId,
} from '../../contracts/entitlement-apps.js';
import { PRIVATE_USER_ID_INCOMPATIBLE, privateUserIdAnswer, type PrivateUserIdMode } from '../../fsm/ap2013-private-user-id.js';

// ---------------------------------------------------------------------------
// Apps

export interface ServedApp {
  id: EntitlementAppId;
  service_name: string;
  /** GSMA TS.43 v12.0 section. */
  section: string;
  served: true;
  /** Its parameters (src/contracts/entitlement-apps.ts). */
  schema: TSchema;
}

/** Wire parameters answered for an app omnisep knows but does not serve (one APPLICATION, not an error). */
export interface UnservedApp {
  id: string;
  service_name: string;
  section: string;
  served: false;
  /** Why, for docs and the admin API. */
  reason: string;
  /** Parameters (wire names → values) of its APPLICATION characteristic, after AppID. */
  answer: Readonly<Record<string, string>>;
}

export type AppDef = ServedApp | UnservedApp;

const served = (id: EntitlementAppId, service_name: string, section: string): ServedApp => ({
  id,
  service_name,
  section,
  served: true,
  schema: ENTITLEMENT_APP_SCHEMAS[id],
});

export const SUPPORTED_APPS: Readonly<Record<string, ServedApp>> = {
  ap2003: served('ap2003', 'VoLTE/VoNR', '§4'),
  ap2004: served('ap2004', 'VoWiFi', '§3'),
  ap2005: served('ap2005', 'SMSoIP', '§5'),
  ap2010: served('ap2010', 'Data plan', '§9'),
  ap2012: served('ap2012', 'Direct carrier billing', '§11'),
  ap2014: served('ap2014', 'Device and user info', '§13'),
  ap2016: served('ap2016', 'Satellite mode', '§15'),
};

const odsaAnswer = { OperationResult: '103' } as const; // TS.43 §6.5.1: 103 = unsupported operation
const incompatibleAnswer = (what: string) => ({ EntitlementStatus: '2', MessageForIncompatible: `${what} is not offered by this server` });

/** Known app IDs that omnisep answers per app with a documented status (docs/ts43.md). */
export const UNSERVED_APPS: Readonly<Record<string, UnservedApp>> = {
  ap2006: {
    id: 'ap2006',
    service_name: 'ODSA companion device',
    section: '§6',
    served: false,
    reason: 'served by ODSA operations (docs/odsa.md); without an operation (the token request) the answer is AppID only',
    answer: {},
  },
  ap2009: {
    id: 'ap2009',
    service_name: 'ODSA primary device',
    section: '§6',
    served: false,
    reason: 'served by ODSA operations (docs/odsa.md); without an operation (the token request) the answer is AppID only',
    answer: {},
  },
  ap2011: {
    id: 'ap2011',
    service_name: 'Server-initiated ODSA',
    section: '§6',
    served: false,
    reason: 'served to app servers (requestor_id + access_token or TOKEN, §10, §2.8.3: docs/odsa.md § ap2011); a device\'s entitlement query for it is answered OperationResult 103',
    answer: odsaAnswer,
  },
  ap2013: {
    id: 'ap2013',
    service_name: 'Private user identity',
    section: '§12',
    served: false,
    reason: 'EntitlementStatus 1 with PrivateUserIDType 1 (PSEUDONYM) when the AAA behind eap_aka.backend swm issues EAP-AKA pseudonyms (ts43.private_user_id); otherwise incompatible: type 2 needs an encryption agreed with the Wi-Fi gateway (docs/odsa.md § ap2013)',
    answer: PRIVATE_USER_ID_INCOMPATIBLE,
  },
  ap2015: {
    id: 'ap2015',
    service_name: 'App authentication (operator token)',
    section: '§14',
    served: false,
    reason: 'an entitlement query for ap2015 (no operation) is answered incompatible; a device\'s AcquireOperatorToken mints operator tokens and operator_token requests (ValidateOperatorToken, GetSubscriberDeviceInfo, VerifyPhoneNumber) are checked (docs/odsa.md § Operator tokens)',
    answer: incompatibleAnswer('App authentication'),
  },
};

/** What the answer of a known-but-unserved app depends on besides its id: ap2013's mode (from the configuration). */
export interface UnservedAnswerOptions {
  privateUserId?: PrivateUserIdMode | undefined;
}

/** The parameters answered for a known-but-unserved app: its fixed answer, except ap2013, which follows the configuration. */
export const unservedAnswer = (appId: string, opts: UnservedAnswerOptions = {}): Readonly<Record<string, string>> =>
  appId === 'ap2013' ? privateUserIdAnswer(opts.privateUserId) : UNSERVED_APPS[appId]!.answer;

/** The answer for an app ID nobody knows (still one APPLICATION, never fatal to the others). */
export const UNKNOWN_APP_ANSWER: Readonly<Record<string, string>> = { EntitlementStatus: '2', MessageForIncompatible: 'unknown app id' };

export const SUPPORTED_APP_IDS = Object.keys(SUPPORTED_APPS) as readonly EntitlementAppId[];
export const KNOWN_APP_IDS = [...SUPPORTED_APP_IDS, ...Object.keys(UNSERVED_APPS)].sort() as readonly string[];
export const isSupportedAppId = (id: string): id is EntitlementAppId => isEntitlementAppId(id) && Object.hasOwn(SUPPORTED_APPS, id);

/** Normalise an app id as phones send it (`AP2004`, ` ap2004 `) → `ap2004`. */
export const normaliseAppId = (id: string): string => id.trim().toLowerCase();
export const isSupportedApp = (id: string): boolean => Object.hasOwn(SUPPORTED_APPS, normaliseAppId(id));
export const appDef = (id: string): AppDef | undefined => {
  const k = normaliseAppId(id);
  return Object.hasOwn(SUPPORTED_APPS, k) ? SUPPORTED_APPS[k] : Object.hasOwn(UNSERVED_APPS, k) ? UNSERVED_APPS[k] : undefined;
};
export const serviceName = (id: string): string => appDef(id)?.service_name ?? 'unknown';

// ---------------------------------------------------------------------------
// Defaults (TS43.md "Defaults", seed `default_entitlements`)

export const DEFAULT_MESSAGE_FOR_INCOMPATIBLE = 'This service is not available for your subscription. Please contact customer care.';

export const DEFAULT_ENTITLEMENTS: Readonly<AppEntitlementMap> = {
  ap2003: {
    entries: [
      { access_type: 1, home_roaming_nw_type: 1, entitlement_status: 1 },
      { access_type: 2, home_roaming_nw_type: 1, entitlement_status: 1, network_voice_irat_capability: 'EPS-Fallback' },
    ],
  },
  ap2004: {
    entitlement_status: 1,
    addr_status: 2,
    tc_status: 2,
    prov_status: 1,
    service_flow_url: '',
    service_flow_user_data: '',
    message_for_incompatible: DEFAULT_MESSAGE_FOR_INCOMPATIBLE,
  },
  ap2005: { entitlement_status: 1 },
  ap2010: { entitlement_status: 1 },
  ap2012: { entitlement_status: 0, tc_status: 2 },
  ap2014: { entitlement_status: 1, msisdn: '' },
  ap2016: { entitlement_status: 0 },
};

// ---------------------------------------------------------------------------
// Validation (the app's schema; this adds the app id check)

export type ValidationResult = { ok: true; value: EntitlementData } | { ok: false; errors: string[] };

/**
 * Validate (and normalise) one app's entitlement data as given to the admin
 * API, the config or the CLI, against the app's schema: partial data is fine
 * at the top level (an override merged over the defaults); list items must be
 * complete; integers may arrive as digit strings; strings are trimmed;
 * enumerations get their canonical spelling; an MSISDN loses its "+".
 */
export function validateEntitlement(appId: string, data: unknown): ValidationResult {
  const id = normaliseAppId(appId);
  if (!isSupportedAppId(id)) {
    const known = Object.hasOwn(UNSERVED_APPS, id) ? ` (${UNSERVED_APPS[id]!.service_name}: ${UNSERVED_APPS[id]!.reason})` : '';
    return { ok: false, errors: [`unsupported app ${JSON.stringify(appId)}${known}; expected one of ${SUPPORTED_APP_IDS.join(', ')}`] };
  }
  return parseAppEntitlement(id, data);
}

// ---------------------------------------------------------------------------
// Effective entitlements

const clone = <T>(v: T): T => structuredClone(v);

/**
 * Defaults merged with one subscriber's overrides, for every served app:
 * field by field at the top level (an override's `entries` list replaces the
 * default list wholesale). Apps without defaults or overrides get `{}`.
 */
export function effectiveEntitlements(
  defaults: Readonly<Record<string, EntitlementData | undefined>> = DEFAULT_ENTITLEMENTS,
  overrides?: Readonly<Record<string, EntitlementData | undefined>> | null,
): Record<string, EntitlementData> {
  const out: Record<string, EntitlementData> = {};
  for (const id of SUPPORTED_APP_IDS) {
    const d = Object.hasOwn(defaults, id) ? defaults[id] : undefined;
    const o = overrides && Object.hasOwn(overrides, id) ? overrides[id] : undefined;
    out[id] = { ...clone(d ?? {}), ...clone(o ?? {}) };
  }
  return out;
}

/** Where each app's effective data comes from. */
export function entitlementSource(overrides: Readonly<Record<string, unknown>> | null | undefined, appId: string): 'custom' | 'default' {
  return overrides && Object.hasOwn(overrides, normaliseAppId(appId)) ? 'custom' : 'default';
}
