/**
 * SIGHUP: re-read the configuration and apply what is safe to change on a
 * running daemon — log level, activity retention and body cap, entitlement
 * defaults, admin API keys, metrics on/off, and the public listener's TLS
 * certificate (re-read from its files). Everything else (listeners,
 * storage, Diameter identity, secrets bound into issued tokens) needs a
 * restart; the answer says which changed keys those are.
 */
import { describeConfig, type OmnisepConfig } from '../../src/contracts/config.js';
import type { DaemonContext } from '../context.js';
import { retentionOf } from '../store/index.js';

export const RELOADABLE = ['log.level', 'activity.', 'default_entitlements.', 'admin.api_keys', 'metrics.enabled'] as const;
const reloadable = (key: string) => RELOADABLE.some((p) => (p.endsWith('.') ? key.startsWith(p) : key === p));

export interface ReloadResult {
  reloaded: string[];
  restart_needed: string[];
}

function get(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** Keys whose value differs (leaf keys of the schema; records like default_entitlements.ap2004 compare whole). */
export function changedKeys(a: OmnisepConfig, b: OmnisepConfig): string[] {
  return describeConfig().map((d) => d.key).filter((k) => JSON.stringify(get(a, k)) !== JSON.stringify(get(b, k)));
}

export function applyReload(ctx: DaemonContext, next: OmnisepConfig): ReloadResult {
  const prev = ctx.config;
  const changed = changedKeys(prev, next);
  const reloaded = changed.filter(reloadable);
  const restart_needed = changed.filter((k) => !reloadable(k));
  // First, so a refused file (a key that does not match its certificate) leaves everything as it was.
  // Files named by the config (certificates) are re-read even when the keys did not change: that is how a renewed certificate is picked up.
  // (A changed file *path* is still listed under restart_needed: the running listener keeps re-reading the old one.)
  for (const reload of ctx.reloaders.values()) {
    const what = reload();
    if (what) reloaded.push(what);
  }
  ctx.config = {
    ...prev,
    log: { ...prev.log, level: next.log.level },
    activity: { ...next.activity },
    default_entitlements: structuredClone(next.default_entitlements),
    admin: { ...prev.admin, api_keys: [...next.admin.api_keys] },
    metrics: { ...next.metrics },
  };
  ctx.logger.level = next.log.level;
  ctx.activity.maxBodyBytes = next.activity.max_body_bytes;
  const r = retentionOf(ctx.store);
  if (r) {
    r.maxPerSubscriber = next.activity.max_records_per_subscriber;
    r.retentionSeconds = next.activity.retention_seconds;
    r.enforceRetention();
  }
  return { reloaded, restart_needed };
}
