/**
 * One activity record as one terminal line for `omnisep activity tail`:
 * dimmed time, request type, IMSI, the status coloured by outcome, request,
 * apps, terminal. Pure: chalk decides whether there is colour.
 */
import type { ChalkInstance } from 'chalk';
import type { ActivityRecord } from '../contracts/activity.js';
import { clockTime, outcomeOf } from './layout.js';
import { terminalSafeDeep } from '../util/terminal-text.js';

export function formatActivityLine(record: ActivityRecord, c: ChalkInstance): string {
  const r = terminalSafeDeep(record); // untrusted text: no control reaches the terminal (src/util/terminal-text.ts)
  const outcome = outcomeOf(r);
  const paint = outcome === 'error' ? c.red : outcome === 'failure' ? c.yellow : c.green;
  const parts = [
    c.dim(clockTime(r.timestamp)),
    r.request_type.padEnd(17),
    (r.imsi ?? '-').padEnd(15),
    paint(`${r.response_status}/${r.response_code}`.padEnd(8)),
    `${r.request_method} ${r.request_path}`,
  ];
  if (r.app_ids.length) parts.push(c.cyan(r.app_ids.join(',')));
  if (r.terminal_id) parts.push(c.dim(r.terminal_id));
  return parts.join('  ').trimEnd();
}
