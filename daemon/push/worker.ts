/**
 * The push sender (docs/odsa.md § Push): listens to the store for changes worth a push (an entitlement
 * override, an ODSA subscription, the VoWiFi address — this daemon's own changes, so a cluster pushes
 * once), queues them (PushService), and sends what is due through the gateway: FCM HTTP v1
 * (`push.mode fcm`) or the same request to a lab gateway (`local`).
 *
 *   POST https://fcm.googleapis.com/v1/projects/<project_id>/messages:send   (or push.url)
 *   Authorization: Bearer <push.access_token>
 *   {"message": {"token": "<notif_token>", "android": {"priority": "high"},
 *                "data": {"type": "ts43_configuration_changed", "app_ids": "ap2004", "reasons": "entitlement"}}}
 *
 * No IMSI, MSISDN or configuration travels through the gateway: the phone asks the entitlement server
 * again, as TS.43 §2.6 intends. Each send has push.timeout_ms; a timeout, a network error or a non-2xx
 * answer is counted and retried with back-off until push.max_attempts; a 404 with UNREGISTERED drops the
 * registration. A queued change is sent at once; the backlog is looked at every push.poll_ms for retries.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { Store } from '../../src/ports.js';
import { imsiOfKey, PUSH_TRIGGERS, type PushBacklogRecord, type PushRegistration, type PushService } from '../../src/services/push/push-service.js';

export interface PushWorker {
  /** Look at the backlog now (after a change was queued). */
  kick(): void;
  /** Notifications delivered since start. */
  readonly sentTotal: number;
  stop(): void;
}

interface PushMetrics {
  sent: Counter<string>;
  failed: Counter<'reason'>;
  retried: Counter<string>;
  backlog: Gauge<string>;
}

export function pushRequest(config: OmnisepConfig['push'], reg: PushRegistration, item: PushBacklogRecord): { url: string; init: RequestInit } {
  const url = config.url !== '' ? config.url : `https://fcm.googleapis.com/v1/projects/${encodeURIComponent(config.project_id)}/messages:send`;
  const body = { message: { token: reg.notif_token, android: { priority: 'high' }, data: { type: 'ts43_configuration_changed', app_ids: item.apps.join(','), reasons: item.reasons.join(',') } } };
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (config.access_token !== '') headers.authorization = `Bearer ${config.access_token}`;
  return { url, init: { method: 'POST', headers, body: JSON.stringify(body) } };
}

export function startPushWorker(deps: {
  config: OmnisepConfig;
  store: Store;
  push: PushService;
  nodeName: string;
  metrics?: Registry | undefined;
  logger?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void } | undefined;
}): PushWorker {
  const { config, push, logger } = deps;
  const m: PushMetrics | null = deps.metrics
    ? {
        sent: new Counter({ name: 'omnisep_push_sent_total', help: 'push notifications delivered to the gateway', registers: [deps.metrics] }),
        failed: new Counter({ name: 'omnisep_push_failures_total', help: 'push sends that failed, by reason (timeout, http_<status>, network)', labelNames: ['reason'], registers: [deps.metrics] }),
        retried: new Counter({ name: 'omnisep_push_retries_total', help: 'push sends that were attempts after a failure', registers: [deps.metrics] }),
        backlog: new Gauge({ name: 'omnisep_push_backlog', help: 'push notifications waiting or failed', registers: [deps.metrics] }),
      }
    : null;
  let sentTotal = 0;
  let running = false;
  let again = false;
  let stopped = false;
  const inFlight = new Set<string>();

  const sendOne = async (item: PushBacklogRecord, reg: PushRegistration | undefined): Promise<void> => {
    if (!reg) return push.drop(item.key);
    if (item.attempts > 0) m?.retried.inc();
    const { url, init } = pushRequest(config.push, reg, item);
    let reason: string;
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(config.push.timeout_ms) });
      const text = await r.text().catch(() => '');
      if (r.ok) {
        sentTotal++;
        m?.sent.inc();
        return push.delivered(item);
      }
      if (r.status === 404 && /UNREGISTERED|NOT_FOUND/.test(text)) {
        m?.failed.inc({ reason: 'unregistered' });
        return push.drop(item.key);
      }
      reason = `http_${r.status}`;
    } catch (e) {
      reason = (e as Error).name === 'TimeoutError' ? 'timeout' : 'network';
    }
    m?.failed.inc({ reason });
    const state = await push.failed(item, reason);
    if (state === 'failed') logger?.warn({ imsi: item.imsi, attempts: item.attempts + 1, reason }, 'push: notification given up after push.max_attempts');
  };

  const tick = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        if (config.push.mode === 'off') break;
        const due = (await push.due(config.push.concurrency * 4)).filter((d) => !inFlight.has(d.item.key));
        // At most push.concurrency sends at once; a hanging gateway holds a slot for timeout_ms, never a phone.
        for (let i = 0; i < due.length; i += config.push.concurrency) {
          await Promise.all(due.slice(i, i + config.push.concurrency).map(async (d) => {
            inFlight.add(d.item.key);
            try {
              await sendOne(d.item, d.registration);
            } finally {
              inFlight.delete(d.item.key);
            }
          }));
        }
      } while (again && !stopped);
      m?.backlog.set(await push.backlogCount());
    } catch (e) {
      logger?.error({ err: e }, 'push: backlog pass failed');
    } finally {
      running = false;
    }
  };
  const kick = () => {
    if (!stopped) setImmediate(() => void tick());
  };

  const unsubscribe = deps.store.onChange((ch) => {
    const trigger = PUSH_TRIGGERS[ch.collection];
    if (!trigger) return;
    if (ch.origin !== null && ch.origin !== deps.nodeName) return; // the daemon that made the change pushes
    const imsi = imsiOfKey(ch.key);
    if (!imsi) return;
    push.enqueue(imsi, trigger.reason, trigger.apps).then((n) => (n > 0 ? kick() : undefined), (e: unknown) => logger?.error({ err: e }, 'push: queueing failed'));
  });
  const timer = setInterval(() => void tick(), config.push.poll_ms);
  timer.unref();
  const pruneTimer = setInterval(() => void push.prune().catch((e: unknown) => logger?.error({ err: e }, 'push: prune failed')), 3_600_000);
  pruneTimer.unref();
  kick();
  return {
    kick,
    get sentTotal() {
      return sentTotal;
    },
    stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      clearInterval(pruneTimer);
    },
  };
}
