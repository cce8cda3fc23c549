/**
 * The TS.43 parameters of each served app as TypeBox schemas (GSMA TS.43
 * v12.0: ap2003 §4, ap2004 §3, ap2005 §5, ap2010 §9, ap2012 §11, ap2014 §13,
 * ap2016 §15). Each field is declared once, here, and everything else is
 * derived from it:
 *
 *   - the static types of the stored data (`Ap2004Data`, `EntitlementData`);
 *   - validation of the admin API body, the config's `default_entitlements`
 *     and `omnisep entitlement set` (parseAppEntitlement below);
 *   - the `entitlement set` flags and their help (src/cli/entitlement-flags.ts);
 *   - the TS.43 document: parameter names and order (services/entitlements/document.ts).
 *
 * Field names are snake_case as in the admin API. Extra schema options read
 * by this project (JSON Schema tolerates unknown keywords):
 *
 *   wire      TS.43 parameter name (XML `parm name`, JSON key) or characteristic type
 *   itemWire  for a list of objects: the characteristic type of each item
 *   kind      'url' | 'msisdn' | 'plmn' | 'text': how a string is normalised and explained
 *   sentWhen  the field reaches the phone only when a sibling field has this value
 *
 * An enumerated integer is a union of literals whose `description` is the
 * meaning of the value (`0 disabled`), so the type is `0 | 1 | 2 | 3` and the
 * help and the error messages say what each value means. Pure: no I/O.
 */
import { Kind, Type, type Static, type TLiteral, type TSchema } from '@sinclair/typebox';
import { Errors, ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

// ---------------------------------------------------------------------------
// Field builders

type StringKind = 'url' | 'msisdn' | 'plmn' | 'text';

/** When a field is sent at all (TS.43 §3.2, §4.2: MessageForIncompatible only with EntitlementStatus 2). */
export interface SentWhen {
  field: string;
  equals: number;
}

/** One value of an enumerated integer, with its meaning. */
const lit = <const N extends number>(value: N, meaning: string) => Type.Literal(value, { description: meaning });

/** An enumerated integer: its values with their meanings (`0 disabled`, ...). */
const enumInt = <const T extends TLiteral<number>[]>(values: [...T], wire: string, description: string) => Type.Union(values, { wire, description });

const enumStr = <const V extends readonly string[]>(values: V, wire: string, description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)) as unknown as { -readonly [K in keyof V]: TLiteral<V[K]> }, { wire, description });

/**
 * Free text: Android's XML parser decodes only &amp; (docs/ts43.md client contract), so no < > ". Nor C0 controls
 * (XML 1.0 §2.2 Char allows only TAB, LF, CR), DEL, C1 or bidi controls: they are invalid in the TS.43 XML and
 * would rewrite an operator's terminal when shown (docs/security.md).
 */
export const TEXT_PATTERN = '^[^<>"\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$';
const text = (wire: string, maxLength: number, description: string, extra: { sentWhen?: SentWhen } = {}) =>
  Type.String({ maxLength, pattern: TEXT_PATTERN, kind: 'text', wire, description, ...extra });

const HTTP_URL = '^([hH][tT][tT][pP][sS]?://[^\\s<>"/?#]+[^\\s<>"]*)?$';
const url = (wire: string, description: string) => Type.String({ maxLength: 2048, pattern: HTTP_URL, kind: 'url', wire, description });

const list = <T extends TSchema>(item: T, maxItems: number, wire: string, itemWire: string, description: string) =>
  Type.Array(item, { maxItems, wire, itemWire, description });

const entry = <P extends Record<string, TSchema>>(props: P) => Type.Object(props, { additionalProperties: false });

// ---------------------------------------------------------------------------
// Shared fields

/** TS.43 §3.2 / §4.2 / §5 / §11 / §15 EntitlementStatus. */
const ENTITLEMENT_STATUS = () => [lit(0, 'disabled'), lit(1, 'enabled'), lit(2, 'incompatible'), lit(3, 'provisioning')];
/** TS.43 §3.2 AddrStatus / TC_Status. */
const ADDR_TC = () => [lit(0, 'not available'), lit(1, 'available'), lit(2, 'not required'), lit(3, 'in progress')];
/** TS.43 §3.2 ProvStatus. */
const PROV = () => [lit(0, 'not provisioned'), lit(1, 'provisioned'), lit(2, 'not required'), lit(3, 'in progress')];
/** TS.43 §4.2 AccessType: RAT of a voice entitlement entry. */
const ACCESS_TYPE = () => [lit(1, 'LTE (E-UTRAN)'), lit(2, 'NG-RAN (NR)')];
/** TS.43 §4.2 HomeRoamingNWType. */
const HOME_ROAMING = () => [lit(1, 'all networks'), lit(2, 'home network'), lit(3, 'roaming networks')];

