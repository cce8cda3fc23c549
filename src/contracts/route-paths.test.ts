/**
 * The CLI's schema-free route table (route-paths.ts) is the daemon's (routes.ts) without the schemas: the same
 * names, methods and paths, nothing more and nothing less (compile time checks it too, through `satisfies`; this
 * holds at run time, e.g. for a route added to one table in a merge that skipped the type check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routes as daemonRoutes, routePath as daemonRoutePath } from './routes.js';
import { routes as cliRoutes, routePath } from './route-paths.js';

test('the CLI route table lists every daemon route with the same method and path', () => {
  const daemon = Object.fromEntries(Object.entries(daemonRoutes).map(([name, r]) => [name, { method: r.method, path: r.path }]));
  const cli = Object.fromEntries(Object.entries(cliRoutes).map(([name, r]) => [name, { ...r }]));
  assert.deepEqual(cli, daemon);
});

test('the CLI route table carries no schemas at run time', () => {
  for (const [name, r] of Object.entries(cliRoutes)) assert.deepEqual(Object.keys(r).sort(), ['method', 'path'], name);
});

test('both tables fill paths with the one routePath', () => {
  assert.equal(routePath, daemonRoutePath);
  assert.equal(routePath(cliRoutes.deleteEntitlementApp.path, { imsi: '001010000000001', app_id: 'ap2004' }), '/api/entitlements/001010000000001/ap2004');
  assert.equal(routePath(cliRoutes.getSession.path, { id: 'a b/c' }), '/api/sessions/a%20b%2Fc');
  assert.throws(() => routePath(cliRoutes.getSession.path), /missing parameter id/);
});
