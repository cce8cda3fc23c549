/**
 * The TS.43 entitlement catalog: which app IDs omnisep serves, the fields each
 * one carries (snake_case, as the admin API and `omnisep entitlement set` use
 * them; `wire` is the parameter name of GSMA TS.43 v12.0), their ranges, the
 * defaults of TS43.md, validation and the defaults+override merge.
 *
 * Pure data and functions: no I/O. Used by the admin route
 * `POST /api/entitlements/:imsi`, the CLI (validation before sending), and the
 * TS.43 response renderer (src/codec/ts43/).
 */
import type { EntitlementData } from '../../contracts/entitlements.js';
import { hasUnsafeText, terminalSafe } from '../../util/terminal-text.js';

// ---------------------------------------------------------------------------
// Field definitions

export interface FieldDefBase {
  /** snake_case name in the admin API / store. */
  name: string;
  /** TS.43 parameter (XML `parm name`, JSON key) or characteristic type. */
  wire: string;
  description: string;
  /** Only meaningful inside an array item object: the item is invalid without it. */
  required?: boolean;
}

export interface IntFieldDef extends FieldDefBase {
  type: 'integer';
  min: number;
  max: number;
  /** Meaning of each value, for messages and docs. */
  meanings?: Readonly<Record<number, string>>;
}

export interface StringFieldDef extends FieldDefBase {
  type: 'string';
  maxLength: number;
  /** Allowed values (compared case-insensitively, stored in the spelling given here). */
  values?: readonly string[];
  format?: 'url' | 'msisdn' | 'plmn';
}

export interface ListFieldDef extends FieldDefBase {
  type: 'list';
  maxItems: number;
  /** The fields of each item (an object). */
  item: Readonly<Record<string, FieldDef>>;
  /** Characteristic type of each item on the wire. */
  itemWire: string;
}

export interface StringListFieldDef extends FieldDefBase {
  type: 'string_list';
  maxItems: number;
  values: readonly string[];
}

export type FieldDef = IntFieldDef | StringFieldDef | ListFieldDef | StringListFieldDef;

/** TS.43 §3.2 / §5 / §11 / §15 EntitlementStatus. */
const ENTITLEMENT_STATUS_MEANINGS = { 0: 'disabled', 1: 'enabled', 2: 'incompatible', 3: 'provisioning' } as const;
/** TS.43 §3.2 AddrStatus / TC_Status. */
const ADDR_TC_MEANINGS = { 0: 'not available', 1: 'available', 2: 'not required', 3: 'in progress' } as const;
/** TS.43 §3.2 ProvStatus. */
const PROV_MEANINGS = { 0: 'not provisioned', 1: 'provisioned', 2: 'not required', 3: 'in progress' } as const;

const int = (
  name: string,
  wire: string,
  min: number,
  max: number,
  description: string,
  meanings?: Record<number, string>,
  required?: boolean,
): IntFieldDef => ({ type: 'integer', name, wire, min, max, description, meanings, required });

const str = (
  name: string,
  wire: string,
  maxLength: number,
  description: string,
  extra: Partial<Pick<StringFieldDef, 'values' | 'format' | 'required'>> = {},
): StringFieldDef => ({ type: 'string', name, wire, maxLength, description, ...extra });

const entitlementStatus = (service: string): IntFieldDef =>
  int('entitlement_status', 'EntitlementStatus', 0, 3, `whether ${service} may be used`, ENTITLEMENT_STATUS_MEANINGS, true);

const messageForIncompatible = str(
  'message_for_incompatible',
  'MessageForIncompatible',
  1024,
  'text shown to the user when entitlement_status is 2 (incompatible)',
);
const serviceFlowUrl = str('service_flow_url', 'ServiceFlow_URL', 2048, 'URL of the web service flow (websheet) opened by the device; empty = none', {
  format: 'url',
});
const serviceFlowUserData = str(
  'service_flow_user_data',
  'ServiceFlow_UserData',
  2048,
  'data POSTed by the device to ServiceFlow_URL; empty = omnisep signs one per subscriber (websheet)',
);