export const NETWORK_VOICE_IRAT_CAPABILITIES = ['EPS-Fallback', '5G-SRVCC', '4G-SRVCC'] as const;
export const DATA_PLAN_TYPES = ['Metered', 'Unmetered'] as const;
export const SATELLITE_SERVICES = ['data', 'sms', 'voice', 'emergency'] as const;

/** The value of entitlement_status with which message_for_incompatible is sent. */
export const INCOMPATIBLE = 2;

const entitlementStatus = (service: string) => enumInt(ENTITLEMENT_STATUS(), 'EntitlementStatus', `whether ${service} may be used`);
const messageForIncompatible = () =>
  text('MessageForIncompatible', 1024, 'text shown to the user when entitlement_status is 2 (incompatible)', {
    sentWhen: { field: 'entitlement_status', equals: INCOMPATIBLE },
  });
const serviceFlowUrl = () => url('ServiceFlow_URL', 'URL of the web service flow (websheet) opened by the device; empty = none');
const serviceFlowUserData = () =>
  text('ServiceFlow_UserData', 2048, 'data POSTed by the device to ServiceFlow_URL; empty = omnisep signs one per subscriber (websheet)');
const addrTc = (wire: string, description: string) => enumInt(ADDR_TC(), wire, description);
const plmn = () =>
  Type.String({ maxLength: 6, pattern: '^[0-9]{5,6}$', kind: 'plmn', wire: 'PLMN', description: 'MCC+MNC, 5 or 6 digits' });

// ---------------------------------------------------------------------------
// List items

export const RatVoiceEntry = entry({
  access_type: enumInt(ACCESS_TYPE(), 'AccessType', 'radio access of this entry'),
  home_roaming_nw_type: enumInt(HOME_ROAMING(), 'HomeRoamingNWType', 'networks this entry applies to'),
  entitlement_status: enumInt(ENTITLEMENT_STATUS(), 'EntitlementStatus', 'voice entitlement on this access'),
  message_for_incompatible: Type.Optional(messageForIncompatible()),
  network_voice_irat_capability: Type.Optional(
    enumStr(NETWORK_VOICE_IRAT_CAPABILITIES, 'NetworkVoiceIRATCapability', 'inter-RAT voice capability of the network (NG-RAN entries)'),
  ),
});

export const DataPlanEntry = entry({
  access_type: enumInt(ACCESS_TYPE(), 'AccessType', 'radio access the plan applies to'),
  data_plan_type: enumStr(DATA_PLAN_TYPES, 'DataPlanType', 'whether traffic on this access is metered'),
});

export const PlmnEntry = entry({
  plmn: plmn(),
  data_plan_type: Type.Optional(enumStr(DATA_PLAN_TYPES, 'DataPlanType', 'whether data over this satellite PLMN is metered')),
  allowed_services_info: Type.Optional(
    Type.Array(enumStr(SATELLITE_SERVICES, 'AllowedServicesInfo', 'a satellite service'), {
      maxItems: SATELLITE_SERVICES.length,
      wire: 'AllowedServicesInfo',
      description: 'services allowed over this satellite PLMN',
    }),
  ),
});

export const PlmnBarredEntry = entry({ plmn: plmn() });

// ---------------------------------------------------------------------------
// Apps: every field optional at the top level (an override is merged over the defaults)

const app = <P extends Record<string, TSchema>>(props: P, description: string) =>
  Type.Partial(Type.Object(props), { additionalProperties: false, description });

/** TS.43 §4 VoLTE/VoNR: per-RAT voice entries; it has no top-level EntitlementStatus. */
export const Ap2003 = app(
  {
    entries: list(RatVoiceEntry, 6, 'VoiceOverCellularEntitleInfo', 'RATVoiceEntitleInfoDetails', 'one entry per radio access and home/roaming network type'),
  },
  'ap2003 VoLTE/VoNR (TS.43 §4)',
);

