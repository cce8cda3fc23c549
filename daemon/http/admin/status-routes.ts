/** `GET /api/status`, `GET /api/config` (ADMIN-API.md § Status). */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { StatusResponse } from '../../../src/contracts/status.js';
import type { StoreInfo, Tally } from '../../../src/ports.js';
import { redactConfig } from '../../../src/contracts/config.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute } from './route-kit.js';

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : m ? `${m}m ${seconds % 60}s` : `${seconds}s`;
}

/**
 * The counts come from the owning services' count() (the store counts, never a scan): cluster-wide with a shared store. Sessions are
 * the views held (in flight, and finished ones until the sweep drops them); tokens are the records held
 * (an expired one until the next purge).
 */
export async function buildStatus(ctx: DaemonContext): Promise<StatusResponse> {
  const now = ctx.clock.now();
  const up = Math.max(0, Math.floor((now - ctx.startedAt.getTime()) / 1000));
  const mem = process.memoryUsage();
  const { store, config } = ctx;
  const s = ctx.services;
  const [customEntitlements, xcapProfiles, sessions, tokens, activityRecords] = await Promise.all([
    s.entitlements.tally(), s.xcap.tally(), s.eapAuth.tally(), s.tokens.tally(), s.activity.tally(),
  ]);
  const exact = (n: number): Tally => ({ n, estimated: false });
  const [vvmBacklog, vvmAccounts] = config.vvm.enabled ? await Promise.all([s.vvmSms.outbox.tally(), s.vvm.accounts.tally()]) : [exact(0), exact(0)];
  const sh = config.xcap.hss_sync ? await Promise.all([s.xcap.hssBacklogCount().then(exact), s.xcap.hssSubscriptionTally()]) : null;
  // Estimates past 100,000 on PostgreSQL (src/ports.ts Tally): named, so nothing reads one as exact.
  const counts = {
    custom_entitlements: customEntitlements, xcap_profiles: xcapProfiles, eap_aka_sessions: sessions, active_tokens: tokens, activity_records: activityRecords,
    ...(config.vvm.enabled ? { 'vvm.sms_backlog': vvmBacklog, 'vvm.accounts': vvmAccounts } : {}),
    ...(sh ? { 'sh.subscriptions': sh[1] } : {}),
  };
  const estimated = Object.entries(counts).filter(([, t]) => t.estimated).map(([k]) => k);
  return {
    status: ctx.lifecycle.stopping ? 'stopping' : 'ok',
    application: 'OmniSEP',
    version: ctx.version,
    uptime: formatUptime(up),
    uptime_seconds: up,
    started_at: ctx.startedAt.toISOString(),
    pid: process.pid,
    environment: config.server.environment,
    memory: { rss_mb: mb(mem.rss), heap_total_mb: mb(mem.heapTotal), heap_used_mb: mb(mem.heapUsed), external_mb: mb(mem.external) },
    storage: {
      driver: config.storage.driver,
      data_dir: config.storage.driver === 'memory' ? null : ctx.dataDir,
      ...storeInfo(store.info()),
      writable: store.writable(),
      custom_entitlements: customEntitlements.n,
      xcap_profiles: xcapProfiles.n,
      eap_aka_sessions: sessions.n,
      active_tokens: tokens.n,
      activity_records: activityRecords.n,
      ...(estimated.length ? { estimated_counts: estimated } : {}),
    },
    services: {
      http_port: ctx.listeners.http?.port ?? config.http.port,
      eap_aka_enabled: config.eap_aka.enabled,
      eap_aka_backend: config.eap_aka.backend,
      xcap_enabled: config.xcap.enabled,
      vvm_enabled: Boolean(ctx.listeners.imap && ctx.listeners.imaps),
      aaa_enabled: config.aaa.enabled,
    },
    ...(config.vvm.enabled ? { vvm: { sms_gateway: config.vvm.sms_gateway || null, sms_backlog: vvmBacklog.n, accounts: vvmAccounts.n } } : {}),
    ...(sh ? { sh: { backlog: sh[0].n, subscriptions: sh[1].n } } : {}),
    listeners: ctx.listeners,
    timestamp: new Date(now).toISOString(),
  };
}

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  defineRoute(app, R.status, async () => buildStatus(ctx));
  defineRoute(app, R.config, async () => ({ config: redactConfig(ctx.config) as unknown as Record<string, unknown>, file: ctx.configFile }));
}

/** What the driver says of itself: where (the PostgreSQL URL without its password), schema version, pool. */
function storeInfo(i: StoreInfo): { location: string | null; schema_version: number; pool?: NonNullable<StoreInfo['pool']>; pipelines?: NonNullable<StoreInfo['pipelines']> } {
  return { location: i.location, schema_version: i.schema_version, ...(i.pool ? { pool: i.pool } : {}), ...(i.pipelines ? { pipelines: i.pipelines } : {}) };
}
