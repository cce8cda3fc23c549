/**
 * The client half of a streaming bulk import (docs/operations.md § Bulk
 * import and export), shared by `subscriber import` and `entitlement import`:
 * lines from `readLines` (bounded, UTF-8 checked) → one parser per format →
 * batches of at most `batchSize` rows → `send` (one admin call, one durable
 * commit per batch in the daemon). While the daemon applies batch k, the next
 * one is read and parsed; batches are applied in file order.
 *
 * Every line that is not applied comes back as a RejectedLine (number, code,
 * reason — never its contents): CSV-level faults are found here, field and
 * store faults by the daemon. The first line that claims an IMSI keeps it;
 * a later line for the same IMSI is a `duplicate`, whatever became of the
 * first (a file that names an IMSI twice is ambiguous: neither line may
 * silently win over the other).
 *
 * If a batch fails (the daemon stopped, the store is unavailable), reading
 * stops and the summary says up to which line everything is applied. A batch
 * is all or nothing, so re-running the same command is safe: lines already
 * applied come back `unchanged` and are not errors.
 */
import type { BatchResult, RejectCode, RejectedLine } from '../contracts/imports.js';
import type { LineItem } from './line-stream.js';
import { ApiError } from '../client/errors.js';

/** Attempts of one batch answered 503 (store unavailable) before the import stops (≈ 1 minute of back-off). */
const BUSY_RETRIES = 15;

/** A row to send (`key`: its IMSI as a number, for duplicates; `bytes`: about what it adds to the request body), or why not. */
export type ParsedLine<R> = { row: R; key: number | null; bytes: number } | { code: RejectCode; error: string };

export interface LineFormat<R> {
  /** Lines that carry nothing (blank, comment). */
  skip(text: string): boolean;
  /** The header (first line that is not skipped); return an error to stop before anything is sent. Absent: no header. */
  header?(text: string): string | null;
  row(text: string, line: number): ParsedLine<R>;
}

export interface ImportProgress {
  lines: number;
  applied_through: number;
  added: number;
  replaced: number;
  unchanged: number;
  rejected: number;
}

export interface ImportSummary {
  status: 'ok' | 'interrupted';
  dry_run: boolean;
  /** Data lines read (header, blank and comment lines not counted). */
  lines: number;
  added: number;
  replaced: number;
  unchanged: number;
  /** Lines not applied because the record exists (no --replace) or the IMSI came earlier in the file. */
  skipped: number;
  /** Lines not applied because they are malformed. */
  errors: number;
  rejected: RejectedLine[];
  elapsed_ms: number;
  lines_per_second: number;
  /** Every line up to and including this one has been handled (applied, or rejected above). */
  applied_through: number;
  /** Why the import stopped before the end (daemon stopped, store unavailable), or null. */
  interrupted: string | null;
}

export class ImportHeaderError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ImportHeaderError';
  }
}

const SKIP_CODES: ReadonlySet<RejectCode> = new Set(['exists', 'duplicate']);

export interface RunImportOptions<R extends { line: number }> {
  lines: AsyncIterable<LineItem>;
  format: LineFormat<R>;
  batchSize: number;
  /** A batch is sent once its rows add up to this many bytes, even if shorter than batchSize (default 512 KiB). */
  maxBatchBytes?: number;
  dryRun: boolean;
  send(rows: R[]): Promise<BatchResult>;
  /** After each applied batch: its rejected lines in line order, and the running totals. */
  onBatch?(rejected: readonly RejectedLine[], progress: ImportProgress): void;
  now?: () => number;
}