/** TS.43 §3 VoWiFi. */
export const Ap2004 = app(
  {
    entitlement_status: entitlementStatus('VoWiFi'),
    service_flow_url: serviceFlowUrl(),
    service_flow_user_data: serviceFlowUserData(),
    addr_status: addrTc('AddrStatus', 'emergency (E911) address status'),
    tc_status: addrTc('TC_Status', 'terms and conditions status'),
    prov_status: enumInt(PROV(), 'ProvStatus', 'network provisioning status'),
    message_for_incompatible: messageForIncompatible(),
    addr_expiry: text('AddrExpiry', 64, 'when the emergency address expires (optional)'),
    addr_identifier: text('AddrIdentifier', 128, 'identifier of the recorded emergency address (optional)'),
  },
  'ap2004 VoWiFi (TS.43 §3)',
);

/** TS.43 §5 SMS over IP. */
export const Ap2005 = app(
  {
    entitlement_status: entitlementStatus('SMS over IP'),
    message_for_incompatible: messageForIncompatible(),
  },
  'ap2005 SMSoIP (TS.43 §5)',
);

/** TS.43 §9 data plan information. */
export const Ap2010 = app(
  {
    entitlement_status: entitlementStatus('the data plan information service'),
    data_plan_info: list(DataPlanEntry, 4, 'DataPlanInfo', 'DataPlanInfoDetails', 'metered/unmetered per radio access'),
    data_boost_info: Type.Array(enumStr(['0', '1', '2'], 'DataBoostInfo', 'a boost type'), {
      maxItems: 4,
      wire: 'DataBoostInfo',
      description: 'boost types offered (TS.43 boost_type values)',
    }),
    five_g_sa_status: enumInt([lit(0, 'not allowed'), lit(1, 'allowed')], '5GSAInfo', '5G standalone allowed'),
  },
  'ap2010 Data plan (TS.43 §9)',
);

/** TS.43 §11 direct carrier billing. */
export const Ap2012 = app(
  {
    entitlement_status: entitlementStatus('direct carrier billing'),
    tc_status: addrTc('TC_Status', 'terms and conditions status'),
    tc_operation: text('TC_Operation', 32, 'what the device does about the terms (e.g. Accept, Present)'),
    service_flow_url: serviceFlowUrl(),
    service_flow_user_data: serviceFlowUserData(),
    service_flow_contents_type: text('ServiceFlow_ContentsType', 64, 'content type of ServiceFlow_UserData (e.g. json)'),
    msg: text('MSG', 1024, 'message shown to the user'),
    message_for_incompatible: messageForIncompatible(),
  },
  'ap2012 Direct carrier billing (TS.43 §11)',
);

/** TS.43 §13 device and user info (phone number). */
export const Ap2014 = app(
  {
    entitlement_status: entitlementStatus('the phone number service'),
    msisdn: Type.String({
      maxLength: 16,
      pattern: '^([0-9]{5,15})?$',
      kind: 'msisdn',
      wire: 'MSISDN',
      description: 'E.164 digits, no "+" (a leading "+" is accepted and removed); empty = from the subscriber store',
    }),
  },
  'ap2014 Device and user info (TS.43 §13)',
);

/** TS.43 §15 satellite mode. */
export const Ap2016 = app(
  {
    entitlement_status: entitlementStatus('satellite mode'),
    plmn_allowed: list(PlmnEntry, 64, 'PLMNAllowed', 'PLMNAllowedDetails', 'satellite PLMNs the device may use'),
    plmn_barred: list(PlmnBarredEntry, 64, 'PLMNBarred', 'PLMNBarredDetails', 'satellite PLMNs the device must not use'),
    service_flow_url: serviceFlowUrl(),
    service_flow_user_data: serviceFlowUserData(),
  },
  'ap2016 Satellite mode (TS.43 §15)',
);

/** One schema per served app id, in app id order. */
export const ENTITLEMENT_APP_SCHEMAS = {
  ap2003: Ap2003,
  ap2004: Ap2004,
  ap2005: Ap2005,
  ap2010: Ap2010,
  ap2012: Ap2012,
  ap2014: Ap2014,
  ap2016: Ap2016,
} as const;

