/**
 * The schema-free parts of the admin/control API contract that a client puts on the wire: filling a route
 * path's `:param`s and the version header. Shared by the daemon's route table (`routes.ts`, `common.ts` re-export
 * them) and the CLI's (`route-paths.ts`) — a module of its own so the CLI does not load TypeBox for them
 * (docs/performance.md § Third round).
 */

/** Header carrying the daemon's version on every admin/control answer, so the CLI can spot a mismatch. */
export const VERSION_HEADER = 'x-omnisep-version';

/** Fill `:param`s of a route path (values are URI-encoded). */
export function routePath(path: string, params: Record<string, string | number> = {}): string {
  return path.replace(/:([a-z_]+)/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`route ${path}: missing parameter ${k}`);
    return encodeURIComponent(String(v));
  });
}
