/**
 * The operator's systems over HTTP (docs/odsa.md § Operator port): omnisep POSTs JSON to
 * `odsa.operator_url` and reads JSON back.
 *
 *   POST <url>/profiles/order    {imsi, app, device_id, eid, companion_service, kind, plan_id}
 *        → 200 {"status":"ready","iccid":"89…","smdp_address":"smdp.example.net","matching_id":"ABC-123"}
 *        | 200 {"status":"delayed"} | 200 {"status":"refused","reason":"…"}
 *   POST <url>/profiles/release  {imsi, app, device_id, iccid}   → 2xx
 *   POST <url>/plans             {imsi, app}                     → 200 {"plans":[{plan_id, plan_name, plan_description}]}
 *   POST <url>/enterprises/eligibility {enterprise_id, requestor_id} → 200 {"eligibility":0|1|2}      (ap2011)
 *   POST <url>/enterprises/plans       {enterprise_id, requestor_id} → 200 {"plans":[…]}             (ap2011)
 *   ap2011 orders and releases carry `enterprise_id` (and imsi "").
 *
 * Each call has `odsa.operator_timeout_ms`; a timeout, a network error or a 5xx is tried again up to
 * `odsa.operator_retries` times (back-off 200 ms, doubling); then the phone gets OperationResult 100.
 * A 4xx or a body of the wrong shape is not retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnterpriseOperatorSystems, OperatorSystems, ProfileOrder, ProfileReply } from '../../src/services/odsa/operator.js';
import { OperatorUnavailableError } from '../../src/services/odsa/operator.js';
import type { PlanOffer } from '../../src/fsm/odsa-operations.js';

export interface HttpOperatorConfig {
  url: string;
  timeoutMs: number;
  retries: number;
  /** First back-off (ms); doubles on each retry. */
  backoffMs?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';

export class HttpOperator implements OperatorSystems, EnterpriseOperatorSystems {
  readonly name = 'http' as const;
  /** Calls made, retried and failed (for metrics and tests). */
  readonly counters = { calls: 0, retries: 0, failures: 0 };

  constructor(private readonly cfg: () => HttpOperatorConfig) {}

  async #post(path: string, body: unknown): Promise<unknown> {
    const { url, timeoutMs, retries, backoffMs = 200 } = this.cfg();
    const target = `${url.replace(/\/+$/, '')}${path}`;
    let lastError = 'no attempt';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        this.counters.retries++;
        await sleep(backoffMs * 2 ** (attempt - 1));
      }
      this.counters.calls++;
      try {
        const r = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
        const text = await r.text();
        if (r.status >= 500) {
          lastError = `${path}: HTTP ${r.status}`;
          continue;
        }
        if (r.status >= 400) {
          this.counters.failures++;
          throw new OperatorUnavailableError(`${path}: HTTP ${r.status}`);
        }
        try {
          return text === '' ? {} : JSON.parse(text);
        } catch {
          this.counters.failures++;
          throw new OperatorUnavailableError(`${path}: the answer is not JSON`);
        }
      } catch (e) {
        if (e instanceof OperatorUnavailableError) throw e;
        lastError = `${path}: ${(e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e as Error).message}`;
      }
    }
    this.counters.failures++;
    throw new OperatorUnavailableError(lastError);
  }

  async orderProfile(order: ProfileOrder): Promise<ProfileReply> {
    const b = await this.#post('/profiles/order', order);
    if (isObj(b) && b.status === 'ready' && str(b.iccid) && /^[0-9]{18,20}[Ff]?$/.test(b.iccid) && str(b.smdp_address) && b.smdp_address !== '')
      return { status: 'ready', profile: { iccid: b.iccid, smdp_address: b.smdp_address, matching_id: str(b.matching_id) ? b.matching_id : '' } };
    if (isObj(b) && b.status === 'delayed') return { status: 'delayed' };
    if (isObj(b) && b.status === 'refused') return { status: 'refused', reason: str(b.reason) ? b.reason : 'refused' };
    this.counters.failures++;
    throw new OperatorUnavailableError('/profiles/order: unexpected answer (expected status ready with iccid and smdp_address, delayed or refused)');
  }

  async releaseProfile(order: Pick<ProfileOrder, 'imsi' | 'app' | 'device_id' | 'enterprise_id'>, iccid: string): Promise<void> {
    await this.#post('/profiles/release', { imsi: order.imsi, app: order.app, device_id: order.device_id, iccid, ...(order.enterprise_id ? { enterprise_id: order.enterprise_id } : {}) });
  }

  async #plans(path: string, input: unknown): Promise<PlanOffer[]> {
    const b = await this.#post(path, input);
    if (!isObj(b) || !Array.isArray(b.plans)) throw new OperatorUnavailableError(`${path}: unexpected answer (expected {"plans":[…]})`);
    return b.plans.filter(isObj).filter((p) => str(p.plan_id)).map((p) => ({ plan_id: p.plan_id as string, plan_name: str(p.plan_name) ? p.plan_name : '', plan_description: str(p.plan_description) ? p.plan_description : '' }));
  }

  plans(input: { imsi: string; app: string }): Promise<PlanOffer[]> {
    return this.#plans('/plans', input);
  }

  enterprisePlans(input: { enterprise_id: string; requestor_id: string }): Promise<PlanOffer[]> {
    return this.#plans('/enterprises/plans', input);
  }

  async enterpriseEligibility(input: { enterprise_id: string; requestor_id: string }): Promise<0 | 1 | 2> {
    const b = await this.#post('/enterprises/eligibility', input);
    if (isObj(b) && (b.eligibility === 0 || b.eligibility === 1 || b.eligibility === 2)) return b.eligibility;
    this.counters.failures++;
    throw new OperatorUnavailableError('/enterprises/eligibility: unexpected answer (expected {"eligibility":0|1|2})');
  }
}
