/**
 * The control socket (CLI.md § The control socket): dial first — if a daemon
 * answers, refuse to start rather than steal its address; remove a stale
 * socket; directory 0700 when we create it, socket 0600.
 */
import { connect } from 'node:net';
import { chmodSync, existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export class DaemonAlreadyRunningError extends Error {
  override readonly name = 'DaemonAlreadyRunningError';
  readonly code = 'OMNISEP_CONTROL_IN_USE';
  constructor(readonly path: string) {
    super(`another omnisep daemon answers on ${path}; stop it first (omnisep status --socket ${path}), or start this one with --socket OTHER_PATH`);
  }
}

/** 'live' when something accepts a connection, 'stale' when a socket file exists but nobody listens, 'absent' otherwise. */
export function probeSocket(path: string, timeoutMs = 1000): Promise<'live' | 'stale' | 'absent'> {
  if (!existsSync(path)) return Promise.resolve('absent');
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (r: 'live' | 'stale') => { clearTimeout(t); s.destroy(); resolve(r); };
    const t = setTimeout(() => done('live'), timeoutMs); // accepted but silent: still someone's
    s.once('connect', () => done('live'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'ENOTSOCK' ? 'stale' : 'live'));
  });
}

/** Make `path` ready to bind: refuse a live daemon, remove a stale socket, create the directory 0700. */
export async function prepareSocketPath(path: string): Promise<void> {
  const state = await probeSocket(path);
  if (state === 'live') throw new DaemonAlreadyRunningError(path);
  if (state === 'stale') {
    if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket; refusing to remove it`);
    unlinkSync(path);
  }
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  else if ((statSync(dir).mode & 0o002) !== 0 && (statSync(dir).mode & 0o1000) === 0)
    throw new Error(`${dir} is world-writable without the sticky bit; put the control socket elsewhere (--socket)`);
}

/** After listen(): owner-only access. */
export function lockDownSocket(path: string): void {
  chmodSync(path, 0o600);
}

/** On stop: remove our socket (only if it is still a socket). */
export function removeSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch { /* already gone */ }
}

/**
 * Leave the per-user pointer to our socket (`socketPointerPath`) so the CLI finds this daemon from any directory
 * (docs/cli.md § Where the daemon is). The directory is created 0700; one that is not ours or is open to others is
 * left alone (returns why). The returned remover deletes the pointer at stop, only while it still names our socket.
 */
export function leaveSocketPointer(pointer: string, socket: string, uid: number): { remove: () => void } | { skipped: string } {
  const dir = dirname(pointer);
  try {
    if (!existsSync(dir)) mkdirSync(dir, { mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return { skipped: `${dir} is not a directory owned by uid ${uid} with mode 0700` };
    const tmp = `${pointer}.${process.pid}`;
    try { unlinkSync(tmp); } catch { /* none */ }
    symlinkSync(socket, tmp);
    renameSync(tmp, pointer);
  } catch (e) {
    return { skipped: (e as Error).message };
  }
  return {
    remove: () => {
      try {
        if (readlinkSync(pointer) === socket) unlinkSync(pointer);
      } catch { /* gone or replaced */ }
    },
  };
}
