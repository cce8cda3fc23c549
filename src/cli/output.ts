/**
 * Human output: padded columns and key/value blocks, coloured with chalk on a
 * TTY only. `NO_COLOR` (any non-empty value, https://no-color.org) and a
 * non-TTY stdout turn colour off; `FORCE_COLOR` turns it on. Pure string
 * builders: commands write the result; golden tests compare it.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { terminalSafe } from '../util/terminal-text.js';

export interface OutputEnv {
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export function colorEnabled({ isTTY, env }: OutputEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return isTTY && env.TERM !== 'dumb';
}

export function makeChalk(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

/** Display width of a string without ANSI escapes (every code point counts 1; wide glyphs are not used). */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const gap = Math.max(0, width - visibleLength(s));
  return align === 'right' ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

function truncate(s: string, width: number): string {
  if (width <= 1 || visibleLength(s) <= width) return s;
  const plain = [...s];
  return plain.slice(0, width - 1).join('') + '…';
}

export interface Column<Row> {
  header: string;
  get: (row: Row) => string | number | boolean | null | undefined;
  align?: 'left' | 'right';
  /** Colour one cell (applied after padding is computed, so widths stay right). */
  style?: (text: string, row: Row, c: ChalkInstance) => string;
}

export interface TableOptions {
  chalk: ChalkInstance;
  /** Terminal width: when set, the last column is cut to fit. Omit for pipes (never cut). */
  maxWidth?: number;
}

/** A table cell: null/undefined show as "-"; an empty string stays blank (continuation rows); controls escaped (src/util/terminal-text.ts). */
export const cell = (v: string | number | boolean | null | undefined): string => (v === null || v === undefined ? '-' : terminalSafe(String(v)));

// eslint-disable-next-line no-control-regex
const SGR = /(\u001b\[[0-9;]{0,32}m)/;
/** Key-value text: our own colour (complete SGR sequences from chalk) kept, every other control escaped; newlines kept. */
const kvSafe = (text: string): string => text.split(SGR).map((part, i) => (i % 2 === 1 ? part : terminalSafe(part, { multiline: true }))).join('');

/** A table: bold upper-case headers, two spaces between columns, no borders (easy to `awk`). */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], opts: TableOptions): string {
  const { chalk } = opts;
  const texts = rows.map((r) => columns.map((c) => cell(c.get(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...texts.map((t) => visibleLength(t[i]!))));
  if (opts.maxWidth && columns.length > 0) {
    const fixed = widths.slice(0, -1).reduce((a, w) => a + w + 2, 0);
    const last = widths.length - 1;
    widths[last] = Math.max(columns[last]!.header.length, Math.min(widths[last]!, opts.maxWidth - fixed));
  }
  const line = (cells: string[], styler?: (text: string, i: number) => string): string =>
    cells
      .map((t, i) => {
        const isLast = i === cells.length - 1;
        const cut = truncate(t, widths[i]!);
        const padded = isLast && columns[i]!.align !== 'right' ? cut : pad(cut, widths[i]!, columns[i]!.align ?? 'left');
        return styler ? padded.replace(cut, styler(cut, i)) : padded;
      })
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header.toUpperCase()), (t) => chalk.bold(t))];
  rows.forEach((row, r) => {
    out.push(line(texts[r]!, (t, i) => (columns[i]!.style ? columns[i]!.style!(t, row, chalk) : t)));
  });
  return out.join('\n');
}

/** `key  value` lines with keys aligned; nested objects are flattened as dotted keys. */
export function renderKeyValue(pairs: ReadonlyArray<readonly [string, unknown]>, opts: { chalk: ChalkInstance }): string {
  const flat: Array<[string, string]> = [];
  const walk = (prefix: string, v: unknown): void => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) flat.push([prefix, '{}']);
      for (const [k, sub] of entries) walk(prefix ? `${prefix}.${k}` : k, sub);
    } else if (Array.isArray(v)) {
      flat.push([terminalSafe(prefix), v.length ? terminalSafe(v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')) : '-']);
    } else flat.push([terminalSafe(prefix), v === '' ? '-' : v === null || v === undefined ? '-' : kvSafe(String(v))]);
  };
  for (const [k, v] of pairs) walk(k, v);
  const width = Math.max(0, ...flat.map(([k]) => k.length));
  return flat.map(([k, v]) => `${opts.chalk.bold(k.padEnd(width))}  ${v}`.trimEnd()).join('\n');
}

/** Colour a status-ish word: green for good, red for bad, yellow otherwise. */
export function statusColor(text: string, c: ChalkInstance): string {
  const t = text.toLowerCase();
  if (/^(ok|connected|authenticated|completed|enabled|active|1)$/.test(t)) return c.green(text);
  if (/^(failed|error|disconnected|closed|disabled|revoked|expired|0)$/.test(t)) return c.red(text);
  return c.yellow(text);
}

/** HTTP status colour: 2xx green, 4xx yellow, 5xx red. */
export function httpColor(status: number, text: string, c: ChalkInstance): string {
  if (status >= 500) return c.red(text);
  if (status >= 400) return c.yellow(text);
  return c.green(text);
}

/** A count as the CLI prints it: "≈ n" when the daemon says it is PostgreSQL's estimate (docs/storage.md § Counts). */
export function approxCount(n: number, estimated: boolean | undefined): string {
  return estimated ? `≈ ${n}` : String(n);
}

/** Unix seconds or ms → ISO 8601 UTC without fractions (stable, sortable). */
export function isoTime(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'string') return v.replace(/\.\d+Z$/, 'Z');
  const ms = v < 1e12 ? v * 1000 : v;
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
