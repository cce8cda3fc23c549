/**
 * The control socket (CLI.md § The control socket): dial first — if a daemon
 * answers, refuse to start rather than steal its address; remove a stale
 * socket; directory 0700 when we create it, socket 0600.
 */
import { connect } from 'node:net';
import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
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
