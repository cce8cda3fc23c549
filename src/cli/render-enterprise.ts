/** Human output of `omnisep enterprise ls|show` (the `--json` output is the API body unchanged). */
import type { ChalkInstance } from 'chalk';
import type { EnterpriseDetail, EnterpriseList } from '../contracts/enterprise.js';
import { renderKeyValue, renderTable } from './output.js';
import { terminalSafeDeep } from '../util/terminal-text.js';
import type { RenderOptions } from './render.js';

const ELIGIBILITY: Record<number, string> = { 0: 'disabled', 1: 'enabled', 2: 'incompatible' };

export function renderEnterpriseList(l: EnterpriseList, c: ChalkInstance, o: RenderOptions = {}): string {
  if (l.count === 0) return `no enterprises (operator: ${l.operator})`;
  return renderTable(
    l.enterprises.map((e) => terminalSafeDeep(e)),
    [
      { header: 'id', get: (r) => r.id },
      { header: 'name', get: (r) => r.name },
      { header: 'requestors', get: (r) => r.requestor_ids.join(',') },
      { header: 'plans', get: (r) => r.plans.map((p) => p.plan_id).join(',') },
      { header: 'eligibility', get: (r) => ELIGIBILITY[r.eligibility] ?? String(r.eligibility), style: (t, r) => (r.eligibility === 1 ? c.green(t) : c.yellow(t)) },
      { header: 'updated_at', get: (r) => r.updated_at },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
}

export function renderEnterprise(d: EnterpriseDetail, c: ChalkInstance, o: RenderOptions = {}): string {
  const e = terminalSafeDeep(d.enterprise);
  const head = renderKeyValue(
    [
      ['id', e.id],
      ['name', e.name],
      ['requestor_ids', e.requestor_ids.join(', ')],
      ['eligibility', `${e.eligibility} (${ELIGIBILITY[e.eligibility] ?? '?'})`],
      ['plans', e.plans.map((p) => `${p.plan_id} (${p.plan_name})`).join(', ')],
      ['created_at', e.created_at],
      ['updated_at', e.updated_at],
    ],
    { chalk: c },
  );
  if (d.subscriptions.length === 0) return `${head}\nno subscriptions`;
  const subs = renderTable(
    d.subscriptions.map((s) => terminalSafeDeep(s)),
    [
      { header: 'terminal', get: (r) => r.friendly_name ?? r.terminal_id },
      { header: 'plan', get: (r) => r.plan_id ?? '' },
      { header: 'state', get: (r) => r.state, style: (t, r) => (r.state === 'active' ? c.green(t) : c.yellow(t)) },
      { header: 'iccid', get: (r) => r.iccid ?? '' },
      { header: 'requestor', get: (r) => r.requestor_id },
      { header: 'updated_at', get: (r) => r.updated_at },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
  return `${head}\n\n${subs}`;
}