export type EntitlementAppId = keyof typeof ENTITLEMENT_APP_SCHEMAS;
export type Ap2003Data = Static<typeof Ap2003>;
export type Ap2004Data = Static<typeof Ap2004>;
export type Ap2005Data = Static<typeof Ap2005>;
export type Ap2010Data = Static<typeof Ap2010>;
export type Ap2012Data = Static<typeof Ap2012>;
export type Ap2014Data = Static<typeof Ap2014>;
export type Ap2016Data = Static<typeof Ap2016>;
/** The data of one app, by app id. */
export type AppEntitlementData<A extends EntitlementAppId = EntitlementAppId> = Static<(typeof ENTITLEMENT_APP_SCHEMAS)[A]>;
/**
 * Validated data of one served app, as code that handles every app sees it:
 * each field of any app, optional, with its type (a field shared by apps has
 * one type in all of them). `AppEntitlementData<'ap2004'>` is the exact shape of one app.
 */
export type AnyAppEntitlementData = Ap2003Data & Ap2004Data & Ap2005Data & Ap2010Data & Ap2012Data & Ap2014Data & Ap2016Data;
/** Every served app's data, by app id (effective entitlements, defaults). */
export type AppEntitlementMap = { [A in EntitlementAppId]: AppEntitlementData<A> };

export const ENTITLEMENT_APP_IDS = Object.keys(ENTITLEMENT_APP_SCHEMAS) as readonly EntitlementAppId[];
export const isEntitlementAppId = (id: string): id is EntitlementAppId => Object.hasOwn(ENTITLEMENT_APP_SCHEMAS, id);

// ---------------------------------------------------------------------------
// Reading the schemas (for the document builder, the CLI flags and the messages)

/** The extra options of a field schema (see the header). */
export interface FieldMeta {
  wire?: string;
  itemWire?: string;
  kind?: StringKind;
  sentWhen?: SentWhen;
  description?: string;
}
export const fieldMeta = (s: TSchema): FieldMeta => s as FieldMeta;

/** What a field is, for code that walks the schemas. */
export type FieldShape =
  | { type: 'enum_int'; values: number[]; meanings: Record<number, string> }
  | { type: 'enum_string'; values: string[] }
  | { type: 'integer'; min?: number; max?: number }
  | { type: 'string'; kind: StringKind; maxLength?: number }
  | { type: 'string_list'; values: string[]; maxItems?: number }
  | { type: 'list'; item: Readonly<Record<string, TSchema>>; required: readonly string[]; maxItems?: number };

const literalValues = (s: TSchema): Array<string | number> | undefined =>
  s[Kind] === 'Union' && (s.anyOf as TSchema[]).every((m) => m[Kind] === 'Literal') ? (s.anyOf as TSchema[]).map((m) => m.const as string | number) : undefined;

export function fieldShape(s: TSchema): FieldShape {
  const lits = literalValues(s);
  if (lits && lits.every((v) => typeof v === 'number')) {
    const meanings: Record<number, string> = {};
    for (const m of s.anyOf as TSchema[]) if (m.description) meanings[m.const as number] = m.description;
    return { type: 'enum_int', values: lits as number[], meanings };
  }
  if (lits) return { type: 'enum_string', values: lits.map(String) };
  if (s[Kind] === 'Integer') return { type: 'integer', min: s.minimum as number | undefined, max: s.maximum as number | undefined };
  if (s[Kind] === 'Array') {
    const items = s.items as TSchema;
    const ilits = literalValues(items);
    if (ilits) return { type: 'string_list', values: ilits.map(String), maxItems: s.maxItems as number | undefined };
    return { type: 'list', item: (items.properties ?? {}) as Record<string, TSchema>, required: (items.required ?? []) as string[], maxItems: s.maxItems as number | undefined };
  }
  return { type: 'string', kind: (s.kind as StringKind | undefined) ?? 'text', maxLength: s.maxLength as number | undefined };
}

/** The fields of an object schema (an app or a list item), in declaration order. */
export const schemaFields = (s: TSchema): Readonly<Record<string, TSchema>> => (s.properties ?? {}) as Record<string, TSchema>;

