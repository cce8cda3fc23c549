/** Human output of `omnisep odsa ls|show` (the `--json` output is the API body unchanged). */
import type { ChalkInstance } from 'chalk';
import type { OdsaSubscriptionList, OdsaSubscriptionView } from '../contracts/odsa.js';
import { renderKeyValue, renderTable } from './output.js';
import { terminalSafeDeep } from '../util/terminal-text.js';
import type { RenderOptions } from './render.js';

const STATUS: Record<number, string> = { 1: 'activated', 2: 'activating', 3: 'deactivated', 4: 'deactivated, no reuse' };

export function renderOdsaList(l: OdsaSubscriptionList, c: ChalkInstance, o: RenderOptions = {}): string {
  if (l.count === 0) return `no ODSA subscriptions (operator: ${l.operator})`;
  const rows = l.subscriptions.map((s) => terminalSafeDeep(s));
  return renderTable(
    rows,
    [
      { header: 'id', get: (r) => r.id },
      { header: 'app', get: (r) => (r.app === 'ap2006' ? 'companion' : 'primary') },
      { header: 'device', get: (r) => r.friendly_name ?? r.device_id },
      { header: 'state', get: (r) => r.state, style: (t, r) => (r.state === 'active' ? c.green(t) : r.state === 'deactivated' ? c.red(t) : c.yellow(t)) },
      { header: 'iccid', get: (r) => r.iccid ?? '' },
      { header: 'updated_at', get: (r) => r.updated_at },
    ],
    { chalk: c, maxWidth: o.maxWidth },
  );
}

export function renderOdsa(v: OdsaSubscriptionView, c: ChalkInstance): string {
  const s = terminalSafeDeep(v);
  return renderKeyValue(
    [
      ['id', s.id],
      ['imsi', s.imsi],
      ['app', `${s.app} (${s.app === 'ap2006' ? 'companion' : 'primary'})`],
      ['device_id', s.device_id],
      ['state', s.state],
      ['service_status', `${s.service_status} (${STATUS[s.service_status] ?? '?'})`],
      ['companion_service', s.companion_service],
      ['friendly_name', s.friendly_name],
      ['vendor', s.vendor],
      ['model', s.model],
      ['eid', s.eid],
      ['iccid', s.iccid],
      ['smdp_address', s.smdp_address],
      ['transferred_from', s.transferred_from],
      ['created_at', s.created_at],
      ['updated_at', s.updated_at],
    ],
    { chalk: c },
  );
}
