/**
 * The nine VVM metrics of VVM.md § Metrics (and the seed's VVM chapter), on the daemon's registry, plus
 * the SMS backlog gauge (docs/vvm-sms.md § Backlog). One set per registry: the IMAP server
 * (daemon/imap) and the OMTP side (daemon/vvm) both call `vvmMetrics(ctx.metrics)`.
 *
 *   vvm_imap_sessions_total{result=success|auth_failed|timeout}   vvm_imap_active_sessions
 *   vvm_imap_commands_total{command,result=ok|no|bad}              vvm_messages_total{operation=deposit|read|delete|move}
 *   vvm_messages_stored                                            vvm_message_duration_seconds (5,10,15,30,60,120,180,300)
 *   vvm_sms_total{type=status|sync|activate|deactivate,result=success|failed|no_gateway}
 *   vvm_accounts_total{operation=create|activate|deactivate|update,result=success|error}
 *   vvm_accounts_active                                            vvm_sms_backlog
 *
 * The gauges that count stored records (accounts, messages, backlog) are read from the store's count()
 * when Prometheus scrapes, at most every 15 s (never a scan on the scrape path; cluster-wide on a shared store).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface VvmMetrics {
  imapSessions: Counter<'result'>;
  imapActive: Gauge<string>;
  imapCommands: Counter<'command' | 'result'>;
  messages: Counter<'operation'>;
  messagesStored: Gauge<string>;
  messageDuration: Histogram<string>;
  sms: Counter<'type' | 'result'>;
  accounts: Counter<'operation' | 'result'>;
  accountsActive: Gauge<string>;
  smsBacklog: Gauge<string>;
}

/** Sources of the counted gauges, registered by the wiring once the services exist. */
export interface VvmGaugeSources {
  accounts?: () => Promise<number>;
  messages?: () => Promise<number>;
  backlog?: () => Promise<number>;
  /** Open IMAP connections now (daemon/imap). */
  imapConnections?: () => number;
}

const byRegistry = new WeakMap<Registry, { metrics: VvmMetrics; sources: VvmGaugeSources }>();
const REFRESH_MS = 15_000;

/** A gauge whose value is a count read at most every REFRESH_MS. */
function countedGauge(name: string, help: string, registry: Registry, read: () => (() => Promise<number>) | undefined): Gauge<string> {
  let last = 0;
  let value = 0;
  return new Gauge({
    name, help, registers: [registry],
    async collect() {
      const source = read();
      if (!source) return;
      if (Date.now() - last >= REFRESH_MS) {
        try {
          value = await source();
          last = Date.now();
        } catch {
          // the store is down: keep the last value (the store health check says why)
        }
      }
      this.set(value);
    },
  });
}

export function vvmMetrics(registry: Registry): VvmMetrics {
  return vvmMetricsWithSources(registry).metrics;
}

/** The metrics and the (mutable) gauge sources of this registry. */
export function vvmMetricsWithSources(registry: Registry): { metrics: VvmMetrics; sources: VvmGaugeSources } {
  let m = byRegistry.get(registry);
  if (!m) {
    const sources: VvmGaugeSources = {};
    const metrics: VvmMetrics = {
      imapSessions: new Counter({ name: 'vvm_imap_sessions_total', help: 'VVM IMAP sessions by result (success, auth_failed, timeout)', labelNames: ['result'], registers: [registry] }),
      imapActive: new Gauge({
        name: 'vvm_imap_active_sessions', help: 'open VVM IMAP connections (both ports)', registers: [registry],
        collect() { if (sources.imapConnections) this.set(sources.imapConnections()); },
      }),
      imapCommands: new Counter({ name: 'vvm_imap_commands_total', help: 'IMAP commands by command and result (ok, no, bad)', labelNames: ['command', 'result'], registers: [registry] }),
      messages: new Counter({ name: 'vvm_messages_total', help: 'VVM message operations (deposit, read, delete, move)', labelNames: ['operation'], registers: [registry] }),
      messagesStored: countedGauge('vvm_messages_stored', 'VVM messages held in the store (greetings included), refreshed at most every 15 s; past 100,000 on PostgreSQL the database\'s estimate', registry, () => sources.messages),
      messageDuration: new Histogram({ name: 'vvm_message_duration_seconds', help: 'length of deposited voice messages, seconds', buckets: [5, 10, 15, 30, 60, 120, 180, 300], registers: [registry] }),
      sms: new Counter({ name: 'vvm_sms_total', help: 'VVM SMS: outgoing status/sync per gateway attempt (success, failed, no_gateway) and incoming activate/deactivate requests (success, failed)', labelNames: ['type', 'result'], registers: [registry] }),
      accounts: new Counter({ name: 'vvm_accounts_total', help: 'VVM account operations (create, activate, deactivate, update) by result (success, error)', labelNames: ['operation', 'result'], registers: [registry] }),
      accountsActive: countedGauge('vvm_accounts_active', 'VVM accounts held in the store, refreshed at most every 15 s; past 100,000 on PostgreSQL the database\'s estimate', registry, () => sources.accounts),
      smsBacklog: countedGauge('vvm_sms_backlog', 'VVM SMS in the durable backlog (waiting for the gateway or a retry, or given up and kept for vvm.sms_failed_retention_seconds), refreshed at most every 15 s; past 100,000 on PostgreSQL the database\'s estimate', registry, () => sources.backlog),
    };
    m = { metrics, sources };
    byRegistry.set(registry, m);
  }
  return m;
}