/** `0 (disabled), 1 (enabled), …` or `an integer 0–3`: what an integer field accepts. */
export function describeAllowed(s: TSchema): string {
  const f = fieldShape(s);
  switch (f.type) {
    case 'enum_int':
      return f.values.map((v) => (f.meanings[v] ? `${v} (${f.meanings[v]})` : String(v))).join(', ');
    case 'enum_string':
    case 'string_list':
      return `one of ${f.values.join(', ')}`;
    case 'integer':
      return `an integer ${f.min ?? ''}–${f.max ?? ''}`;
    case 'list':
      return `objects with ${Object.keys(f.item).join(', ')}`;
    case 'string':
      return fieldMeta(s).description ?? 'a string';
  }
}

// ---------------------------------------------------------------------------
// Normalisation: what operators and phones type → the canonical value the schema checks

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Integers may arrive as digit strings; strings are trimmed; enumerated
 * strings take their canonical spelling (compared case-insensitively); a
 * string list may be one comma-separated string and loses duplicates; an
 * MSISDN loses its "+". Anything else is left for the schema to refuse.
 */
export function normalise(s: TSchema, v: unknown): unknown {
  if (v === undefined || v === null) return v;
  const shape = fieldShape(s);
  switch (shape.type) {
    case 'enum_int':
    case 'integer':
      return typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v.trim()) : v;
    case 'enum_string': {
      if (typeof v !== 'string' && typeof v !== 'number') return v;
      const t = String(v).trim();
      return shape.values.find((x) => x.toLowerCase() === t.toLowerCase()) ?? t;
    }
    case 'string': {
      if (typeof v !== 'string' && typeof v !== 'number') return v;
      const t = String(v).trim();
      return shape.kind === 'msisdn' ? t.replace(/^\+/, '') : t;
    }
    case 'string_list': {
      const items = typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter((x) => x !== '') : v;
      if (!Array.isArray(items)) return v;
      const out: unknown[] = [];
      for (const it of items.map((x) => normalise(s.items as TSchema, x))) if (!out.includes(it)) out.push(it);
      return out;
    }
    case 'list':
      return Array.isArray(v) ? v.map((item) => normaliseObject(s.items as TSchema, item)) : v;
  }
}

/** Fields in the order of the schema (whatever order they came in), then any unknown ones for the check to name. */
function normaliseObject(s: TSchema, v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  const fields = schemaFields(s);
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) if (Object.hasOwn(v, k) && v[k] !== undefined) out[k] = normalise(f, v[k]);
  for (const [k, x] of Object.entries(v)) if (!Object.hasOwn(fields, k) && x !== undefined) out[k] = x;
  return out;
}

// ---------------------------------------------------------------------------
// Validation with messages that name the field and what would be right

/** `/entries/0/access_type` → `entries[0].access_type`. */
const dotted = (path: string): string =>
  path
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');

function explain(e: ValueError): string | undefined {
  const path = dotted(e.path);
  const at = path || 'entitlement';
  const s = e.schema;
  const meta = fieldMeta(s);
  const shown = JSON.stringify(e.value);
  switch (e.type) {
    case ValueErrorType.Union: {
      const shape = fieldShape(s);
      if (shape.type === 'enum_int') {
        return Number.isInteger(e.value)
          ? `${at}: ${e.value} is out of range; expected ${describeAllowed(s)}`
          : `${at}: ${shown} is not an integer; expected ${describeAllowed(s)}`;
      }
      if (shape.type === 'enum_string') return `${at}: ${shown} is not allowed; expected one of ${shape.values.join(', ')}`;
      return `${at}: ${shown} is not allowed`;
    }
    case ValueErrorType.ObjectAdditionalProperties:
      return `${at}: unknown field; expected one of ${Object.keys(schemaFields(s)).join(', ')}`;
    case ValueErrorType.ObjectRequiredProperty:
      return `${at}: missing; ${meta.description ?? 'required'}`;
    case ValueErrorType.Object:
      return `${at}: expected an object with ${Object.keys(schemaFields(s)).join(', ')}`;
    case ValueErrorType.Array: {
      const shape = fieldShape(s);
      return shape.type === 'string_list'
        ? `${at}: expected a list of ${shape.values.join('|')}`
        : `${at}: expected a list of objects with ${shape.type === 'list' ? Object.keys(shape.item).join(', ') : 'fields'}`;
    }
    case ValueErrorType.ArrayMaxItems:
      return `${at}: ${(e.value as unknown[]).length} ${fieldShape(s).type === 'list' ? 'entries' : 'items'} is too many; at most ${s.maxItems}`;
    case ValueErrorType.String:
      return `${at}: expected a string (${meta.description ?? 'text'})`;
    case ValueErrorType.StringMaxLength:
      return `${at}: ${String(e.value).length} characters is too long; at most ${s.maxLength}`;
    case ValueErrorType.StringPattern:
      switch (meta.kind) {
        case 'url':
          return `${at}: ${shown} is not an http(s) URL; expected e.g. https://sep.example.com/websheet/vowifi, or "" for none`;
        case 'msisdn':
          return `${at}: ${shown} is not an E.164 number; expected 5–15 digits with an optional leading "+"`;
        case 'plmn':
          return `${at}: ${shown} is not a PLMN; expected MCC+MNC as 5 or 6 digits, e.g. 310260`;
        default:
          return `${at}: must not contain < > or " (phones cannot decode them), nor control, C1 or bidi characters (invalid in TS.43 XML 1.0, and they rewrite operators' terminals)`;
      }
    case ValueErrorType.Integer:
      return `${at}: ${shown} is not an integer`;
    default:
      return `${at}: ${e.message}`;
  }
}

