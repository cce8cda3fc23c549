/**
 * What `subscriber export` and `entitlement export` share: a destination
 * (stdout or a file, 0600 when it will hold keys) written page by page with
 * back-pressure, so an export of millions of records holds one page at a time.
 */
import { once } from 'node:events';
import { OperationalError } from './errors.js';

export interface ExportSink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
  readonly where: string;
}

/** The `node:fs` functions `openExportSink` needs (the command passes `node:fs` itself: src/ does no file I/O). */
export interface OutputFs {
  createWriteStream(path: string, opts: { mode: number }): NodeJS.WritableStream;
  chmodSync(path: string, mode: number): void;
}

export function openExportSink(file: string | undefined, opts: { secret: boolean }, fs: OutputFs): ExportSink {
  const out: NodeJS.WritableStream = file && file !== '-' ? fs.createWriteStream(file, { mode: 0o600 }) : process.stdout;
  const where = file && file !== '-' ? file : 'stdout';
  let failed: Error | null = null;
  out.on('error', (e: Error) => (failed = e));
  if (out !== process.stdout && opts.secret) {
    // createWriteStream's mode applies only to a new file: an existing one keeps its mode unless we narrow it.
    try {
      fs.chmodSync(file!, 0o600);
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
