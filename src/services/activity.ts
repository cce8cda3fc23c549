/**
 * Recording activity (ADMIN-API.md § Activity log): fill id, timestamp and
 * defaults, strip secrets (tokens, EAP keys, Authorization, Cookie), append
 * to the durable log, and announce it on the event stream.
 * Sees only ports: no fs, no fastify.
 */
import type { ActivityLog, ActivityPage, ActivityQuery, Clock, EventSink, Random, Tally } from '../ports.js';
import type { ActivityRecord } from '../contracts/activity.js';
import { activityEvent } from '../contracts/events.js';
import { isSecretParamName, redactSecretParams } from '../util/secret-params.js';

/** What a caller may hand in: only request_type is required; headers as fastify gives them. */
export type ActivityInput = Partial<Omit<ActivityRecord, 'request_headers'>> & {
  request_type: string;
  request_headers?: Record<string, string | string[] | number | undefined>;
};

/** An ActivityInput with every field present (undefined where not known), in ActivityRecord's order. */
export type ActivityFields = { [K in ActivityKey]: K extends 'request_type' ? string : ActivityInput[K] | undefined };
type ActivityKey = keyof ActivityInput;

/**
 * A copy of `a` with every field present, in one order: every copy made by this literal has one hidden class, so
 * a request path that copies and then sets fields, instead of spreading `{ ...a, field }`, neither builds objects
 * property by property nor leaves `build` reading inputs of many shapes. An object spread of an input cost
 * ≈ 1 µs each in the daemon, three per token query (docs/performance.md § Twentieth round).
 */
export function activityFields(a: ActivityInput): ActivityFields {
  return {
    id: a.id,
    timestamp: a.timestamp,
    request_type: a.request_type,
    request_method: a.request_method,
    request_path: a.request_path,
    imsi: a.imsi,
    msisdn: a.msisdn,
    terminal_id: a.terminal_id,
    terminal_vendor: a.terminal_vendor,
    terminal_model: a.terminal_model,
    terminal_sw_version: a.terminal_sw_version,
    client_ip: a.client_ip,
    user_agent: a.user_agent,
    auth_method: a.auth_method,
    response_status: a.response_status,
    response_code: a.response_code,
    app_ids: a.app_ids,
    request_headers: a.request_headers,
    request_body: a.request_body,
    response_body: a.response_body,
    response_summary: a.response_summary,
    node: a.node,
  };
}

/** Header names whose values are never stored. */
export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
/** Parameter / field names whose values are never stored (TS43.md, EAP-AKA.md, VVM.md). */
export const SECRET_FIELDS = [
  'token', 'temporary_token', 'notif_token', 'operator_token', 'signing_secret',
  'msk', 'emsk', 'ck', 'ik', 'ki', 'opc', 'op', 'k_aut', 'k_encr', 'res', 'xres', 'auts',
  'pin', 'password', 'pw', 'eap-master-session-key',
] as const;
const REDACTED = '[REDACTED]';

const fieldAlt = SECRET_FIELDS.map((f) => f.replace(/[-_]/g, '[-_]?')).join('|');
/** "name": value in JSON text, any name: judged decoded (`"\u0074oken"` is `"token"`) by src/util/secret-params.ts. */
const JSON_RE = /("((?:[^"\\]|\\.){1,200})"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)/g;
/** <parm name="token" value="abc"/> in TS.43 XML */
const XML_RE = new RegExp(`(<parm\\s+name="(?:${fieldAlt})"\\s+value=")[^"]*`, 'gi');
/** VVM STATUS SMS `pw=...;` */
const SMS_RE = /((?:^|;)pw=)[^;]*/gi;
const PW_RE = /pw=/i;

const jsonName = (raw: string): string => {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
};

