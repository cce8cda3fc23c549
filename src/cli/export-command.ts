/**
 * What `subscriber export` and `entitlement export` share: a destination
 * (stdout or a file, 0600 when it will hold keys) written page by page with
 * back-pressure, so an export of millions of records holds one page at a time.
 */
import { chmodSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { OperationalError } from './errors.js';

export interface ExportSink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
  readonly where: string;
}

export function openExportSink(file: string | undefined, opts: { secret: boolean }): ExportSink {
  const out: NodeJS.WritableStream = file && file !== '-' ? createWriteStream(file, { mode: 0o600 }) : process.stdout;
  const where = file && file !== '-' ? file : 'stdout';
  let failed: Error | null = null;
  out.on('error', (e: Error) => (failed = e));
  if (out !== process.stdout && opts.secret) {
    // createWriteStream's mode applies only to a new file: an existing one keeps its mode unless we narrow it.
    try {
      chmodSync(file!, 0o600);
    } catch {
      /* the open itself reports a path that cannot be written */
    }
  }
  const check = () => {
    if (failed) throw new OperationalError(`cannot write ${where}: ${(failed as NodeJS.ErrnoException).code ?? failed.message}`);
  };
  return {
    where,
    async write(text) {
      check();
      if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
      check();
    },
    async close() {
      check();
      if (out !== process.stdout) {
        out.end();
        await Promise.race([once(out, 'finish'), once(out, 'error')]);
        check();
      }
    },
  };
}
