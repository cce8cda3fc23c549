/**
 * Prometheus metrics of the TS.43 server (ADMIN-API.md § metrics: EAP sessions
 * by outcome, tokens issued), added to the daemon's registry.
 */
import { Counter, type Registry } from 'prom-client';
import { LabelledCounter } from '../admin/request-metrics.js';

export interface Ts43Metrics {
  /** Counted per request without prom-client's label hashing (../admin/request-metrics.ts). */
  requests: LabelledCounter<'type' | 'status'>;
  eapOutcomes: Counter<'backend' | 'outcome'>;
  tokensIssued: Counter<string>;
  /** One per token query: counted as `requests` is. */
  tokenAuth: LabelledCounter<'result'>;
  eapRefused: Counter<'limit'>;
}

const byRegistry = new WeakMap<Registry, Ts43Metrics>();

export function ts43Metrics(registry: Registry): Ts43Metrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = {
      requests: new LabelledCounter(registry, { name: 'omnisep_ts43_requests_total', help: 'TS.43 requests by activity type and HTTP status', labelNames: ['type', 'status'] }),
      eapOutcomes: new Counter({ name: 'omnisep_eap_sessions_total', help: 'finished EAP sessions by back-end and outcome (success, rejected, unavailable, start_over)', labelNames: ['backend', 'outcome'], registers: [registry] }),
      tokensIssued: new Counter({ name: 'omnisep_tokens_issued_total', help: 'TS.43 tokens issued after EAP-AKA', registers: [registry] }),
      eapRefused: new Counter({ name: 'omnisep_eap_sessions_refused_total', help: 'new EAP sessions refused by an admission limit (client_rate, imsi, total; docs/eap-aka.md § Limits)', labelNames: ['limit'], registers: [registry] }),
      tokenAuth: new LabelledCounter(registry, { name: 'omnisep_ts43_token_auth_total', help: 'token re-authentications by result (ok, malformed, forged, revoked, expired, wrong_binding)', labelNames: ['result'] }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}