export async function runImport<R extends { line: number }>(o: RunImportOptions<R>): Promise<ImportSummary> {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  const seen = new Map<number, number>(); // IMSI (15 digits fit a double exactly) → first line
  const s: ImportSummary = {
    status: 'ok', dry_run: o.dryRun, lines: 0, added: 0, replaced: 0, unchanged: 0, skipped: 0, errors: 0, rejected: [],
    elapsed_ms: 0, lines_per_second: 0, applied_through: 0, interrupted: null,
  };
  let header = !o.format.header;
  const maxBytes = o.maxBatchBytes ?? 512 * 1024;
  let rows: R[] = [];
  let bytes = 0;
  let local: RejectedLine[] = [];
  let lastLine = 0;
  let inflight: Promise<void> | null = null;
  let failure: string | null = null;

  const account = (rej: RejectedLine) => {
    s.rejected.push(rej);
    if (SKIP_CODES.has(rej.code)) s.skipped++;
    else s.errors++;
  };
  const progress = (): ImportProgress => ({ lines: s.lines, applied_through: s.applied_through, added: s.added, replaced: s.replaced, unchanged: s.unchanged, rejected: s.rejected.length });

  const dispatch = async (batch: R[], rejects: RejectedLine[], through: number) => {
    if (inflight) await inflight;
    if (failure) return;
    const apply = async () => {
      let res: BatchResult | null = null;
      if (batch.length) {
        for (let attempt = 1; ; attempt++) {
          try {
            res = await o.send(batch);
            break;
          } catch (err) {
            // 503 = the store is briefly unavailable (e.g. PostgreSQL's pool connect timeout under load): the
            // batch is sent again after a back-off. Safe: a line already applied is judged again as unchanged.
            if (err instanceof ApiError && err.status === 503 && attempt < BUSY_RETRIES) {
              await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
              continue;
            }
            failure = err instanceof Error ? err.message : String(err);
            return;
          }
        }
      }
      const all = [...rejects, ...(res?.rejected ?? [])].sort((a, b) => a.line - b.line);
      if (res) {
        s.added += res.added;
        s.replaced += res.replaced;
        s.unchanged += res.unchanged;
      }
      for (const r of all) account(r);
      s.applied_through = through;
      o.onBatch?.(all, progress());
    };
    inflight = apply();
  };

  for await (const item of o.lines) {
    if (failure) break;
    lastLine = item.line;
    if (item.kind !== 'line') {
      if (!header) throw new ImportHeaderError(item.line, item.kind === 'too_long' ? `the header is longer than the line bound (${item.bytes} bytes)` : 'the header is not UTF-8');
      s.lines++;
      local.push(item.kind === 'too_long'
        ? { line: item.line, code: 'too_long', error: `line of ${item.bytes} bytes is over the bound (skipped without reading it whole)` }
        : { line: item.line, code: 'utf8', error: 'not valid UTF-8' });
    } else if (o.format.skip(item.text)) {
      continue;
    } else if (!header) {
      const err = o.format.header!(item.text);
      if (err) throw new ImportHeaderError(item.line, err);
      header = true;
      continue;
    } else {
      s.lines++;
      const p = o.format.row(item.text, item.line);
      if ('code' in p) local.push({ line: item.line, ...p });
      else if (p.key !== null && seen.has(p.key)) local.push({ line: item.line, code: 'duplicate', error: `IMSI also on line ${seen.get(p.key)} (the first line keeps it)` });
      else {
        if (p.key !== null) seen.set(p.key, item.line);
        rows.push(p.row);
        bytes += p.bytes;
      }
    }
    if (rows.length >= o.batchSize || bytes >= maxBytes || local.length >= 5000) {
      await dispatch(rows, local, lastLine);
      rows = [];
      bytes = 0;
      local = [];
    }
  }
  if (!header && !failure) throw new ImportHeaderError(lastLine || 1, 'no header line (the first line that is not blank or a # comment names the columns)');
  if (!failure && (rows.length || local.length || lastLine > s.applied_through)) await dispatch(rows, local, lastLine);
  if (inflight) await inflight;
  if (failure) {
    s.status = 'interrupted';
    s.interrupted = failure;
  }
  s.elapsed_ms = Math.round(now() - t0);
  s.lines_per_second = s.elapsed_ms > 0 ? Math.round((s.lines * 1000) / s.elapsed_ms) : s.lines;
  return s;
}
