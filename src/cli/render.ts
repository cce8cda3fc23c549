/**
 * Human renderings of the API bodies, one function per answer type. Pure:
 * (body, chalk) → string, so golden tests can call them and commands only
 * print. Field names shown are the API's own (ADMIN-API.md).
 */
import type { ChalkInstance } from 'chalk';
import type { StatusResponse } from '../contracts/status.js';
import type { EntitlementDefaults, EntitlementDetail, EntitlementList, EntitlementSetResult } from '../contracts/entitlements.js';
import type { ActivityList, ActivityRecord } from '../contracts/activity.js';
import type { SessionList, SessionView } from '../contracts/sessions.js';
import type { TokenList, TokenView } from '../contracts/tokens.js';
import { age } from '../util/age.js';
import { approxCount, httpColor, isoTime, renderKeyValue, renderTable, statusColor } from './output.js';
import { terminalSafeDeep } from '../util/terminal-text.js';

export interface RenderOptions {
  /** Terminal width (TTY only): the last table column is cut to fit. */
  maxWidth?: number;
}

export function renderStatus(s: StatusResponse, c: ChalkInstance): string {
  const head = `${c.bold('OmniSEP')} ${s.version}  ${statusColor(s.status, c)}  up ${s.uptime} (pid ${s.pid}, ${s.environment})`;
  // A PostgreSQL estimate (docs/storage.md § Counts) reads "≈ 2000000".
  const count = (name: string, n: number) => approxCount(n, s.storage.estimated_counts?.includes(name));
  const listeners = renderTable(
    Object.entries(s.listeners).map(([name, l]) => ({ name, ...l })),
    [
      { header: 'listener', get: (r) => r.name },
      { header: 'protocol', get: (r) => r.protocol },
      { header: 'address', get: (r) => r.url },
    ],
    { chalk: c },
  );
  const storage = renderKeyValue(
    [
      ['driver', s.storage.driver],
      ...(s.storage.driver === 'postgres' ? [['location', s.storage.location] as [string, unknown]] : [['data_dir', s.storage.data_dir] as [string, unknown]]),
      ['schema_version', s.storage.schema_version],
      ...(s.storage.pool ? [['pool', `${s.storage.pool.total} open, ${s.storage.pool.idle} idle, ${s.storage.pool.waiting} waiting, max ${s.storage.pool.max}`] as [string, unknown]] : []),
      ...(s.storage.pipelines ? [['pipelined', s.storage.pipelines.max ? `${s.storage.pipelines.open} of ${s.storage.pipelines.max} open` : 'off (storage.pipelines 0)'] as [string, unknown]] : []),
      ['writable', s.storage.writable],
      ['custom_entitlements', count('custom_entitlements', s.storage.custom_entitlements)],
      ['xcap_profiles', count('xcap_profiles', s.storage.xcap_profiles)],
      ['eap_aka_sessions', count('eap_aka_sessions', s.storage.eap_aka_sessions)],
      ['active_tokens', count('active_tokens', s.storage.active_tokens)],
      ['activity_records', count('activity_records', s.storage.activity_records)],
    ],
    { chalk: c },
  );
  const services = Object.entries(s.services)
    .map(([k, v]) => (typeof v === 'boolean' ? `${k.replace(/_enabled$/, '')} ${v ? c.green('on') : c.dim('off')}` : `${k} ${v}`))
    .join(', ');
  const vvm = s.vvm ? `${c.bold('VVM')}       ${count('vvm.accounts', s.vvm.accounts)} accounts, SMS gateway ${s.vvm.sms_gateway ?? c.red('none (nothing is sent)')}, SMS backlog ${s.vvm.sms_backlog ? c.yellow(String(count('vvm.sms_backlog', s.vvm.sms_backlog))) : 0}` : null;
  const sh = s.sh ? `${c.bold('Sh')}        backlog ${s.sh.backlog ? c.yellow(String(s.sh.backlog)) : 0} (PURs waiting for the HSS), ${count('sh.subscriptions', s.sh.subscriptions)} subscriptions` : null;
  const mem = `rss ${s.memory.rss_mb} MB, heap ${s.memory.heap_used_mb}/${s.memory.heap_total_mb} MB, external ${s.memory.external_mb} MB`;
  return [head, '', listeners, '', c.bold('Storage'), storage, '', `${c.bold('Services')}  ${services}`, ...(vvm ? [vvm] : []), ...(sh ? [sh] : []), `${c.bold('Memory')}    ${mem}`].join('\n');
}