export type AppEntitlementResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/**
 * Normalise and check one app's data against its schema: partial data is
 * fine at the top level (an override merged over the defaults); list items
 * must be complete. One message per wrong field, naming it and what would be
 * right (`addr_status: 7 is out of range; expected 0 (not available), …`).
 */
export function parseAppEntitlement<A extends EntitlementAppId>(appId: A, raw: unknown): AppEntitlementResult<AppEntitlementData<A>> {
  const schema: TSchema = ENTITLEMENT_APP_SCHEMAS[appId];
  if (!isPlainObject(raw)) return { ok: false, errors: [`entitlement: expected an object with ${Object.keys(schemaFields(schema)).join(', ')}`] };
  const value = normaliseObject(schema, raw);
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const e of Errors(schema, [], value)) {
    // One message per field: TypeBox reports a missing property twice (required, then its type).
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    const m = explain(e);
    if (m) errors.push(m);
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: value as AppEntitlementData<A> };
}

/**
 * Fields of `data` that will not reach the phone as they stand (`sentWhen`):
 * `message_for_incompatible` without `entitlement_status` 2. `status` is the
 * value the condition field will have (from `data` or, when absent, the defaults).
 */
export function fieldsNotSent(appId: EntitlementAppId, data: Readonly<Record<string, unknown>>, fallback: Readonly<Record<string, unknown>> = {}): Array<{ field: string; when: SentWhen; actual: unknown }> {
  const out: Array<{ field: string; when: SentWhen; actual: unknown }> = [];
  for (const [name, s] of Object.entries(schemaFields(ENTITLEMENT_APP_SCHEMAS[appId]))) {
    const when = fieldMeta(s).sentWhen;
    if (!when || data[name] === undefined || data[name] === '') continue;
    const actual = data[when.field] ?? fallback[when.field];
    if (Number(actual) !== when.equals) out.push({ field: name, when, actual });
  }
  return out;
}

// ---------------------------------------------------------------------------
// ODSA request parameters (TS.43 v12.0 §6.2 Table 27; ODSA.md): what a phone may send with an `operation`
// to ap2006 (companion) and ap2009 (primary). Every field is a string on the wire; the patterns say what
// is well-formed, and src/fsm/odsa-operations.ts says which are required by which operation.

const ICCID = '^[0-9]{18,20}[Ff]?$';
const EID = '^[0-9]{32}$';
/** IMEI (14–16 digits), a UUID, or another opaque device id without spaces. */
const DEVICE_ID = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';
const odsaParam = (pattern: string, description: string, maxLength = 64) => Type.String({ pattern, maxLength, description });
const odsaText = (description: string, maxLength = 64) => Type.String({ maxLength, minLength: 1, pattern: TEXT_PATTERN, description });
export const ODSA_OPERATIONS = [
  'CheckEligibility',
  'ManageSubscription',
  'ManageService',
  'AcquireConfiguration',
  'AcquirePlan',
  'AcquireTemporaryToken',
  'GetPhoneNumber',
  'VerifyPhoneNumber',
  'GetSubscriberInfo',
] as const;
export type OdsaOperation = (typeof ODSA_OPERATIONS)[number];
export const COMPANION_SERVICES = ['SharedNumber', 'DiffNumber', 'FamilyNumber'] as const;

