/**
 * The two bulk file formats (docs/operations.md § Bulk import and export),
 * as line parsers for `runImport` and as writers for export. Pure.
 *
 * Subscribers — CSV (src/codec/subscriber-csv.ts): a header naming the
 * columns (imsi, ki, opc or op; msisdn, amf, sqn optional; any order), then
 * one SIM per line with exactly one cell per column; `#` comments and blank
 * lines ignored. Export writes `imsi,msisdn,amf,sqn` (+ `ki,opc` with
 * --with-keys), which imports back as it is.
 *
 * Entitlement overrides — JSON lines: one object per line,
 * `{"imsi": "…", "apps": {"ap2004": {"entitlement_status": 1, …}}, "updated_at": "…"}`
 * (`updated_at` optional and ignored on import). A line sets the IMSI's whole
 * override record, as `entitlement set` would app by app. Export writes the
 * same lines. Blank lines are ignored.
 */
import type { EntitlementBatchRow, SubscriberBatchRow, SubscriberExportRow } from '../contracts/imports.js';
import type { EntitlementRecord } from '../contracts/entitlements.js';
import { isSubscriberCsvSkip, subscriberCsvHeader, subscriberCsvRow } from '../codec/subscriber-csv.js';
import type { LineFormat, ParsedLine } from './bulk-import.js';

const IMSI = /^[0-9]{15}$/;
const MAX_CELL = 64;

/** `toMsisdn`: the CLI's --country-code conversion to E.164 (src/util/msisdn.ts); a number it refuses is a bad line. */
export function subscriberCsvFormat(opts: { toMsisdn?: (raw: string) => { ok: true; e164: string } | { ok: false; error: string } } = {}): LineFormat<SubscriberBatchRow> {
  let columns: string[] = [];
  return {
    skip: isSubscriberCsvSkip,
    header(text) {
      const h = subscriberCsvHeader(text, { strict: true });
      if (!h.ok) return h.error;
      columns = h.columns;
      return null;
    },
    row(text, line): ParsedLine<SubscriberBatchRow> {
      const r = subscriberCsvRow(columns, text);
      if (!r.ok) return { code: 'columns', error: r.error };
      const c = r.cells;
      for (const [k, v] of Object.entries(c)) if (v.length > MAX_CELL) return { code: 'invalid', error: `${k} is ${v.length} characters long` };
      const imsi = c.imsi ?? '';
      if (!IMSI.test(imsi)) return { code: 'invalid', error: 'imsi must be 15 digits' };
      const row: SubscriberBatchRow = { line, imsi, ki: c.ki ?? '' };
      for (const k of ['opc', 'op', 'amf', 'sqn', 'msisdn'] as const) if (c[k] !== undefined) row[k] = c[k];
      if (row.msisdn && opts.toMsisdn) {
        const m = opts.toMsisdn(row.msisdn);
        if (!m.ok) return { code: 'invalid', error: `msisdn ${m.error}` };
        row.msisdn = m.e164;
      }
      return { row, key: Number(imsi), bytes: text.length + 40 };
    },
  };
}

export function entitlementJsonFormat(): LineFormat<EntitlementBatchRow> {
  return {
    skip: (t) => !t.trim(),
    row(text, line): ParsedLine<EntitlementBatchRow> {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        return { code: 'json', error: 'not a JSON object' };
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) return { code: 'json', error: 'not a JSON object' };
      const o = v as Record<string, unknown>;
      const extra = Object.keys(o).filter((k) => k !== 'imsi' && k !== 'apps' && k !== 'updated_at');
      if (extra.length) return { code: 'invalid', error: `unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')} (a line has imsi, apps and optionally updated_at)` };
      if (typeof o.imsi !== 'string' || !IMSI.test(o.imsi)) return { code: 'invalid', error: 'imsi must be a string of 15 digits' };
      if (!o.apps || typeof o.apps !== 'object' || Array.isArray(o.apps) || !Object.keys(o.apps).length) return { code: 'invalid', error: 'apps must be an object with at least one app id' };
      const long = Object.keys(o.apps).find((k) => k.length > 16);
      if (long) return { code: 'invalid', error: `app id of ${long.length} characters` };
      return { row: { line, imsi: o.imsi, apps: o.apps as Record<string, unknown> }, key: Number(o.imsi), bytes: text.length + 20 };
    },
  };
}

/** CSV of an export page; the header first. Cells never hold a comma (the daemon validated every field). */
export function subscriberCsvHeaderLine(withKeys: boolean): string {
  return withKeys ? 'imsi,msisdn,amf,sqn,ki,opc\n' : 'imsi,msisdn,amf,sqn\n';
}

export function subscriberCsvLines(rows: readonly SubscriberExportRow[], withKeys: boolean): string {
  let out = '';
  for (const r of rows) out += `${r.imsi},${r.msisdn ?? ''},${r.amf},${r.sqn}${withKeys ? `,${r.ki ?? ''},${r.opc ?? ''}` : ''}\n`;
  return out;
}

export function entitlementJsonLines(rows: readonly EntitlementRecord[]): string {
  let out = '';
  for (const r of rows) out += `${JSON.stringify({ imsi: r.imsi, apps: r.apps, updated_at: r.updated_at })}\n`;
  return out;
}