/** Remove secret values from free text (paths, bodies) whatever its format; parameter names are judged decoded. */
export function scrubText(text: string): string {
  // Every pattern but JSON's needs an `=` (name=value, XML attribute, SMS pw=), and JSON's a `"` and a `:`: most header
  // values, and an XCAP ETag in its quotes, have neither.
  const eq = text.includes('=');
  if (!eq && (!text.includes('"') || !text.includes(':'))) return text;
  // Redaction writes neither `=`, `"` nor `:`: what the text held decides which patterns can match.
  let out = eq ? redactSecretParams(text, REDACTED) : text;
  // Each pattern below runs only on text that can hold a match (a query path has no `"` and no `<`).
  if (out.includes('"')) out = out.replace(JSON_RE, (whole, head: string, name: string) => (isSecretParamName(jsonName(name)) ? `${head}"${REDACTED}"` : whole));
  if (eq && out.includes('<')) out = out.replace(XML_RE, `$1${REDACTED}`);
  if (eq && PW_RE.test(out)) out = out.replace(SMS_RE, `$1${REDACTED}`);
  return out;
}

/** Headers kept per record (activity size budget); the rest are named in one marker entry. */
export const MAX_STORED_HEADERS = 48;

/** Names judged so far (header and summary field names repeat on every request; bounded, so odd names cannot grow it). */
function memoVerdict(judge: (name: string) => boolean): (name: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (name) => {
    let v = verdicts.get(name);
    if (v === undefined) {
      v = judge(name);
      if (verdicts.size < 1024) verdicts.set(name, v);
    }
    return v;
  };
}
const secretHeaderName = memoVerdict(isSecretParamName);
const secretSummaryField = memoVerdict((k) => (SECRET_FIELDS as readonly string[]).includes(k.toLowerCase()) || isSecretParamName(k));

export function scrubHeaders(h: ActivityInput['request_headers'] = {}, maxField = Infinity): Record<string, string> {
  const out: Record<string, string> = {};
  let kept = 0;
  let skipped = 0;
  // All headers together get eight fields' worth (4 KiB at the default 512).
  let budget = maxField === Infinity ? Infinity : maxField * 8;
  // for…in, not Object.entries: no [key, value] array per header on every request.
  for (const k in h) {
    if (!Object.hasOwn(h, k)) continue;
    const v = h[k];
    if (v === undefined) continue;
    if (kept >= MAX_STORED_HEADERS || budget <= 0) { skipped++; continue; }
    const name = cutField(k.toLowerCase(), 64)!;
    const value = SECRET_HEADERS.has(name) || secretHeaderName(name) ? REDACTED : cutField(scrubText(Array.isArray(v) ? v.join(', ') : String(v)), Math.min(maxField, budget))!;
    out[name] = value;
    budget -= name.length + value.length;
    kept++;
  }
  if (skipped) out['…'] = `[${skipped} more header(s) not stored]`;
  return out;
}

/** A stored text field within the size budget; the cut is marked. */
function cutField(s: string | null | undefined, max: number): string | null {
  return s == null ? null : s.length > max ? `${s.slice(0, max)}…[${s.length - max} more]` : s;
}

