/**
 * Where the daemon's control socket is (`serve`'s rule, which the CLI follows to find it) and the per-user pointer
 * to the last one started. Re-exported by ./config.ts; a module of its own so the CLI's start-up does not load
 * the config schema (TypeBox) to compute a path (docs/performance.md § Third round).
 */

/** The control socket path (CLI.md § The control socket): explicit, else $XDG_RUNTIME_DIR, else the data dir. */
export function defaultSocketPath(opts: { socket?: string; env?: Record<string, string | undefined>; dataDir: string }): string {
  if (opts.socket) return opts.socket;
  if (opts.env?.OMNISEP_SOCKET) return opts.env.OMNISEP_SOCKET;
  const xdg = opts.env?.XDG_RUNTIME_DIR;
  if (xdg) return `${xdg.replace(/\/$/, '')}/omnisep.sock`;
  return `${opts.dataDir.replace(/\/$/, '')}/omnisep.sock`;
}

/**
 * Where a daemon whose socket is not under $XDG_RUNTIME_DIR leaves a pointer to it for the CLI of the same user:
 * a symlink `<tmp>/omnisep-<uid>/last.sock` in a directory only that user may write (docs/cli.md § Where the
 * daemon is). The CLI follows it only when nothing is at the default data-dir socket of its own directory.
 */
export function socketPointerPath(tmp: string, uid: number): string {
  return `${tmp.replace(/\/$/, '')}/omnisep-${uid}/last.sock`;
}
