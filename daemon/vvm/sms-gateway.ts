/**
 * The HTTP SMS gateway client and the backlog worker (docs/vvm-sms.md § Gateway request, § Backlog).
 *
 * One SMS = one `POST vvm.sms_gateway` with the JSON body of `vvm.sms_gateway_body`, placeholders filled:
 *   {"to":"{to}","from":"{from}","text":"{text}","port":"{port}"}  →  {"to":"+61400123456","from":"+61400000000","text":"//VVM:SYNC:ev=NM;...","port":5499}
 * `Authorization: <vvm.sms_gateway_auth>` when set; `Idempotency-Key: <backlog id>` on every attempt so a
 * gateway can drop a repeat after a timed-out attempt that had in fact gone through.
 * 2xx = taken; 408, 425, 429, 5xx, a timeout or a connection error = retried with exponential back-off;
 * any other 4xx = the gateway refuses the request itself: kept as failed at once (retrying cannot help).
 *
 * The worker sends what is due in the backlog: at once when an SMS is queued (an Activate is answered
 * within Android's 60 s), and every second for retries. A gateway that hangs costs one timeout per
 * attempt, never a caller's request: callers only queue.
 */
import type { Logger } from 'pino';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { ActivityService } from '../../src/services/activity.js';
import type { OmtpService } from '../../src/services/vvm/omtp-service.js';
import type { OutboxRecord, SmsOutbox } from '../../src/services/vvm/sms-outbox.js';
import { inLanes } from '../../src/util/lanes.js';
import type { VvmMetrics } from './metrics.js';

export interface GatewayRequest {
  id: string;
  to: string;
  from: string;
  text: string;
  port: number;
  type: 'status' | 'sync';
}

export type GatewayOutcome = { ok: true; status: number } | { ok: false; permanent: boolean; error: string };

/** Fills the body template: placeholders in every string; a string that is exactly "{port}" becomes the number. */
export function renderGatewayBody(template: string, req: GatewayRequest): unknown {
  const values: Record<string, string> = { to: req.to, from: req.from, text: req.text, port: String(req.port), type: req.type, id: req.id };
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v === '{port}') return req.port;
      return v.replace(/\{(to|from|text|port|type|id)\}/g, (_, k: string) => values[k]!);
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(JSON.parse(template));
}

const RETRYABLE = new Set([408, 425, 429]);

/** One gateway call with the configured timeout. Never throws. */
export async function postToGateway(cfg: OmnisepConfig['vvm'], req: GatewayRequest): Promise<GatewayOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': req.id };
  if (cfg.sms_gateway_auth) headers.authorization = cfg.sms_gateway_auth;
  try {
    const res = await fetch(cfg.sms_gateway, {
      method: 'POST', headers, body: JSON.stringify(renderGatewayBody(cfg.sms_gateway_body, req)),
      signal: AbortSignal.timeout(cfg.sms_gateway_timeout_ms), redirect: 'error',
    });
    // The body is not needed; drain it so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { ok: true, status: res.status };
    const permanent = res.status >= 400 && res.status < 500 && !RETRYABLE.has(res.status);
    return { ok: false, permanent, error: `gateway answered HTTP ${res.status}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${cfg.sms_gateway_timeout_ms} ms` : err.cause?.code ?? err.message;
    return { ok: false, permanent: false, error: `gateway unreachable: ${why}` };
  }
}

export interface SmsWorkerDeps {
  config: () => OmnisepConfig;
  outbox: SmsOutbox;
  omtp: OmtpService;
  metrics: VvmMetrics;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  activity: ActivityService;
  /** How often retries are looked for, ms. */
  pollMs?: number;
  /** Records claimed per page. */
  pageSize?: number;
  /** Gateway calls in flight at once. */
  concurrency?: number;
}

export class SmsWorker {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #cursor: string | null = null;
  #stopped = false;
  #warnedNoGateway = false;

  constructor(private readonly deps: SmsWorkerDeps) {}

  start(): void {
    this.#timer = setInterval(() => this.kick(), this.deps.pollMs ?? 1000);
    this.#timer.unref();
    this.kick();
  }