function scrubSummary(v: unknown, depth = 0): unknown {
  if (depth > 6 || v === null || typeof v !== 'object') return typeof v === 'string' ? scrubText(v) : v;
  if (Array.isArray(v)) return v.map((x) => scrubSummary(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = secretSummaryField(k) ? REDACTED : scrubSummary((v as Record<string, unknown>)[k], depth + 1);
  return out;
}

const cut = (s: string | null | undefined, max: number): string | null =>
  s == null ? null : s.length > max ? `${s.slice(0, max)}…[${s.length - max} more]` : s;

export interface ActivityServiceDeps {
  log: ActivityLog;
  events: EventSink;
  clock: Clock;
  random: Random;
  /** Bodies are cut to this many characters (activity.max_body_bytes). */
  maxBodyBytes?: number;
  /** Every other text field (each header, path, terminal_id, User-Agent …) is cut to this (activity.max_field_bytes, default 512). */
  maxFieldBytes?: number;
  /** Records without an IMSI kept per clock minute (activity.anonymous_records_per_minute); the rest only counted. Default: no limit. */
  anonymousPerMinute?: number;
  /** Told about each record not kept by the sampling above (a metrics counter). */
  onSampledOut?: (requestType: string) => void;
}

export class ActivityService {
  maxBodyBytes: number;
  maxFieldBytes: number;
  anonymousPerMinute: number;
  #minute = -1;
  #anonymousThisMinute = 0;
  /** The last timestamp made, by its clock millisecond (records made in the same millisecond share the text). */
  #isoMs = Number.NaN;
  #iso = '';
  constructor(private readonly deps: ActivityServiceDeps) {
    this.maxBodyBytes = deps.maxBodyBytes ?? 4096;
    this.maxFieldBytes = deps.maxFieldBytes ?? 512;
    this.anonymousPerMinute = deps.anonymousPerMinute ?? Infinity;
  }

  /**
   * The one exception to "every request leaves a record" (docs/security.md § Activity budget): a
   * request that names no subscriber is kept only while this minute's allowance lasts, so a flood
   * of unauthenticated requests cannot grow the log; each one not kept is counted.
   */
  #keepAnonymous(): boolean {
    const minute = Math.floor(this.deps.clock.now() / 60_000);
    if (minute !== this.#minute) { this.#minute = minute; this.#anonymousThisMinute = 0; }
    return this.#anonymousThisMinute++ < this.anonymousPerMinute;
  }

  /** The clock's now as ISO 8601 text, made once per millisecond. */
  #isoNow(): string {
    const ms = this.deps.clock.now();
    if (ms !== this.#isoMs) {
      this.#iso = new Date(ms).toISOString();
      this.#isoMs = ms;
    }
    return this.#iso;
  }

  /** Build the full, scrubbed record (no I/O). */
  build(input: ActivityInput): ActivityRecord {
    const max = this.maxBodyBytes;
    const f = this.maxFieldBytes;
    const cutF = (s: string | null | undefined) => cutField(s ?? null, f);
    return {
      id: input.id ?? this.deps.random.uuid(),
      timestamp: input.timestamp ?? this.#isoNow(),
      request_type: cutField(input.request_type, 64)!,
      request_method: cutField(input.request_method ?? 'GET', 16)!,
      request_path: cutF(scrubText(input.request_path ?? '/'))!,
      imsi: cutField(input.imsi ?? null, 64),
      msisdn: cutField(input.msisdn ?? null, 64),
      terminal_id: cutF(input.terminal_id),
      terminal_vendor: cutF(input.terminal_vendor),
      terminal_model: cutF(input.terminal_model),
      terminal_sw_version: cutF(input.terminal_sw_version),
      client_ip: cutField(input.client_ip ?? null, 64),
      user_agent: cutF(input.user_agent),
      auth_method: cutField(input.auth_method ?? null, 64),
      response_status: input.response_status ?? 200,
      response_code: input.response_code ?? input.response_status ?? 200,
      app_ids: (input.app_ids ?? []).slice(0, 32).map((a) => cutField(a, 64)!),
      request_headers: scrubHeaders(input.request_headers, f),
      request_body: cut(input.request_body == null ? null : scrubText(input.request_body), max),
      response_body: cut(input.response_body == null ? null : scrubText(input.response_body), max),
      response_summary: (scrubSummary(input.response_summary ?? {}) ?? {}) as Record<string, unknown>,
    };
  }

  /** Append durably and announce. Resolves with the stored record. */
  async record(input: ActivityInput): Promise<ActivityRecord> {
    const rec = this.build(input);
    if (rec.imsi === null && !this.#keepAnonymous()) {
      this.deps.onSampledOut?.(rec.request_type);
      return rec;
    }
    const stored = await this.deps.log.append(rec);
    this.deps.events.emit(activityEvent(rec, stored));
    return rec;
  }

  /** Newest first, filtered and paged by the log (ADMIN-API.md § Activity log). */
  query(q: ActivityQuery): Promise<ActivityPage> {
    return this.deps.log.query(q);
  }

  get(id: string): Promise<ActivityRecord | undefined> {
    return this.deps.log.get(id);
  }

  /** Ids of live records starting with `prefix` (at least 4 characters), at most `limit`, from the log's index. */
  idsWithPrefix(prefix: string, limit: number): Promise<string[]> {
    return this.deps.log.idsWithPrefix(prefix, limit);
  }

  count(): Promise<number> {
    return this.deps.log.count();
  }

  tally(): Promise<Tally> {
    return this.deps.log.tally();
  }
}