/** TS.43 §4.2 AccessType: RAT of a voice entitlement entry. */
const ACCESS_TYPE_MEANINGS = { 1: 'LTE (E-UTRAN)', 2: 'NG-RAN (NR)' } as const;
/** TS.43 §4.2 HomeRoamingNWType. */
const HOME_ROAMING_MEANINGS = { 1: 'all networks', 2: 'home network', 3: 'roaming networks' } as const;

export const NETWORK_VOICE_IRAT_CAPABILITIES = ['EPS-Fallback', '5G-SRVCC', '4G-SRVCC'] as const;
export const DATA_PLAN_TYPES = ['Metered', 'Unmetered'] as const;
export const SATELLITE_SERVICES = ['data', 'sms', 'voice', 'emergency'] as const;

const ratVoiceEntry: Record<string, FieldDef> = {
  access_type: int('access_type', 'AccessType', 1, 2, 'radio access of this entry', ACCESS_TYPE_MEANINGS, true),
  home_roaming_nw_type: int('home_roaming_nw_type', 'HomeRoamingNWType', 1, 3, 'networks this entry applies to', HOME_ROAMING_MEANINGS, true),
  entitlement_status: int('entitlement_status', 'EntitlementStatus', 0, 3, 'voice entitlement on this access', ENTITLEMENT_STATUS_MEANINGS, true),
  message_for_incompatible: messageForIncompatible,
  network_voice_irat_capability: str(
    'network_voice_irat_capability',
    'NetworkVoiceIRATCapability',
    32,
    'inter-RAT voice capability of the network (NG-RAN entries)',
    { values: NETWORK_VOICE_IRAT_CAPABILITIES },
  ),
};

const dataPlanEntry: Record<string, FieldDef> = {
  access_type: int('access_type', 'AccessType', 1, 2, 'radio access the plan applies to', ACCESS_TYPE_MEANINGS, true),
  data_plan_type: str('data_plan_type', 'DataPlanType', 16, 'whether traffic on this access is metered', { values: DATA_PLAN_TYPES, required: true }),
};

const plmnEntry: Record<string, FieldDef> = {
  plmn: str('plmn', 'PLMN', 6, 'MCC+MNC, 5 or 6 digits', { format: 'plmn', required: true }),
  data_plan_type: str('data_plan_type', 'DataPlanType', 16, 'whether data over this satellite PLMN is metered', { values: DATA_PLAN_TYPES }),
  allowed_services_info: {
    type: 'string_list',
    name: 'allowed_services_info',
    wire: 'AllowedServicesInfo',
    maxItems: SATELLITE_SERVICES.length,
    values: SATELLITE_SERVICES,
    description: 'services allowed over this satellite PLMN',
  },
};

// ---------------------------------------------------------------------------
// Apps

