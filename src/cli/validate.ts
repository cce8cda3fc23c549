/**
 * Input checks run before anything is sent (CLI.md: "Input is validated
 * before anything is sent ... with a message that says what is wrong and
 * what would be right"). Each throws UsageError (exit 2).
 */
import { KNOWN_APP_IDS, SUPPORTED_APP_IDS, SUPPORTED_APPS, UNSERVED_APPS, isSupportedAppId, normaliseAppId } from '../services/entitlements/catalog.js';
import type { EntitlementAppId } from '../contracts/entitlement-apps.js';
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
export function parseAppId(raw: string): EntitlementAppId {
  const id = normaliseAppId(raw);
  if (isSupportedAppId(id)) return id;
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

/** An id argument (session_id, token_id, activity id): printable, no slashes, at most 200 characters. */
export function parseId(raw: string, what: string): string {
  // A cell copied from a table cut to the terminal width ends in "…": what is left is a prefix (docs/cli.md § IDs).
  const s = raw.trim().replace(/(?:…|\.\.\.)$/, '');
  if (s.length >= 1 && s.length <= 200 && /^[A-Za-z0-9._:@-]+$/.test(s)) return s;
  throw new UsageError(`${what} ${JSON.stringify(raw)} is not an id; expected the value shown in the list (letters, digits, . _ : @ -, at most 200)`);
}
