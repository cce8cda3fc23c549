/**
 * The push sender (docs/odsa.md § Push): listens to the store for changes worth a push (an entitlement
 * override, an ODSA subscription, the VoWiFi address — this daemon's own changes, so a cluster pushes
 * once), queues them (PushService), and sends what is due through the gateway: FCM HTTP v1
 * (`push.mode fcm`) or the same request to a lab gateway (`local`).
 *
 *   POST https://fcm.googleapis.com/v1/projects/<project_id>/messages:send   (or push.url)
 *   Authorization: Bearer <push.access_token, or minted from push.service_account_file (fcm-auth.ts)>
 *   {"message": {"token": "<notif_token>", "android": {"priority": "high"},
 *                "data": {"app": "ap2004", "timestamp": "2026-12-02T11:00:00Z", "type": "ts43_configuration_changed", "app_ids": "ap2004", "reasons": "entitlement"}}}
 *
 * No IMSI, MSISDN or configuration travels through the gateway: the phone asks the entitlement server
 * again, as TS.43 §2.6 intends. Each send has push.timeout_ms; a timeout, a network error or a non-2xx
 * answer is counted and retried with back-off until push.max_attempts; a 404 with UNREGISTERED drops the
 * registration. A change is sent at once, from the change event itself (beside the backlog write); the
 * backlog is looked at every push.poll_ms for retries.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { Store } from '../../src/ports.js';
import { imsiOfKey, PUSH_TRIGGERS, type PushBacklogRecord, type PushRegistration, type PushService } from '../../src/services/push/push-service.js';
import type { PushReason } from '../../src/contracts/push.js';
import { bearerSource } from './fcm-auth.js';

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

/**
 * The FCM HTTP v1 request for one backlog item. `data` carries TS.43 §2.6.2's two keys — `app` (one app
 * id, or a JSON array of them as text: FCM data values are strings) and `timestamp` (ISO 8601 with its
 * zone) — and omnisep's own `type`, `app_ids`, `reasons`.
 */
export function pushRequest(config: OmnisepConfig['push'], reg: PushRegistration, item: PushBacklogRecord, bearer: string | null, nowMs: number = Date.now()): { url: string; init: RequestInit } {
  const url = config.url !== '' ? config.url : `https://fcm.googleapis.com/v1/projects/${encodeURIComponent(config.project_id)}/messages:send`;
  const app = item.apps.length === 1 ? item.apps[0]! : JSON.stringify(item.apps);
  const timestamp = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const body = { message: { token: reg.notif_token, android: { priority: 'high' }, data: { app, timestamp, type: 'ts43_configuration_changed', app_ids: item.apps.join(','), reasons: item.reasons.join(',') } } };
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  return { url, init: { method: 'POST', headers, body: JSON.stringify(body) } };
}

type Attempt = { ok: true } | { ok: false; reason: string; drop?: boolean };

const covers = (sent: PushBacklogRecord, stored: PushBacklogRecord): boolean =>
  stored.apps.every((a) => sent.apps.includes(a)) && stored.reasons.every((r) => sent.reasons.includes(r));

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
        failed: new Counter({ name: 'omnisep_push_failures_total', help: 'push sends that failed, by reason (timeout, http_<status>, network, oauth)', labelNames: ['reason'], registers: [deps.metrics] }),
        retried: new Counter({ name: 'omnisep_push_retries_total', help: 'push sends that were attempts after a failure', registers: [deps.metrics] }),
        backlog: new Gauge({ name: 'omnisep_push_backlog', help: 'push notifications waiting or failed', registers: [deps.metrics] }),
      }
    : null;
  const auth = bearerSource(() => ({ access_token: config.push.access_token, service_account_file: config.push.service_account_file, token_uri: config.push.token_uri, timeout_ms: config.push.timeout_ms }));
  let sentTotal = 0;
  let running = false;
  let again = false;
  let stopped = false;
  const inFlight = new Set<string>();

  /** One HTTP send (the OAuth exchange first, when the bearer comes from a service account). */
  const attempt = async (item: PushBacklogRecord, reg: PushRegistration): Promise<Attempt> => {
    if (item.attempts > 0) m?.retried.inc();
    let bearer: string | null;
    try {
      bearer = await auth.bearer();
    } catch (e) {
      logger?.warn({ reason: (e as Error).message }, 'push: OAuth access token not obtained');
      return { ok: false, reason: 'oauth' };
    }
    const { url, init } = pushRequest(config.push, reg, item, bearer);
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(config.push.timeout_ms) });
      const text = await r.text().catch(() => '');
      if (r.ok) return { ok: true };
      if (r.status === 404 && /UNREGISTERED|NOT_FOUND/.test(text)) return { ok: false, reason: 'unregistered', drop: true };
      if (r.status === 401) auth.invalidate(); // an access token the gateway no longer takes: mint a new one next time
      return { ok: false, reason: `http_${r.status}` };
    } catch (e) {
      return { ok: false, reason: (e as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
    }
  };

  /** Record an attempt's outcome on the stored item (`sent`: what the request carried). */
  const settle = async (stored: PushBacklogRecord, sent: PushBacklogRecord, out: Attempt): Promise<void> => {
    if (out.ok) {
      sentTotal++;
      m?.sent.inc();
      // A change merged in that the request did not carry stays pending (sent again).
      return covers(sent, stored) ? push.delivered(stored) : undefined;
    }
    m?.failed.inc({ reason: out.reason });
    if (out.drop) return push.drop(stored.key);
    const state = await push.failed(stored, out.reason);
    if (state === 'failed') logger?.warn({ imsi: stored.imsi, attempts: stored.attempts + 1, reason: out.reason }, 'push: notification given up after push.max_attempts');
  };

  const sendOne = async (item: PushBacklogRecord, reg: PushRegistration | undefined): Promise<void> => {
    if (!reg) return push.drop(item.key);
    await settle(item, item, await attempt(item, reg));
  };

  /**
   * A change: the send starts at once, beside the durable backlog write (not after it): a crash between the
   * two sends the notification twice at worst, never loses it. Busy slots or push.mode off: the backlog
   * pass sends it.
   */
  const onChange = async (imsi: string, reason: PushReason, apps: readonly string[]): Promise<void> => {
    const regs = await push.registrationsFor(imsi, apps);
    await Promise.all(regs.map(async (reg) => {
      const before = await push.peek(reg.key);
      const queued = push.queue(reg, reason, apps);
      if (config.push.mode === 'off' || inFlight.has(reg.key) || inFlight.size >= config.push.concurrency) {
        await queued;
        return kick();
      }
      inFlight.add(reg.key);
      try {
        const sent = push.mergeItem(before, reg, reason, apps);
        const [out, stored] = await Promise.all([attempt(sent, reg), queued]);
        await settle(stored, sent, out);
      } finally {
        inFlight.delete(reg.key);
      }
    }));
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
    onChange(imsi, trigger.reason, trigger.apps).catch((e: unknown) => logger?.error({ err: e }, 'push: queueing failed'));
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