export interface ServedApp {
  id: string;
  service_name: string;
  /** GSMA TS.43 v12.0 section. */
  section: string;
  served: true;
  fields: Readonly<Record<string, FieldDef>>;
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

export const SUPPORTED_APPS: Readonly<Record<string, ServedApp>> = {
  ap2003: {
    id: 'ap2003',
    service_name: 'VoLTE/VoNR',
    section: '§4',
    served: true,
    fields: {
      entries: {
        type: 'list',
        name: 'entries',
        wire: 'VoiceOverCellularEntitleInfo',
        itemWire: 'RATVoiceEntitleInfoDetails',
        maxItems: 6,
        item: ratVoiceEntry,
        description: 'one entry per radio access and home/roaming network type',
      },
    },
  },
  ap2004: {
    id: 'ap2004',
    service_name: 'VoWiFi',
    section: '§3',
    served: true,
    fields: {
      entitlement_status: entitlementStatus('VoWiFi'),
      service_flow_url: serviceFlowUrl,
      service_flow_user_data: serviceFlowUserData,
      addr_status: int('addr_status', 'AddrStatus', 0, 3, 'emergency (E911) address status', ADDR_TC_MEANINGS),
      tc_status: int('tc_status', 'TC_Status', 0, 3, 'terms and conditions status', ADDR_TC_MEANINGS),
      prov_status: int('prov_status', 'ProvStatus', 0, 3, 'network provisioning status', PROV_MEANINGS),
      message_for_incompatible: messageForIncompatible,
      addr_expiry: str('addr_expiry', 'AddrExpiry', 64, 'when the emergency address expires (optional)'),
      addr_identifier: str('addr_identifier', 'AddrIdentifier', 128, 'identifier of the recorded emergency address (optional)'),
    },
  },
  ap2005: {
    id: 'ap2005',
    service_name: 'SMSoIP',
    section: '§5',
    served: true,
    fields: {
      entitlement_status: entitlementStatus('SMS over IP'),
      message_for_incompatible: messageForIncompatible,
    },
  },
  ap2010: {
    id: 'ap2010',
    service_name: 'Data plan',
    section: '§9',
    served: true,
    fields: {
      entitlement_status: entitlementStatus('the data plan information service'),
      data_plan_info: {
        type: 'list',
        name: 'data_plan_info',
        wire: 'DataPlanInfo',
        itemWire: 'DataPlanInfoDetails',
        maxItems: 4,
        item: dataPlanEntry,
        description: 'metered/unmetered per radio access',
      },
      data_boost_info: {
        type: 'string_list',
        name: 'data_boost_info',
        wire: 'DataBoostInfo',
        maxItems: 4,
        values: ['0', '1', '2'],
        description: 'boost types offered (TS.43 boost_type values)',
      },
      five_g_sa_status: int('five_g_sa_status', '5GSAInfo', 0, 1, '5G standalone allowed', { 0: 'not allowed', 1: 'allowed' }),
    },
  },
  ap2012: {
    id: 'ap2012',
    service_name: 'Direct carrier billing',
    section: '§11',
    served: true,
    fields: {
      entitlement_status: entitlementStatus('direct carrier billing'),
      tc_status: int('tc_status', 'TC_Status', 0, 3, 'terms and conditions status', ADDR_TC_MEANINGS),
      tc_operation: str('tc_operation', 'TC_Operation', 32, 'what the device does about the terms (e.g. Accept, Present)'),
      service_flow_url: serviceFlowUrl,
      service_flow_user_data: serviceFlowUserData,
      service_flow_contents_type: str('service_flow_contents_type', 'ServiceFlow_ContentsType', 64, 'content type of ServiceFlow_UserData (e.g. json)'),
      msg: str('msg', 'MSG', 1024, 'message shown to the user'),
      message_for_incompatible: messageForIncompatible,
    },
  },
  ap2014: {
    id: 'ap2014',
    service_name: 'Device and user info',
    section: '§13',
    served: true,
    fields: {
      entitlement_status: entitlementStatus('the phone number service'),
      msisdn: str('msisdn', 'MSISDN', 16, 'E.164 digits, no "+" (a leading "+" is accepted and removed); empty = from the subscriber store', {
        format: 'msisdn',
      }),
    },
  },
  ap2016: {
    id: 'ap2016',
    service_name: 'Satellite mode',
    section: '§15',
    served: true,
    fields: {
      entitlement_status: entitlementStatus('satellite mode'),
      plmn_allowed: {
        type: 'list',
        name: 'plmn_allowed',
        wire: 'PLMNAllowed',
        itemWire: 'PLMNAllowedDetails',
        maxItems: 64,
        item: plmnEntry,
        description: 'satellite PLMNs the device may use',
      },
      plmn_barred: {
        type: 'list',
        name: 'plmn_barred',
        wire: 'PLMNBarred',
        itemWire: 'PLMNBarredDetails',
        maxItems: 64,
        item: { plmn: plmnEntry.plmn! },
        description: 'satellite PLMNs the device must not use',
      },
      service_flow_url: serviceFlowUrl,
      service_flow_user_data: serviceFlowUserData,
    },
  },
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
    reason: 'ODSA flows are not implemented yet',
    answer: odsaAnswer,
  },
  ap2009: {
    id: 'ap2009',
    service_name: 'ODSA primary device',
    section: '§6',
    served: false,
    reason: 'ODSA flows are not implemented yet',
    answer: odsaAnswer,
  },
  ap2011: {
    id: 'ap2011',
    service_name: 'Server-initiated ODSA',
    section: '§6',
    served: false,
    reason: 'ODSA flows are not implemented yet',
    answer: odsaAnswer,
  },
  ap2013: {
    id: 'ap2013',
    service_name: 'Private user identity',
    section: '§12',
    served: false,
    reason: 'not implemented yet',
    answer: incompatibleAnswer('Private user identity'),
  },
  ap2015: {
    id: 'ap2015',
    service_name: 'App authentication (operator token)',
    section: '§14',
    served: false,
    reason: 'operator tokens are not implemented yet',
    answer: incompatibleAnswer('App authentication'),
  },
};

