/**
 * The admin/control API route table as the CLI needs it: method and path of every route, no schemas.
 * `routes.ts` (the same names with their TypeBox schemas) is what the daemon registers and the API reference
 * documents; building those schemas is 247 TypeBox modules that a client command never uses, so the commands
 * call through this table instead (docs/performance.md § Third round). The two cannot drift: the `satisfies`
 * below refuses a name, method or path that differs from `routes.ts` at compile time, and
 * `src/contracts/route-paths.test.ts` compares them at run time.
 *
 * Each entry carries the full `routes.ts` entry as a type only (`schemas`, never set), so
 * `client.call(routes.status)` is typed by the route's schemas as before.
 */
import type { RouteName, Routes } from './routes.js';

export { routePath } from './wire.js';

/** One entry: what goes on the wire, plus the schemas of `routes.ts` as a type (absent at run time). */
export type RoutePathEntry<N extends RouteName> = Pick<Routes[N], 'method' | 'path'> & { readonly schemas?: Routes[N] };

const table = {
  status: { method: 'GET', path: '/api/status' },
  config: { method: 'GET', path: '/api/config' },
  listEntitlements: { method: 'GET', path: '/api/entitlements' },
  entitlementDefaults: { method: 'GET', path: '/api/entitlements/defaults' },
  getEntitlement: { method: 'GET', path: '/api/entitlements/:imsi' },
  setEntitlement: { method: 'POST', path: '/api/entitlements/:imsi' },
  deleteEntitlement: { method: 'DELETE', path: '/api/entitlements/:imsi' },
  deleteEntitlementApp: { method: 'DELETE', path: '/api/entitlements/:imsi/:app_id' },
  listActivity: { method: 'GET', path: '/api/activity' },
  getActivity: { method: 'GET', path: '/api/activity/:id' },
  listSessions: { method: 'GET', path: '/api/sessions' },
  getSession: { method: 'GET', path: '/api/sessions/:id' },
  deleteSession: { method: 'DELETE', path: '/api/sessions/:id' },
  listTokens: { method: 'GET', path: '/api/tokens' },
  getToken: { method: 'GET', path: '/api/tokens/:id' },
  revokeToken: { method: 'DELETE', path: '/api/tokens/:id' },
  listOdsa: { method: 'GET', path: '/api/odsa' },
  getOdsa: { method: 'GET', path: '/api/odsa/:id' },
  pushStatus: { method: 'GET', path: '/api/push' },
  removeOdsa: { method: 'DELETE', path: '/api/odsa/:id' },
  diameterPeers: { method: 'GET', path: '/api/diameter' },
  diameterRoutes: { method: 'GET', path: '/api/diameter/routes' },
  events: { method: 'GET', path: '/api/events' },
} as const satisfies { readonly [N in RouteName]: Pick<Routes[N], 'method' | 'path'> };

export const routes: { readonly [N in RouteName]: RoutePathEntry<N> } = table;
