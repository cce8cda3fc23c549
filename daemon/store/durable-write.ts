/**
 * How a group commit's bytes reach the disk (the embedded journals and the activity log; docs/storage.md § Writes:
 * group commit). On Linux the commit's file handle is opened with O_DSYNC, so one positional write, run on libuv's
 * thread pool, both puts the bytes in the file and makes them durable as fdatasync would (the data and the size
 * change, not the timestamps). The event loop then spends one thread-pool round trip per commit and no syscall of
 * its own: before, it wrote the bytes itself (a `pwrite` of 50–110 µs of main-thread time per commit on this
 * project's virtual machines, where every syscall traps to the hypervisor) and then queued the fdatasync.
 * Where O_DSYNC does not exist, the bytes are written from the loop and fdatasynced on the pool, as before.
 */
import { constants, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

const DSYNC: number | undefined = (constants as { O_DSYNC?: number }).O_DSYNC;

/** Opens `file` (which must exist) for `writeDurable`: read-write, O_DSYNC where the platform has it. */
export function openForCommits(file: string): Promise<FileHandle> {
  return DSYNC === undefined ? open(file, 'r+') : open(file, constants.O_RDWR | DSYNC);
}

/**
 * Writes all of `buf` through the thread pool: at `position`, or at the handle's current position when it is null.
 * A short write leaves the rest to the next.
 */
export async function writeAll(fh: FileHandle, buf: Buffer, position: number | null = null): Promise<void> {
  let written = 0;
  while (written < buf.length) written += (await fh.write(buf, written, buf.length - written, position === null ? null : position + written)).bytesWritten;
}

/** Writes all of `buf` at `position` of a handle from `openForCommits`; resolves once it is durable. */
export async function writeDurable(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  // Each write returns once its bytes are on stable storage.
  if (DSYNC !== undefined) return writeAll(fh, buf, position);
  let written = 0;
  while (written < buf.length) written += writeSync(fh.fd, buf, written, buf.length - written, position + written);
  await fh.datasync();
}
