/**
 * The one place in src/cli that reads a file: a small file named on the command line (`--cacert`),
 * read whole before anything is sent. Bulk input (`import FILE`) stays with the command, which
 * passes `node:fs` in (import-command.ts). docs/architecture-rules.md lists this exception. Also the
 * one look at the per-user socket pointer a daemon leaves (`followSocketPointer`).
 */
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';

export function readSmallFile(file: string): { text: string } | { error: string } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

export const pathExists = (p: string): boolean => existsSync(p);

/**
 * The socket a pointer symlink names (`socketPointerPath`), if it can be trusted and the socket is still there:
 * the directory must be ours (uid) and closed to everyone else (no group/other bits), the entry a symlink to an
 * absolute path — anything else is ignored, so another user cannot plant a socket that would receive our Ki.
 */
export function followSocketPointer(pointer: string, uid: number): string | undefined {
  try {
    const dir = lstatSync(dirname(pointer));
    if (!dir.isDirectory() || dir.uid !== uid || (dir.mode & 0o077) !== 0) return undefined;
    const link = lstatSync(pointer);
    if (!link.isSymbolicLink() || link.uid !== uid) return undefined;
    const target = readlinkSync(pointer);
    return isAbsolute(target) && existsSync(target) && lstatSync(target).isSocket() ? target : undefined;
  } catch {
    return undefined;
  }
}