const commonOdsa = {
  operation_type: odsaParam('^[0-9]{1,2}$', 'ManageSubscription 0–7, ManageService 10/11', 2),
  operation_targets: Type.String({ maxLength: 512, pattern: '^[A-Za-z]+(,[A-Za-z]+)*$', description: 'AcquireTemporaryToken: comma list of operations' }),
  msisdn: odsaParam('^\\+?[0-9]{5,15}$', 'VerifyPhoneNumber: the number to check (E.164)', 16),
  requestor_id: odsaText('the app server asking (ap2011, GetSubscriberInfo)', 128),
  plan_id: odsaText('AcquirePlan / ManageSubscription: the chosen plan', 64),
  redownloadable_profile: odsaParam('^[01]$', '1 = the device will keep the profile downloadable', 1),
  msg_btn: odsaParam('^[01]$', 'the button the user pressed on MSG: 1 accept, 0 reject', 1),
  msg_response: Type.String({ maxLength: 256, pattern: TEXT_PATTERN, description: 'the user\'s free text answer to MSG' }),
  terminal_iccid: odsaParam(ICCID, 'primary: the ICCID of the eSIM managed', 21),
  terminal_eid: odsaParam(EID, 'primary: the EID of the eSIM managed', 32),
  target_terminal_id: odsaParam(DEVICE_ID, 'primary: the device the eSIM goes to (TRANSFER: the new device)'),
  target_terminal_iccid: odsaParam(ICCID, 'primary: the ICCID on the target device', 21),
  target_terminal_eid: odsaParam(EID, 'primary: the EID of the target device', 32),
  old_terminal_id: odsaParam(DEVICE_ID, 'TRANSFER: the device the subscription leaves'),
  old_terminal_iccid: odsaParam(ICCID, 'TRANSFER: the ICCID on the old device', 21),
};

/** ap2006: the companion device (a watch, a tablet) a phone activates (TS.43 §6.2, §7). */
export const OdsaCompanionParams = Type.Partial(
  Type.Object({
    ...commonOdsa,
    companion_terminal_id: odsaParam(DEVICE_ID, 'the companion device: IMEI or UUID'),
    companion_terminal_vendor: odsaText('companion vendor', 64),
    companion_terminal_model: odsaText('companion model', 64),
    companion_terminal_sw_version: odsaText('companion software version', 64),
    companion_terminal_friendly_name: odsaText('the name the user gave the companion', 64),
    companion_terminal_service: Type.Union(COMPANION_SERVICES.map((s) => Type.Literal(s)), { description: 'SharedNumber, DiffNumber or FamilyNumber' }),
    companion_terminal_iccid: odsaParam(ICCID, 'the ICCID of the companion\'s profile', 21),
    companion_terminal_eid: odsaParam(EID, 'the EID of the companion', 32),
  }),
  { description: 'ap2006 ODSA companion request parameters (TS.43 §6.2)' },
);

/** ap2009: the primary device's own eSIM: a new one, or a transfer from an old device (TS.43 §6.2, §8). */
export const OdsaPrimaryParams = Type.Partial(Type.Object(commonOdsa), { description: 'ap2009 ODSA primary request parameters (TS.43 §6.2)' });

export type OdsaCompanionParams = Static<typeof OdsaCompanionParams>;
export type OdsaPrimaryParams = Static<typeof OdsaPrimaryParams>;
export type OdsaParams = OdsaCompanionParams & OdsaPrimaryParams;
export const ODSA_PARAM_SCHEMAS = { ap2006: OdsaCompanionParams, ap2009: OdsaPrimaryParams } as const;
export type OdsaAppId = keyof typeof ODSA_PARAM_SCHEMAS;
export const isOdsaAppId = (id: string): id is OdsaAppId => id === 'ap2006' || id === 'ap2009';

/** Parameter names that are malformed per the app's schema (one per name, in the order sent). */
export function malformedOdsaParams(appId: OdsaAppId, params: Readonly<Record<string, string>>): string[] {
  const schema: TSchema = ODSA_PARAM_SCHEMAS[appId];
  const fields = schemaFields(schema);
  const known: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (Object.hasOwn(fields, k)) known[k] = v;
  const bad: string[] = [];
  for (const e of Errors(schema, [], known)) {
    const name = dotted(e.path);
    if (name && !bad.includes(name)) bad.push(name);
  }
  return bad;
}
