/**
 * The one place in src/cli that reads a file: a small file named on the command line (`--cacert`),
 * read whole before anything is sent. Bulk input (`import FILE`) stays with the command, which
 * passes `node:fs` in (import-command.ts). docs/architecture-rules.md lists this exception.
 */
import { readFileSync } from 'node:fs';

export function readSmallFile(file: string): { text: string } | { error: string } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}