/** The answer for an app ID nobody knows (still one APPLICATION, never fatal to the others). */
export const UNKNOWN_APP_ANSWER: Readonly<Record<string, string>> = { EntitlementStatus: '2', MessageForIncompatible: 'unknown app id' };

export const SUPPORTED_APP_IDS = Object.keys(SUPPORTED_APPS) as readonly string[];
export const KNOWN_APP_IDS = [...SUPPORTED_APP_IDS, ...Object.keys(UNSERVED_APPS)].sort() as readonly string[];

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

export const DEFAULT_ENTITLEMENTS: Readonly<Record<string, EntitlementData>> = {
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
// Validation

export type ValidationResult = { ok: true; value: EntitlementData } | { ok: false; errors: string[] };

const describeRange = (f: IntFieldDef): string =>
  f.meanings
    ? Object.entries(f.meanings)
        .map(([v, m]) => `${v} (${m})`)
        .join(', ')
    : `an integer ${f.min}–${f.max}`;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validateField(def: FieldDef, path: string, raw: unknown, errors: string[]): unknown {
  switch (def.type) {
    case 'integer': {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) n = Number(raw.trim());
      if (n === undefined || !Number.isInteger(n)) {
        errors.push(`${path}: ${JSON.stringify(raw)} is not an integer; expected ${describeRange(def)}`);
        return undefined;
      }
      if (n < def.min || n > def.max) {
        errors.push(`${path}: ${n} is out of range; expected ${describeRange(def)}`);
        return undefined;
      }
      return n;
    }
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        errors.push(`${path}: expected a string (${def.description})`);
        return undefined;
      }
      let s = String(raw).trim();
      if (hasUnsafeText(s)) {
        errors.push(`${path}: holds a control, C1 or bidi character (${JSON.stringify(terminalSafe(s).slice(0, 60))}); expected plain text (they are invalid in TS.43 XML 1.0 and rewrite operators' terminals)`);
        return undefined;
      }
      if (s.length > def.maxLength) {
        errors.push(`${path}: ${s.length} characters is too long; at most ${def.maxLength}`);
        return undefined;
      }
      if (def.values) {
        const hit = def.values.find((v) => v.toLowerCase() === s.toLowerCase());
        if (hit === undefined) {
          errors.push(`${path}: ${JSON.stringify(s)} is not allowed; expected one of ${def.values.join(', ')}`);
          return undefined;
        }
        return hit;
      }
      if (s === '') return s;
      if (def.format === 'url') {
        let u: URL | undefined;
        try {
          u = new URL(s);
        } catch {
          u = undefined;
        }
        if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
          errors.push(`${path}: ${JSON.stringify(s)} is not an http(s) URL; expected e.g. https://sep.example.com/websheet/vowifi, or "" for none`);
          return undefined;
        }
      } else if (def.format === 'msisdn') {
        s = s.replace(/^\+/, '');
        if (!/^[0-9]{5,15}$/.test(s)) {
          errors.push(`${path}: ${JSON.stringify(raw)} is not an E.164 number; expected 5–15 digits with an optional leading "+"`);
          return undefined;
        }
      } else if (def.format === 'plmn') {
        if (!/^[0-9]{5,6}$/.test(s)) {
          errors.push(`${path}: ${JSON.stringify(s)} is not a PLMN; expected MCC+MNC as 5 or 6 digits, e.g. 310260`);
          return undefined;
        }
      }
      if (/[<>"]/.test(s)) {
        // Android's XML parser decodes only &amp; (TS43.md client contract): keep values entity-free.
        errors.push(`${path}: must not contain < > or " (phones cannot decode them)`);
        return undefined;
      }
      return s;
    }
    case 'string_list': {
      const items = typeof raw === 'string' ? raw.split(',').map((x) => x.trim()).filter((x) => x !== '') : raw;
      if (!Array.isArray(items)) {
        errors.push(`${path}: expected a list of ${def.values.join('|')}`);
        return undefined;
      }
      if (items.length > def.maxItems) {
        errors.push(`${path}: ${items.length} items is too many; at most ${def.maxItems}`);
        return undefined;
      }
      const out: string[] = [];
      items.forEach((it, i) => {
        const hit = def.values.find((v) => v.toLowerCase() === String(it).toLowerCase());
        if (hit === undefined) errors.push(`${path}[${i}]: ${JSON.stringify(it)} is not allowed; expected one of ${def.values.join(', ')}`);
        else if (!out.includes(hit)) out.push(hit);
      });
      return out;
    }
    case 'list': {
      if (!Array.isArray(raw)) {
        errors.push(`${path}: expected a list of objects with ${Object.keys(def.item).join(', ')}`);
        return undefined;
      }
      if (raw.length > def.maxItems) {
        errors.push(`${path}: ${raw.length} entries is too many; at most ${def.maxItems}`);
        return undefined;
      }
      return raw.map((item, i) => validateObject(def.item, `${path}[${i}]`, item, errors, true));
    }
  }
}

