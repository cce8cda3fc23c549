/**
 * The `entitlement set` field flags, generated from the per-app TypeBox
 * schemas (src/contracts/entitlement-apps.ts): one flag per top-level field
 * of any served app, its help from the schema (which apps, what each value
 * means), and the flags → entitlement object step with the schema's
 * validation. Adding a field to a schema adds its flag, help and checks.
 *
 *   enumerated integer  --addr-status 2
 *   string, string list --service-flow-url URL, --data-boost-info 0,1
 *   list of objects     --entries access_type=1,home_roaming_nw_type=1,entitlement_status=1  (repeatable: one item each)
 */
import { Flags, type Interfaces } from '@oclif/core';
import type { TSchema } from '@sinclair/typebox';
import {
  describeAllowed,
  ENTITLEMENT_APP_IDS,
  ENTITLEMENT_APP_SCHEMAS,
  fieldMeta,
  fieldShape,
  fieldsNotSent,
  schemaFields,
  type EntitlementAppId,
} from '../contracts/entitlement-apps.js';
import type { EntitlementData } from '../contracts/entitlements.js';
import { validateEntitlement } from '../services/entitlements/catalog.js';
import { UsageError } from './errors.js';

/** Flag names that are not the field name in kebab case. */
const FLAG_NAME: Readonly<Record<string, string>> = { entitlement_status: 'status' };

export const flagName = (field: string): string => FLAG_NAME[field] ?? field.replace(/_/g, '-');

interface FieldFlag {
  field: string;
  flag: string;
  /** Served apps that have the field, in app id order. */
  apps: EntitlementAppId[];
  schema: TSchema;
}

/** Every top-level field of every served app, once, in first-seen order. */
function collectFieldFlags(): FieldFlag[] {
  const byField = new Map<string, FieldFlag>();
  for (const app of ENTITLEMENT_APP_IDS) {
    for (const [field, schema] of Object.entries(schemaFields(ENTITLEMENT_APP_SCHEMAS[app]))) {
      const f = byField.get(field);
      if (f) f.apps.push(app);
      else byField.set(field, { field, flag: flagName(field), apps: [app], schema });
    }
  }
  // The common fields first (entitlement_status and the statuses), then the rest as declared.
  return [...byField.values()].sort((a, b) => b.apps.length - a.apps.length);
}

export const FIELD_FLAGS: readonly FieldFlag[] = collectFieldFlags();

const where = (apps: readonly string[]): string => (apps.length === ENTITLEMENT_APP_IDS.length || apps.length > 3 ? 'most apps' : apps.join(', '));

/** An example item of a list field: each required field with its first allowed value. */
export function exampleItem(item: TSchema): string {
  return Object.entries(schemaFields(item))
    .filter(([name]) => ((item.required ?? []) as string[]).includes(name))
    .map(([name, s]) => {
      const f = fieldShape(s);
      const v = f.type === 'enum_int' ? f.values[0] : f.type === 'enum_string' ? f.values[0] : fieldMeta(s).kind === 'plmn' ? '310260' : 'VALUE';
      return `${name}=${v}`;
    })
    .join(',');
}

/** Help of one field flag, from its schema: `addr_status (ap2004): 0 not available, 1 available, ...`. */
export function describeFieldFlag(f: FieldFlag): string {
  const shape = fieldShape(f.schema);
  let what: string;
  switch (shape.type) {
    case 'enum_int':
      what = shape.values.map((v) => `${v} ${shape.meanings[v] ?? ''}`.trim()).join(', ');
      break;
    case 'enum_string':
      what = `one of ${shape.values.join(' ')}`;
      break;
    case 'string_list':
      what = `comma-separated, of ${shape.values.join(' ')}`;
      break;
    case 'list': {
      const fields = Object.entries(shape.item).map(([name, s]) => {
        const fs = fieldShape(s);
        const vals = fs.type === 'enum_int' || fs.type === 'enum_string' ? `=${fs.values.join('|')}` : '';
        return `${name}${vals}${shape.required.includes(name) ? '' : '?'}`;
      });
      what = `${fieldMeta(f.schema).description ?? ''}; one item per flag (repeatable), as name=value,... or JSON: ${fields.join(' ')}; e.g. --${f.flag} ${exampleItem(f.schema.items as TSchema)}`;
      break;
    }
    default:
      what = describeAllowed(f.schema);
  }
  return `${f.field} (${where(f.apps)}): ${what}.`;
}

const helpValue = (f: FieldFlag): string => {
  const shape = fieldShape(f.schema);
  if (shape.type === 'list') return 'ITEM';
  if (shape.type === 'string_list') return 'LIST';
  if (shape.type === 'string') return shape.kind === 'url' ? 'URL' : shape.kind === 'msisdn' ? 'NUMBER' : 'TEXT';
  return 'VALUE';
};

