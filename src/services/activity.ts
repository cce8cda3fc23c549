/**
 * Recording activity (ADMIN-API.md § Activity log): fill id, timestamp and
 * defaults, strip secrets (tokens, EAP keys, Authorization, Cookie), append
 * to the durable log, and announce it on the event stream.
 * Sees only ports: no fs, no fastify.
 */
import type { ActivityLog, ActivityPage, ActivityQuery, Clock, EventSink, Random } from '../ports.js';
import type { ActivityRecord } from '../contracts/activity.js';

/** What a caller may hand in: only request_type is required; headers as fastify gives them. */
export type ActivityInput = Partial<Omit<ActivityRecord, 'request_headers'>> & {
  request_type: string;
  request_headers?: Record<string, string | string[] | number | undefined>;
};

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
/** key=value in query strings and form bodies: `token=abc&IMSI=...` */
const QS_RE = new RegExp(`((?:^|[?&;\\s])(?:${fieldAlt})=)[^&;\\s"]*`, 'gi');
/** "token": "abc" in JSON text */
const JSON_RE = new RegExp(`("(?:${fieldAlt})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^,}\\s]+)`, 'gi');
/** <parm name="token" value="abc"/> in TS.43 XML */
const XML_RE = new RegExp(`(<parm\\s+name="(?:${fieldAlt})"\\s+value=")[^"]*`, 'gi');
/** VVM STATUS SMS `pw=...;` */
const SMS_RE = /((?:^|;)pw=)[^;]*/gi;

/** Remove secret values from free text (paths, bodies) whatever its format. */
export function scrubText(text: string): string {
  return text.replace(QS_RE, `$1${REDACTED}`).replace(JSON_RE, `$1"${REDACTED}"`).replace(XML_RE, `$1${REDACTED}`).replace(SMS_RE, `$1${REDACTED}`);
}

export function scrubHeaders(h: ActivityInput['request_headers'] = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    out[name] = SECRET_HEADERS.has(name) ? REDACTED : scrubText(Array.isArray(v) ? v.join(', ') : String(v));
  }
  return out;
}

function scrubSummary(v: unknown, depth = 0): unknown {
  if (depth > 6 || v === null || typeof v !== 'object') return typeof v === 'string' ? scrubText(v) : v;
  if (Array.isArray(v)) return v.map((x) => scrubSummary(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = (SECRET_FIELDS as readonly string[]).includes(k.toLowerCase()) ? REDACTED : scrubSummary(x, depth + 1);
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
}

export class ActivityService {
  maxBodyBytes: number;
  constructor(private readonly deps: ActivityServiceDeps) {
    this.maxBodyBytes = deps.maxBodyBytes ?? 4096;
  }

  /** Build the full, scrubbed record (no I/O). */
  build(input: ActivityInput): ActivityRecord {
    const max = this.maxBodyBytes;
    return {
      id: input.id ?? this.deps.random.uuid(),
      timestamp: input.timestamp ?? new Date(this.deps.clock.now()).toISOString(),
      request_type: input.request_type,
      request_method: input.request_method ?? 'GET',
      request_path: scrubText(input.request_path ?? '/'),
      imsi: input.imsi ?? null,
      msisdn: input.msisdn ?? null,
      terminal_id: input.terminal_id ?? null,
      terminal_vendor: input.terminal_vendor ?? null,
      terminal_model: input.terminal_model ?? null,
      terminal_sw_version: input.terminal_sw_version ?? null,
      client_ip: input.client_ip ?? null,
      user_agent: input.user_agent ?? null,
      auth_method: input.auth_method ?? null,
      response_status: input.response_status ?? 200,
      response_code: input.response_code ?? input.response_status ?? 200,
      app_ids: input.app_ids ?? [],
      request_headers: scrubHeaders(input.request_headers),
      request_body: cut(input.request_body == null ? null : scrubText(input.request_body), max),
      response_body: cut(input.response_body == null ? null : scrubText(input.response_body), max),
      response_summary: (scrubSummary(input.response_summary ?? {}) ?? {}) as Record<string, unknown>,
    };
  }

  /** Append durably and announce. Resolves with the stored record. */
  async record(input: ActivityInput): Promise<ActivityRecord> {
    const rec = this.build(input);
    await this.deps.log.append(rec);
    this.deps.events.emit({ kind: 'activity', at: rec.timestamp, record: rec });
    return rec;
  }

  /** Newest first, filtered and paged by the log (ADMIN-API.md § Activity log). */
  query(q: ActivityQuery): Promise<ActivityPage> {
    return this.deps.log.query(q);
  }

  get(id: string): Promise<ActivityRecord | undefined> {
    return this.deps.log.get(id);
  }

  count(): Promise<number> {
    return this.deps.log.count();
  }
}
