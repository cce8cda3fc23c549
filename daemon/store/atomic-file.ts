/**
 * Durable whole-file replacement: write a temporary file next to the target,
 * fsync it, rename it over the target, fsync the directory. A crash at any
 * instant leaves either the old or the new file, never a torn one; once the
 * promise resolves the new content survives SIGKILL and power loss (as far
 * as the disk honours fsync).
 *
 * lowdb's stock JSONFile adapter (via steno) renames atomically but never
 * fsyncs, so an acknowledged write can vanish on power loss: this adapter
 * is the reason omnisep does not use it (docs/storage.md).
 */
import { open, rename, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { StoreCorruptError } from './errors.js';

let seq = 0;

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replace `file` through the temporary file `tmp`: `fill` writes it, then fsync, rename over `file` and fsync the
 * directory (`syncDir: false` skips that for a cache, e.g. a key map). On failure the temporary file is removed.
 */
export async function replaceFileDurably(tmp: string, file: string, fill: (fh: FileHandle) => Promise<void>, opts: { mode?: number; syncDir?: boolean } = {}): Promise<void> {
  const fh = await open(tmp, 'w', opts.mode ?? 0o600);
  try {
    await fill(fh);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  await rename(tmp, file);
  if (opts.syncDir !== false) await fsyncDir(dirname(file));
}

export async function writeFileDurable(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${++seq}.tmp`);
  await replaceFileDurably(tmp, file, (fh) => fh.writeFile(data), { mode });
}

/** A lowdb adapter over one JSON file with durable writes and a loud refusal of corrupt content. */
export class DurableJsonFile<T> implements Adapter<T> {
  constructor(readonly file: string, private readonly recovery: (file: string) => string) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      const why = text.length === 0 ? 'the file is empty' : `not valid JSON: ${(e as Error).message}`;
      throw new StoreCorruptError(this.file, why, this.recovery(this.file));
    }
  }

  async write(data: T): Promise<void> {
    await writeFileDurable(this.file, JSON.stringify(data));
  }
}
