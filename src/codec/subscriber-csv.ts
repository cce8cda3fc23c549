/**
 * The subscriber CSV layout shared by `omnisep subscriber import`, the lab
 * fixtures (`fixtures/subscribers/lab.csv`) and `simulate eap-aka --sim-file`:
 * `#` comment lines and blank lines ignored; a header naming the columns
 * (imsi, ki, and opc or op required; msisdn, amf, sqn optional, any order,
 * any case); then one SIM per line. Pure: splits and names cells, checks the
 * header; what a cell must hold is the caller's business.
 */
export interface SubscriberCsvRow {
  /** 1-based line number in the text, for error messages. */
  line: number;
  /** Non-empty cells by lower-case column name. */
  cells: Record<string, string>;
}

export type SubscriberCsv =
  | { ok: true; rows: SubscriberCsvRow[] }
  | { ok: false; line: number; error: string };

export function parseSubscriberCsv(text: string): SubscriberCsv {
  const lines = text.split(/\r?\n/);
  let header: string[] | null = null;
  const rows: SubscriberCsvRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw || raw.startsWith('#')) continue;
    const cells = raw.split(',').map((c) => c.trim());
    if (!header) {
      const h = subscriberCsvHeader(raw);
      if (!h.ok) return { ok: false, line: i + 1, error: h.error };
      header = h.columns;
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((h, j) => {
      if (cells[j]) row[h] = cells[j]!;
    });
    rows.push({ line: i + 1, cells: row });
  }
  return { ok: true, rows };
}

/** The columns a subscriber CSV may name (a header naming any other is refused: a typo would drop data). */
export const SUBSCRIBER_CSV_COLUMNS = ['imsi', 'ki', 'opc', 'op', 'msisdn', 'amf', 'sqn'] as const;

/** True for a line that carries no row: blank, or a `#` comment. */
export const isSubscriberCsvSkip = (line: string): boolean => {
  const t = line.trim();
  return !t || t.startsWith('#');
};

/**
 * The header line: column names, any case and order. imsi, ki and opc or op are required.
 * (The streaming import refuses unknown or repeated names; `parseSubscriberCsv` keeps its old leniency.)
 */
export function subscriberCsvHeader(line: string, opts: { strict?: boolean } = {}): { ok: true; columns: string[] } | { ok: false; error: string } {
  const columns = line.trim().split(',').map((c) => c.trim().toLowerCase());
  for (const need of ['imsi', 'ki']) if (!columns.includes(need)) return { ok: false, error: `header lacks the ${need} column` };
  if (!columns.includes('opc') && !columns.includes('op')) return { ok: false, error: 'header lacks an opc or op column' };
  if (opts.strict) {
    const unknown = columns.filter((c) => !(SUBSCRIBER_CSV_COLUMNS as readonly string[]).includes(c));
    if (unknown.length) return { ok: false, error: `header names unknown column(s) ${unknown.map((c) => JSON.stringify(c)).join(', ')} (known: ${SUBSCRIBER_CSV_COLUMNS.join(', ')})` };
    const dup = columns.find((c, i) => columns.indexOf(c) !== i);
    if (dup) return { ok: false, error: `header names the ${dup} column twice` };
  }
  return { ok: true, columns };
}

/** One data line against the header: exactly as many cells as columns; empty cells are left out. */
export function subscriberCsvRow(columns: readonly string[], line: string): { ok: true; cells: Record<string, string> } | { ok: false; error: string } {
  const cells = line.trim().split(',');
  if (cells.length !== columns.length) return { ok: false, error: `${cells.length} column${cells.length === 1 ? '' : 's'} where the header has ${columns.length}` };
  const out: Record<string, string> = {};
  for (let j = 0; j < columns.length; j++) {
    const v = cells[j]!.trim();
    if (v) out[columns[j]!] = v;
  }
  return { ok: true, cells: out };
}
