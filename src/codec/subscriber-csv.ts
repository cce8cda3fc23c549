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
      header = cells.map((c) => c.toLowerCase());
      for (const need of ['imsi', 'ki']) if (!header.includes(need)) return { ok: false, line: i + 1, error: `header lacks the ${need} column` };
      if (!header.includes('opc') && !header.includes('op')) return { ok: false, line: i + 1, error: 'header lacks an opc or op column' };
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