/** The oclif flags, one per field (help group FIELD). */
export function entitlementFieldFlags() {
  const out: Interfaces.FlagInput = {};
  for (const f of FIELD_FLAGS) {
    const shape = fieldShape(f.schema);
    const common = { summary: describeFieldFlag(f), helpGroup: 'FIELD' };
    if (shape.type === 'enum_int' || shape.type === 'integer') out[f.flag] = Flags.integer(common);
    else if (shape.type === 'list') out[f.flag] = Flags.string({ ...common, multiple: true, helpValue: helpValue(f) });
    else out[f.flag] = Flags.string({ ...common, helpValue: helpValue(f) });
  }
  return out;
}

/** `access_type=1,home_roaming_nw_type=1` or a JSON object → one list item (values stay strings: the schema normalises). */
function parseItem(flag: string, raw: string, item: TSchema): unknown {
  const t = raw.trim();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw new UsageError(`--${flag} ${JSON.stringify(raw)}: not valid JSON (${(e as Error).message}); expected e.g. --${flag} ${exampleItem(item)}`);
    }
  }
  const obj: Record<string, string> = {};
  for (const part of t.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} ${JSON.stringify(raw)}: expected name=value pairs separated by commas, e.g. --${flag} ${exampleItem(item)}`);
    obj[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return obj;
}

export interface EntitlementInput {
  /** `--data '{...}'`: the whole object (JSON). */
  data?: string;
  /** Parsed flags of the command, by flag name; only the field flags are read. */
  flags: Readonly<Record<string, unknown>>;
  /** `--field key=value` (repeatable) for fields without a dedicated flag. */
  extra?: string[];
}

const flagOf = (field: string): FieldFlag | undefined => FIELD_FLAGS.find((f) => f.field === field);

/** A field that is not the app's own but lives in one of its list items: say where it goes. */
function misplacedHint(app: EntitlementAppId, field: string): string {
  for (const [list, s] of Object.entries(schemaFields(ENTITLEMENT_APP_SCHEMAS[app]))) {
    const shape = fieldShape(s);
    if (shape.type === 'list' && Object.hasOwn(shape.item, field)) {
      return `; ${app} has ${field} per item of ${list}: e.g. --${flagName(list)} ${exampleItem(s.items as TSchema)}`;
    }
  }
  return '';
}

/**
 * Build and validate one app's entitlement data from the field flags,
 * `--field` and `--data`, with the app's schema (the daemon checks again).
 * Errors name the flag and what would be right (exit 2).
 */
export function buildEntitlement(appId: EntitlementAppId, input: EntitlementInput): EntitlementData {
  let data: Record<string, unknown> = {};
  if (input.data !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.data);
    } catch (e) {
      throw new UsageError(`--data is not valid JSON (${(e as Error).message}); expected an object, e.g. --data '{"entitlement_status": 1, "addr_status": 2}'`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError(`--data must be a JSON object of ${appId} fields, e.g. '{"entitlement_status": 1}'`);
    data = { ...(parsed as Record<string, unknown>) };
  }
  for (const f of FIELD_FLAGS) {
    const v = input.flags[f.flag];
    if (v === undefined) continue;
    const shape = fieldShape(f.schema);
    data[f.field] = shape.type === 'list' ? (v as string[]).map((raw) => parseItem(f.flag, raw, f.schema.items as TSchema)) : v;
  }
  for (const kv of input.extra ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--field ${JSON.stringify(kv)}: expected name=value with a snake_case field name, e.g. --field addr_expiry=2027-01-01`);
    const name = kv.slice(0, eq).trim();
    const raw = kv.slice(eq + 1);
    let value: unknown = raw;
    if (/^[[{]/.test(raw.trim())) {
      try {
        value = JSON.parse(raw);
      } catch {
        throw new UsageError(`--field ${name}: the value looks like JSON but does not parse`);
      }
    }
    data[name] = value;
  }
  const own = Object.keys(schemaFields(ENTITLEMENT_APP_SCHEMAS[appId]));
  if (Object.keys(data).length === 0) {
    throw new UsageError(`nothing to set for ${appId}: give at least one field (${own.map((f) => `--${flagName(f)}`).join(', ')}) or --data '{...}'`);
  }
  const res = validateEntitlement(appId, data);
  if (!res.ok) {
    const withFlags = res.errors.map((e) => {
      const field = /^([a-z0-9_]+)[:.[]/.exec(e)?.[1];
      const flag = field ? flagOf(field) : undefined;
      const hint = field && / unknown field;/.test(e) ? misplacedHint(appId, field) : '';
      return flag ? `--${flag.flag} (${e}${hint})` : `${e}${hint}`;
    });
    throw new UsageError(`invalid entitlement for ${appId}: ${withFlags.join('; ')}`);
  }
  return res.value;
}

/** Notes for fields that will not reach the phone as set (message_for_incompatible without status 2). */
export function unsentFieldNotes(appId: EntitlementAppId, stored: Readonly<Record<string, unknown>>): string[] {
  return fieldsNotSent(appId, stored).map(({ field, when, actual }) =>
    actual === undefined
      ? `note: ${field} is sent to the phone only while ${when.field} is ${when.equals}; this override sets no ${when.field}, so the default decides (--${flagName(when.field)} ${when.equals} to send it)`
      : `note: ${field} is sent to the phone only while ${when.field} is ${when.equals}; it is ${String(actual)} here, so the phone will not see it`,
  );
}
