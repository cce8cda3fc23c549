/**
 * Input checks run before anything is sent (CLI.md: "Input is validated
 * before anything is sent ... with a message that says what is wrong and
 * what would be right"). Each throws UsageError (exit 2).
 */
import {
  KNOWN_APP_IDS,
  SUPPORTED_APP_IDS,
  SUPPORTED_APPS,
  UNSERVED_APPS,
  normaliseAppId,
  validateEntitlement,
} from '../services/entitlements/catalog.js';
import type { EntitlementData } from '../contracts/entitlements.js';
import { ACTIVITY_TYPES } from '../contracts/activity.js';
import { imsiProblem } from '../util/imsi.js';
import { UsageError } from './errors.js';

/** An IMSI is exactly 15 digits: MCC (3) + MNC (2-3) + MSIN (TS 23.003 §2.2); returned trimmed. */
export function parseImsi(raw: string, what = 'IMSI'): string {
  const problem = imsiProblem(raw, what);
  if (problem) throw new UsageError(problem);
  return raw.trim();
}

/** A served TS.43 app id (`ap2004`); case-insensitive, returned lower-case. */
export function parseAppId(raw: string): string {
  const id = normaliseAppId(raw);
  if (Object.hasOwn(SUPPORTED_APPS, id)) return id;
  const unserved = Object.hasOwn(UNSERVED_APPS, id) ? UNSERVED_APPS[id] : undefined;
  const hint = unserved ? ` (${unserved.service_name} is known but not served: ${unserved.reason})` : '';
  throw new UsageError(`unknown app id ${JSON.stringify(raw)}${hint}; expected one of ${SUPPORTED_APP_IDS.map((a) => `${a} (${SUPPORTED_APPS[a]!.service_name})`).join(', ')}`);
}

/** Any app id the catalog knows (for filters such as `activity ls --app`). */
export function parseKnownAppId(raw: string): string {
  const id = normaliseAppId(raw);
  if (KNOWN_APP_IDS.includes(id)) return id;
  throw new UsageError(`unknown app id ${JSON.stringify(raw)}; expected one of ${KNOWN_APP_IDS.join(', ')}`);
}

/** The flag each common entitlement field is set with (`--addr-status` → addr_status). */
export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  status: 'entitlement_status',
  'addr-status': 'addr_status',
  'tc-status': 'tc_status',
  'prov-status': 'prov_status',
  'service-flow-url': 'service_flow_url',
  'service-flow-user-data': 'service_flow_user_data',
  'message-for-incompatible': 'message_for_incompatible',
  msisdn: 'msisdn',
  'tc-operation': 'tc_operation',
  msg: 'msg',
  'five-g-sa-status': 'five_g_sa_status',
  'data-boost-info': 'data_boost_info',
};

const flagOf = (field: string): string | undefined => Object.entries(FIELD_FLAGS).find(([, f]) => f === field)?.[0];

export interface EntitlementInput {
  /** `--data '{...}'`: the whole object (JSON). */
  data?: string;
  /** Field flags, by flag name (`addr-status`), as given. */
  fields: Record<string, string | number | undefined>;
  /** `--field key=value` (repeatable) for fields without a dedicated flag. */
  extra?: string[];
}

/**
 * Build and validate one app's entitlement data from flags or `--data`,
 * with the TS.43 catalog's ranges (the daemon validates again).
 */
export function buildEntitlement(appId: string, input: EntitlementInput): EntitlementData {
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
  for (const [flag, value] of Object.entries(input.fields)) {
    if (value === undefined) continue;
    const field = FIELD_FLAGS[flag];
    if (field) data[field] = value;
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
  if (Object.keys(data).length === 0) {
    const fields = Object.keys(SUPPORTED_APPS[appId]!.fields);
    throw new UsageError(
      `nothing to set for ${appId}: give at least one field (${fields.map((f) => (flagOf(f) ? `--${flagOf(f)}` : `--field ${f}=...`)).join(', ')}) or --data '{...}'`,
    );
  }
  const res = validateEntitlement(appId, data);
  if (!res.ok) {
    const withFlags = res.errors.map((e) => {
      const field = /^([a-z0-9_]+)[:.[]/.exec(e)?.[1];
      const flag = field ? flagOf(field) : undefined;
      return flag ? `--${flag} (${e})` : e;
    });
    throw new UsageError(`invalid entitlement for ${appId}: ${withFlags.join('; ')}`);
  }
  return res.value;
}

/** `--type` of `activity ls`: one of the activity record types. */
export function parseActivityType(raw: string): string {
  const t = raw.trim();
  if ((ACTIVITY_TYPES as readonly string[]).includes(t) || /^vvm_[a-z_]+$/.test(t)) return t;
  throw new UsageError(`unknown activity type ${JSON.stringify(raw)}; expected one of ${ACTIVITY_TYPES.join(', ')} (or vvm_*)`);
}

/**
 * A point in time for `--since`/`--until`: unix seconds, an ISO 8601 date or
 * time, or a relative age (`15m`, `2h`, `7d`) before `now`. Returns unix seconds.
 */
export function parseTime(raw: string, flag: string, now: number = Date.now()): number {
  const s = raw.trim();
  if (/^\d{9,11}$/.test(s)) return Number(s);
  const rel = /^(\d+)\s*(s|m|h|d|w)$/.exec(s);
  if (rel) {
    const mult = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[rel[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return Math.floor(now / 1000) - Number(rel[1]) * mult;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return Math.floor(t / 1000);
  }
  throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a time; expected unix seconds, an ISO date (2026-04-11 or 2026-04-11T10:35:00Z) or an age (15m, 2h, 7d)`);
}

/** A positive integer flag within [min, max]. */
export function parseIntIn(raw: number, flag: string, min: number, max: number): number {
  if (!Number.isInteger(raw) || raw < min || raw > max) throw new UsageError(`${flag} ${raw} is out of range; expected an integer ${min}–${max}`);
  return raw;
}

/**
 * Help text of a field flag, from the catalog (so `--help`, the man pages and
 * the validation cannot disagree): `addr_status (ap2004): 0 not available, 1 available, ...`.
 */
export function describeFieldFlag(field: string): string {
  const apps = SUPPORTED_APP_IDS.filter((a) => Object.hasOwn(SUPPORTED_APPS[a]!.fields, field));
  const def = apps.length ? SUPPORTED_APPS[apps[0]!]!.fields[field]! : undefined;
  const where = apps.length === SUPPORTED_APP_IDS.length || apps.length > 3 ? 'most apps' : apps.join(', ');
  let what = def?.description ?? field;
  if (def?.type === 'integer') what = def.meanings ? Object.entries(def.meanings).map(([v, m]) => `${v} ${m}`).join(', ') : `${def.min}-${def.max}`;
  else if (def?.type === 'string_list') what = `comma-separated, of ${def.values.join(' ')}`;
  return `${field} (${where}): ${what}.`;
}

/** An id argument (session_id, token_id, activity id): printable, no slashes, at most 200 characters. */
export function parseId(raw: string, what: string): string {
  const s = raw.trim();
  if (s.length >= 1 && s.length <= 200 && /^[A-Za-z0-9._:@-]+$/.test(s)) return s;
  throw new UsageError(`${what} ${JSON.stringify(raw)} is not an id; expected the value shown in the list (letters, digits, . _ : @ -, at most 200)`);
}