export function renderEntitlementList(l: EntitlementList, c: ChalkInstance, o: RenderOptions = {}): string {
  if (l.count === 0) return 'no subscriber has custom entitlements';
  return renderTable(
    l.entitlements,
    [
      { header: 'imsi', get: (r) => r.imsi },
      { header: 'apps', get: (r) => r.app_ids.join(',') },
      { header: 'services', get: (r) => r.services.join(', ') },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
}

const fmtValue = (v: unknown): string => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : v === '' ? '""' : String(v));

/** One row per app field: APP, SERVICE, SOURCE, FIELD, VALUE. */
function renderAppTable(entries: Array<[string, { service_name: string; data: Record<string, unknown>; source?: string }]>, c: ChalkInstance, o: RenderOptions): string {
  const rows: Array<{ app: string; service: string; source: string; field: string; value: string }> = [];
  for (const [app, e] of entries) {
    const fields = Object.entries(e.data);
    if (fields.length === 0) rows.push({ app, service: e.service_name, source: e.source ?? '', field: '-', value: '-' });
    fields.forEach(([f, v], i) =>
      rows.push({ app: i === 0 ? app : '', service: i === 0 ? e.service_name : '', source: i === 0 ? (e.source ?? '') : '', field: f, value: fmtValue(v) }),
    );
  }
  const hasSource = rows.some((r) => r.source);
  return renderTable(
    rows,
    [
      { header: 'app', get: (r) => r.app, style: (t) => c.bold(t) },
      { header: 'service', get: (r) => r.service },
      ...(hasSource ? [{ header: 'source', get: (r: (typeof rows)[number]) => r.source, style: (t: string) => (t === 'custom' ? c.cyan(t) : c.dim(t)) }] : []),
      { header: 'field', get: (r) => r.field },
      { header: 'value', get: (r) => r.value },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
}

export function renderEntitlementDetail(d: EntitlementDetail, c: ChalkInstance, o: RenderOptions = {}): string {
  const head = `${c.bold('IMSI')} ${d.imsi}${d.updated_at ? `  updated ${isoTime(d.updated_at)}` : ''}`;
  return `${head}\n${renderAppTable(Object.entries(d.entitlements), c, o)}`;
}

export function renderEntitlementDefaults(d: EntitlementDefaults, c: ChalkInstance, o: RenderOptions = {}): string {
  return renderAppTable(Object.entries(d.defaults), c, o);
}

export function renderEntitlementSet(r: EntitlementSetResult, c: ChalkInstance): string {
  const fields = Object.entries(r.entitlement)
    .map(([k, v]) => `${k}=${fmtValue(v)}`)
    .join(' ');
  return `${c.green('set')} ${r.app_id} for ${r.imsi}: ${fields}`;
}

export function renderSessions(l: SessionList, c: ChalkInstance, o: RenderOptions = {}): string {
  if (l.count === 0) return 'no EAP sessions';
  return renderTable(
    l.sessions,
    [
      { header: 'session_id', get: (r) => r.session_id },
      { header: 'imsi', get: (r) => r.imsi },
      { header: 'state', get: (r) => r.state, style: (t) => statusColor(t, c) },
      { header: 'eap_id', get: (r) => r.eap_id, align: 'right' },
      { header: 'created_at', get: (r) => isoTime(r.created_at) },
      { header: 'aaa_session_id', get: (r) => r.aaa_session_id },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
}

export function renderSession(session: SessionView, c: ChalkInstance): string {
  const s = terminalSafeDeep(session);
  return renderKeyValue(
    [
      ['session_id', s.session_id],
      ['imsi', s.imsi],
      ['state', statusColor(s.state, c)],
      ['eap_id', s.eap_id],
      ['backend', s.backend],
      ['terminal_id', s.terminal_id],
      ['app_ids', s.app_ids],
      ['aaa_session_id', s.aaa_session_id],
      ['created_at', isoTime(s.created_at)],
      ['completed_at', isoTime(s.completed_at)],
      ['failure_reason', s.failure_reason],
    ],
    { chalk: c },
  );
}

export function renderTokens(l: TokenList, c: ChalkInstance, o: RenderOptions = {}): string {
  if (l.count === 0) return 'no tokens';
  return renderTable(
    l.tokens,
    [
      { header: 'token_id', get: (r) => r.token_id },
      { header: 'imsi', get: (r) => r.imsi },
      { header: 'terminal_id', get: (r) => r.terminal_id },
      { header: 'kind', get: (r) => r.kind ?? 'reauth' },
      { header: 'auth', get: (r) => r.auth_method },
      { header: 'expires_at', get: (r) => isoTime(r.expires_at) },
      { header: 'expires_in', get: (r) => age(r.expires_in_seconds * 1000), align: 'right', style: (t, r) => (r.expires_in_seconds < 3600 ? c.yellow(t) : t) },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
}

export function renderToken(token: TokenView, c: ChalkInstance): string {
  const t = terminalSafeDeep(token);
  return renderKeyValue(
    [
      ['token_id', t.token_id],
      ['imsi', t.imsi],
      ['terminal_id', t.terminal_id],
      ['app_name', t.app_name],
      ['kind', t.kind ?? 'reauth'],
      ['auth_method', t.auth_method],
      ...(t.operation_targets ? ([['operation_targets', t.operation_targets.join(',')]] as Array<[string, string]>) : []),
      ['created_at', isoTime(t.created_at)],
      ['expires_at', isoTime(t.expires_at)],
      ['expires_in', age(t.expires_in_seconds * 1000)],
      ['validity', `${t.validity}s`],
    ],
    { chalk: c },
  );
}

export function renderActivityList(l: ActivityList, c: ChalkInstance, o: RenderOptions = {}): string {
  // A capped total is a lower bound (docs/storage.md § Activity): "10000+".
  const total = `${l.total}${l.total_capped ? '+' : ''}`;
  if (l.count === 0) return `no activity records match (total ${total})`;
  const pages = `${Math.max(1, Math.ceil(l.total / Math.max(1, l.page_size)))}${l.total_capped ? '+' : ''}`;
  const table = renderTable(
    l.activities,
    [
      { header: 'timestamp', get: (r) => isoTime(r.timestamp) },
      { header: 'type', get: (r) => r.request_type },
      { header: 'imsi', get: (r) => r.imsi },
      { header: 'terminal_id', get: (r) => r.terminal_id },
      { header: 'status', get: (r) => r.response_status, align: 'right', style: (t, r) => httpColor(r.response_status, t, c) },
      { header: 'apps', get: (r) => r.app_ids.join(',') },
      // A cluster's records name the daemon that served them (PostgreSQL); a single daemon's have no column.
      ...(l.activities.some((r) => r.node) ? [{ header: 'node', get: (r: ActivityRecord) => r.node ?? null }] : []),
      { header: 'id', get: (r) => r.id },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
  return `${table}\n${c.dim(`${l.count} of ${total} (page ${l.page}/${pages}, ${l.page_size} per page)`)}`;
}

export function renderActivity(record: ActivityRecord, c: ChalkInstance): string {
  // Every field came from a phone or a proxy: escaped before our own colours are added.
  const r = terminalSafeDeep(record, { multiline: true });
  const pairs: Array<[string, unknown]> = Object.entries(r).map(([k, v]) => {
    if (k === 'response_status' && typeof v === 'number') return [k, httpColor(v, String(v), c)];
    if (k === 'timestamp') return [k, isoTime(v as string)];
    return [k, v];
  });
  return renderKeyValue(pairs, { chalk: c });
}
