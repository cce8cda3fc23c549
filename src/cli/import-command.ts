/**
 * What `subscriber import` and `entitlement import` share around
 * `runImport`: opening the input as a stream (a file or `-` for stdin, never
 * read whole), the progress bar on a TTY, and the summary. The command passes
 * the file functions (`node:fs`): src/ does no file I/O of its own.
 */
import cliProgress from 'cli-progress';
import type { ChalkInstance } from 'chalk';
import { OperationalError, UsageError } from './errors.js';
import { ImportHeaderError, runImport, type ImportProgress, type ImportSummary, type LineFormat } from './bulk-import.js';
import { readLines } from './line-stream.js';
import type { BatchResult } from '../contracts/imports.js';

export interface ImportInput {
  chunks: AsyncIterable<Buffer>;
  /** Bytes of a regular file (progress in percent), null for stdin or a pipe. */
  size: number | null;
}

/** The `node:fs` functions `openImportInput` needs (the command passes `node:fs` itself). */
export interface InputFs {
  statSync(path: string): { isDirectory(): boolean; isFile(): boolean; size: number };
  createReadStream(path: string, opts: { highWaterMark: number }): AsyncIterable<Buffer>;
}

export function openImportInput(file: string, fs: InputFs): ImportInput {
  if (file === '-') return { chunks: process.stdin, size: null };
  let size: number | null = null;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file} is a directory: give a file, or - for stdin`);
    size = st.isFile() ? st.size : null;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { chunks: fs.createReadStream(file, { highWaterMark: 256 * 1024 }), size };
}

export interface ImportBar {
  update(bytesRead: number, p: ImportProgress): void;
  stop(): void;
}

/** A progress bar on stderr when it is a TTY and output is for humans; otherwise nothing. */
export function importBar(enabled: boolean, size: number | null): ImportBar {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
      format: size ? '{bar} {percentage}% | {lines} lines | {rejected} rejected | ETA {eta_formatted}' : '{lines} lines | {rejected} rejected | {duration_formatted}',
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(size ?? 0, 0, { lines: 0, rejected: 0 });
  return {
    update(bytesRead, p) {
      bar.update(size ? bytesRead : 0, { lines: p.lines, rejected: p.rejected });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Every rejected line (by number, never its contents), then one summary line. */
export function renderImportSummary(s: ImportSummary, c: ChalkInstance, noun: string): string {
  const out: string[] = [];
  for (const r of s.rejected) out.push(`${c.red('line')} ${r.line}: ${r.error} (${r.code})`);
  const verb = s.dry_run ? 'dry run, nothing written:' : s.status === 'ok' ? 'imported' : 'stopped:';
  out.push(
    `${(s.status === 'ok' ? c.green : c.red)(verb)} ${s.lines} ${noun} lines: ${s.added} ${s.dry_run ? 'to add' : 'added'}, ${s.replaced} ${s.dry_run ? 'to replace' : 'replaced'}, ` +
      `${s.unchanged} unchanged, ${s.skipped} skipped, ${s.errors} errors; ${s.lines_per_second} lines/s (${(s.elapsed_ms / 1000).toFixed(1)} s)`,
  );
  if (s.interrupted)
    out.push(
      `${c.red('interrupted')} after line ${s.applied_through}: ${s.interrupted}\n` +
        `every line up to ${s.applied_through} is handled; later lines were not applied. Run the same command again: ` +
        'lines already applied count as unchanged.',
    );
  return out.join('\n');
}

/**
 * The body both import commands run: stream the file, check each line with `format`, send batches, and
 * return the summary. A bad header line is an OperationalError naming the file (nothing was imported).
 */
export async function importFile<R extends { line: number }>(o: {
  file: string;
  fs: InputFs;
  format: LineFormat<R>;
  maxLineBytes: number;
  batchSize: number;
  dryRun: boolean;
  /** Draw the progress bar (a TTY on stderr, not --json). */
  showBar: boolean;
  send(rows: R[]): Promise<BatchResult>;
}): Promise<ImportSummary> {
  const input = openImportInput(o.file, o.fs);
  const lines = readLines(input.chunks, o.maxLineBytes);
  const bar = importBar(o.showBar, input.size);
  try {
    return await runImport({ lines, format: o.format, batchSize: o.batchSize, dryRun: o.dryRun, send: o.send, onBatch: (_rej, p) => bar.update(lines.bytesRead, p) });
  } catch (err) {
    if (err instanceof ImportHeaderError) throw new OperationalError(`${o.file}: ${err.message}; nothing was imported`);
    throw err;
  } finally {
    bar.stop();
  }
}

/** Exit 1 when any line was not applied, or the daemon stopped midway (the summary is printed first). */
export function importFailure(summary: ImportSummary): OperationalError | undefined {
  if (summary.interrupted) return new OperationalError('the import stopped before the end of the file: run the same command again to finish it');
  return summary.rejected.length ? new OperationalError(`${summary.rejected.length} line${summary.rejected.length === 1 ? '' : 's'} not applied`) : undefined;
}
