/**
 * The admin API reference comes from the routes' own schemas: `GET /api/openapi.json` is an
 * OpenAPI 3 document listing every route of the shared route table with its parameters and
 * answers, it needs the bearer token on TCP like every admin route, and `docs/admin-api.md` is
 * exactly what `apiReference()` renders from it (UPDATE_GOLDEN=1 rewrites the page).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { routes } from '../src/contracts/routes.js';
import { apiReference, type OpenApiDocument } from '../src/contracts/openapi-markdown.js';
import { repoPath } from '../src/util/repo-path.js';
import { API_KEY, startTestDaemon, type TestDaemon } from './cli-daemon.js';

let d: TestDaemon;
let doc: OpenApiDocument & { openapi: string; components: { securitySchemes: Record<string, unknown> } };

before(async () => {
  d = await startTestDaemon({ fixedClock: true });
  const r = await request('http://localhost/api/openapi.json', { dispatcher: new Agent({ connect: { socketPath: d.socket } }) });
  assert.equal(r.statusCode, 200);
  doc = (await r.body.json()) as typeof doc;
});
after(async () => d?.stop());

test('GET /api/openapi.json: OpenAPI 3 with every route of the route table, its parameters and answers', () => {
  assert.equal(doc.openapi, '3.0.3');
  assert.ok(doc.components.securitySchemes.bearer);
  const openApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');
  for (const [name, def] of Object.entries(routes)) {
    const op = doc.paths[openApiPath(def.path)]?.[def.method.toLowerCase()];
    assert.ok(op, `${name}: ${def.method} ${def.path} is in the document`);
    assert.equal(op.summary, def.summary);
    if (!('stream' in def)) assert.ok(op.responses?.[String(('status' in def && def.status) || 200)], `${name}: its 2xx answer is described`);
  }
  const set = doc.paths['/api/entitlements/{imsi}']!.post!;
  assert.ok(set.parameters?.some((p) => p.name === 'imsi' && p.in === 'path' && p.required));
  assert.ok(set.requestBody?.content?.['application/json']?.schema, 'the POST body schema is there');
  assert.equal(doc.paths['/api/openapi.json'], undefined, 'the document does not list itself');
});

test('the TCP listener asks for the bearer token for the document too', async () => {
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  const no = await request(`${d.adminUrl}/api/openapi.json`, { dispatcher: insecure });
  await no.body.dump();
  assert.equal(no.statusCode, 401);
  const yes = await request(`${d.adminUrl}/api/openapi.json`, { dispatcher: insecure, headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(yes.statusCode, 200);
  assert.deepEqual(((await yes.body.json()) as OpenApiDocument).paths, doc.paths);
});

test('docs/admin-api.md is the reference rendered from the served document', () => {
  const file = repoPath('docs', 'admin-api.md');
  const rendered = apiReference(doc);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, rendered);
  assert.equal(readFileSync(file, 'utf8'), rendered, 'docs/admin-api.md is stale: UPDATE_GOLDEN=1 node test/run.mjs admin-api-reference');
  assert.match(rendered, /### POST \/api\/entitlements\/\{imsi\}/);
});
