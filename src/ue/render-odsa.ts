/** Human output of `omnisep simulate odsa`: EAP-AKA, then one line per ODSA request with its results. */
import type { ChalkInstance } from 'chalk';
import type { OdsaSimulationReport } from './odsa.js';

const ms = (n: number): string => `${n.toFixed(1)} ms`;

export function renderOdsaReport(r: OdsaSimulationReport, c: ChalkInstance): string {
  const lines: string[] = [];
  lines.push(`${c.bold('ODSA')} ${r.app} ${r.flow === 'single' ? 'operation' : `${r.flow} flow`} against ${r.url}`);
  lines.push(`  EAP-AKA  ${r.eap.ok ? c.green('ok') : c.red('failed')}  ${r.eap.challenges} challenge(s)  ${ms(r.eap.ms)}${r.eap.reason ? `  ${r.eap.reason}` : ''}`);
  for (const s of r.steps) {
    const results = [
      s.operation_result !== undefined ? `OperationResult ${s.operation_result}` : '',
      s.subscription_result !== undefined ? `SubscriptionResult ${s.subscription_result}` : '',
      s.service_status !== undefined ? `ServiceStatus ${s.service_status}` : '',
      s.iccid !== undefined ? `ICCID ${s.iccid}` : '',
    ].filter(Boolean).join('  ');
    const status = s.status === undefined ? c.red(s.error ?? 'no answer') : s.status === 200 ? c.green('200') : c.red(String(s.status));
    const good = s.operation_result === undefined || s.operation_result === '1';
    lines.push(`  ${String(s.n).padStart(2)}. ${s.device === 'phone' ? 'phone     ' : 'new device'} ${s.auth === 'token' ? 'token    ' : 'temp token'} ${s.operation}${s.operation_type ? ` ${s.operation_type}` : ''}  ${status}  ${good ? results : c.red(results)}  ${ms(s.ms)}`);
  }
  if (r.result) lines.push(`  result   ${[r.result.iccid ? `ICCID ${r.result.iccid}` : '', r.result.service_status ? `ServiceStatus ${r.result.service_status}` : ''].filter(Boolean).join('  ')}`);
  lines.push(r.ok ? c.green(`ok  (${ms(r.timings.total_ms)}, operations ${ms(r.timings.operations_ms)})`) : c.red(`failed: ${r.reason ?? 'unknown reason'}`));
  return lines.join('\n');
}
