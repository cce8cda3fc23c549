/**
 * Prometheus counters of the security limits (docs/security.md § Limits), looked up before they
 * are created so that several listeners (and tests) can share one registry.
 */
import { Counter, type Registry } from 'prom-client';

export function securityCounter(reg: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  return (reg.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames, registers: [reg] });
}

/** Activity records of requests without an IMSI that the per-minute allowance did not keep. */
export function activitySampledOut(reg: Registry): (requestType: string) => void {
  const c = securityCounter(reg, 'omnisep_activity_records_sampled_out_total', 'activity records of requests without an IMSI not stored (activity.anonymous_records_per_minute), by request type', ['request_type']);
  return (requestType) => c.inc({ request_type: requestType });
}