  /** Look at the backlog now (an SMS was queued). Runs once at a time; a kick during a run runs again after it. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain()
      .catch((e: unknown) => this.deps.logger.error({ err: e }, 'vvm: SMS backlog pass failed'))
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Stops the timer and waits for the calls in flight (each bounded by the gateway timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** Runs passes until nothing is due (tests await it). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    const pageSize = this.deps.pageSize ?? 100;
    // One pass over the backlog from the cursor to the end; the next pass starts again from the start.
    for (;;) {
      const { claimed, next } = await this.deps.outbox.claimDue(this.#cursor, pageSize);
      await this.#sendAll(claimed);
      this.#cursor = next;
      if (next === null || this.#stopped) return;
    }
  }

  async #sendAll(recs: OutboxRecord[]): Promise<void> {
    await inLanes(recs, this.deps.concurrency ?? 8, (rec) => this.#sendOne(rec));
  }

  async #sendOne(rec: OutboxRecord): Promise<void> {
    const cfg = this.deps.config().vvm;
    const { metrics, outbox, logger } = this.deps;
    if (cfg.sms_gateway === '') {
      // Nothing can send it: counted, logged, and kept visible as failed (never silent).
      metrics.sms.inc({ type: rec.type, result: 'no_gateway' });
      if (!this.#warnedNoGateway) logger.warn({ to: rec.to, type: rec.type }, 'vvm: no SMS gateway configured (vvm.sms_gateway): VVM SMS are not sent; see omnisep vvm sms ls');
      this.#warnedNoGateway = true;
      await outbox.attemptFailed(rec.id, 'no gateway configured (vvm.sms_gateway is empty)', true);
      await this.#record(rec, 'no_gateway', rec.text ?? `${cfg.client_prefix}:STATUS:(credentials not rendered)`, 'vvm.sms_gateway is empty');
      return;
    }
    this.#warnedNoGateway = false;
    const rendered = await this.deps.omtp.renderForSend(rec);
    if (!rendered) {
      logger.info({ id: rec.id, imsi: rec.imsi }, 'vvm: STATUS dropped from the backlog: the account is gone');
      await outbox.sent(rec.id);
      return;
    }
    const outcome = await postToGateway(cfg, { id: rec.id, to: rec.to, from: cfg.sms_source_number, text: rendered.text, port: cfg.sms_port, type: rec.type });
    if (outcome.ok) {
      metrics.sms.inc({ type: rec.type, result: 'success' });
      await outbox.sent(rec.id);
      await this.#record(rec, 'success', rendered.redacted, null);
      return;
    }
    metrics.sms.inc({ type: rec.type, result: 'failed' });
    const after = await outbox.attemptFailed(rec.id, outcome.error, outcome.permanent);
    const gaveUp = after?.state === 'failed';
    logger.warn(
      { id: rec.id, imsi: rec.imsi, to: rec.to, type: rec.type, attempt: after?.attempts, error: outcome.error, ...(gaveUp ? {} : { retry_in_ms: after ? after.next_attempt_at - Date.now() : null }) },
      gaveUp ? 'vvm: SMS gateway refused the SMS: kept as failed in the backlog' : 'vvm: SMS gateway attempt failed: will retry',
    );
    if (gaveUp) await this.#record(rec, 'failed', rendered.redacted, outcome.error);
  }

  /** One activity record per SMS outcome (sent, given up, no gateway); the text as redacted. */
  async #record(rec: OutboxRecord, result: string, redacted: string, error: string | null): Promise<void> {
    await this.deps.activity.record({
      request_type: `vvm_sms_${rec.type}`, request_method: 'SMS', request_path: 'vvm/sms',
      imsi: rec.imsi, msisdn: rec.to, response_status: result === 'success' ? 200 : 502, response_code: result === 'success' ? 200 : 502,
      response_summary: { result, reason: rec.reason, attempts: rec.attempts + 1, text: redacted, ...(error ? { error } : {}) },
    }).catch((e: unknown) => this.deps.logger.error({ err: e }, 'vvm: SMS activity not recorded'));
  }
}
