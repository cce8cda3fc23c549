/** Parsing and rendering shared by the `omnisep xcap` commands. Pure. */
import type { ChalkInstance } from 'chalk';
import { UsageError } from './errors.js';
import { renderKeyValue, renderTable } from './output.js';
import { normaliseMsisdn } from '../codec/xcap/uri.js';
import { type XcapList, type XcapView } from '../contracts/xcap.js';

/** MSISDN argument → digits, or a usage error (exit 2) saying what would be right. */
export function parseMsisdnArg(raw: string): string {
  const m = normaliseMsisdn(raw);
  if (!m) throw new UsageError(`"${raw}" is not an MSISDN; expected 5 to 15 digits, e.g. 15551234567 or +15551234567`);
  return m;
}

const cond = (c: string | string[]) => (Array.isArray(c) ? c.join('+') : c);

/** Human rendering of one XCAP profile (the JSON view of XCAP.md). Pure. */
export function renderXcapView(v: XcapView, c: ChalkInstance): string {
  const onOff = (b: boolean) => (b ? c.green('on') : c.dim('off'));
  const head = renderKeyValue(
    [
      ['msisdn', v.msisdn],
      ['imsi', v.imsi],
      ['etag', `${v.etag}${v.is_default ? ' (default document)' : ''}`],
      ['updated_at', v.updated_at],
      ['digest_password', v.digest_password_set ? 'set' : 'not set'],
      ['oip', onOff(v.oip.active)],
      ['oir', `${onOff(v.oir.active)} ${v.oir.default_behaviour ?? ''}`.trim()],
      ['call_forwarding', onOff(v.call_forwarding_active)],
      ['no_reply_timer', v.no_reply_timer === null ? null : `${v.no_reply_timer} s`],
      ['call_barring_incoming', onOff(v.call_barring_incoming_active)],
      ['call_barring_outgoing', onOff(v.call_barring_outgoing_active)],
    ],
    { chalk: c },
  );
  const rules = [
    ...Object.entries(v.call_forwarding).map(([id, r]) => ({ service: 'forwarding', id, condition: cond(r.condition), action: `→ ${r.target}`, enabled: r.enabled })),
    ...Object.entries(v.call_barring_incoming).map(([id, r]) => ({ service: 'barring in', id, condition: cond(r.condition), action: r.allow ? 'allow' : 'bar', enabled: r.enabled })),
    ...Object.entries(v.call_barring_outgoing).map(([id, r]) => ({ service: 'barring out', id, condition: cond(r.condition), action: r.allow ? 'allow' : 'bar', enabled: r.enabled })),
  ];
  if (!rules.length) return `${head}\n\nno rules`;
  const table = renderTable(
    rules,
    [
      { header: 'service', get: (r) => r.service },
      { header: 'rule', get: (r) => r.id },
      { header: 'condition', get: (r) => r.condition },
      { header: 'action', get: (r) => r.action },
      { header: 'enabled', get: (r) => (r.enabled ? 'yes' : 'no') },
    ],
    { chalk: c },
  );
  return `${head}\n\n${table}`;
}

export function renderXcapList(l: XcapList, c: ChalkInstance): string {
  if (l.count === 0) return 'no XCAP profiles';
  return renderTable(
    l.profiles,
    [
      { header: 'msisdn', get: (r) => r.msisdn },
      { header: 'imsi', get: (r) => r.imsi },
      { header: 'etag', get: (r) => r.etag },
      { header: 'updated_at', get: (r) => r.updated_at },
      { header: 'services', get: (r) => r.services.join(', ') },
    ],
    { chalk: c },
  );
}