function validateObject(
  fields: Readonly<Record<string, FieldDef>>,
  path: string,
  raw: unknown,
  errors: string[],
  enforceRequired: boolean,
): Record<string, unknown> | undefined {
  if (!isPlainObject(raw)) {
    errors.push(`${path || 'entitlement'}: expected an object with ${Object.keys(fields).join(', ')}`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  const prefix = path ? `${path}.` : '';
  for (const [k, v] of Object.entries(raw)) {
    const def = Object.hasOwn(fields, k) ? fields[k] : undefined;
    if (!def) {
      errors.push(`${prefix}${k}: unknown field; expected one of ${Object.keys(fields).join(', ')}`);
      continue;
    }
    if (v === undefined) continue;
    const val = validateField(def, `${prefix}${k}`, v, errors);
    if (val !== undefined) out[k] = val;
  }
  if (enforceRequired) {
    for (const def of Object.values(fields)) {
      if (def.required && !Object.hasOwn(raw, def.name)) errors.push(`${prefix}${def.name}: missing; ${def.description}`);
    }
  }
  return out;
}

/**
 * Validate (and normalise) one app's entitlement data as given to the admin API
 * or the CLI. Partial data is fine at the top level (it is an override merged
 * over the defaults); list items must be complete. Integers may arrive as
 * digit strings; strings are trimmed; enumerated strings get their canonical
 * spelling; an MSISDN loses its "+".
 */
export function validateEntitlement(appId: string, data: unknown): ValidationResult {
  const id = normaliseAppId(appId);
  const app = Object.hasOwn(SUPPORTED_APPS, id) ? SUPPORTED_APPS[id] : undefined;
  if (!app) {
    const known = Object.hasOwn(UNSERVED_APPS, id) ? ` (${UNSERVED_APPS[id]!.service_name}: ${UNSERVED_APPS[id]!.reason})` : '';
    return { ok: false, errors: [`unsupported app ${JSON.stringify(appId)}${known}; expected one of ${SUPPORTED_APP_IDS.join(', ')}`] };
  }
  const errors: string[] = [];
  const value = validateObject(app.fields, '', data, errors, false);
  if (errors.length > 0 || !value) return { ok: false, errors };
  return { ok: true, value: value as EntitlementData };
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
