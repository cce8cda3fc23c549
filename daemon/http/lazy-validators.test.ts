import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { compiledValidators, compilePendingValidators, lazyValidatorFactory } from './lazy-validators.js';

/** The daemon's ajv options (daemon/http/common.ts), with fastify's default compiler or the lazy one. */
function app(lazy: boolean): FastifyInstance {
  const a = Fastify({
    exposeHeadRoutes: false, // no HEAD twin per GET: every route here is asked, so none is left pending
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    ...(lazy ? { schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory } } } : {}),
  });
  const querystring = { type: 'object', properties: { n: { type: 'integer', minimum: 1 }, ids: { type: 'array', items: { type: 'string' } } }, required: ['n'] };
  a.get('/q', { schema: { querystring } }, async (req) => ({ query: req.query }));
  // A root value ajv can only coerce through its parent (the request): the data context fastify passes on.
  a.post('/root', { schema: { body: { type: 'integer' } } }, async (req) => ({ body: req.body, type: typeof req.body }));
  a.post('/obj', { schema: { body: { type: 'object', properties: { on: { type: 'boolean' } }, required: ['on'], additionalProperties: false } } },
    async (req) => ({ body: req.body }));
  return a;
}

const requests = [
  { method: 'GET', url: '/q?n=5&ids=a' },
  { method: 'GET', url: '/q?n=0' },
  { method: 'GET', url: '/q?n=x' },
  { method: 'GET', url: '/q' },
  { method: 'POST', url: '/root', payload: '"7"', headers: { 'content-type': 'application/json' } },
  { method: 'POST', url: '/root', payload: '"seven"', headers: { 'content-type': 'application/json' } },
  { method: 'POST', url: '/obj', payload: '{"on":"true"}', headers: { 'content-type': 'application/json' } },
  { method: 'POST', url: '/obj', payload: '{"on":true,"ki":"00"}', headers: { 'content-type': 'application/json' } },
] as const;

test('lazy validators: nothing compiled at start, each route on its first request, and every answer as fastify\'s own compiler gives it', async () => {
  const eager = app(false);
  const lazy = app(true);
  const before = compiledValidators.count;
  await Promise.all([eager.ready(), lazy.ready()]);
  try {
    assert.equal(compiledValidators.count, before, 'no validator compiled as the routes register');
    for (const r of requests) {
      const [want, got] = await Promise.all([eager.inject(r), lazy.inject(r)]);
      assert.equal(got.statusCode, want.statusCode, `${r.method} ${r.url}`);
      assert.equal(got.body, want.body, `${r.method} ${r.url}`);
    }
    // The coercions and the errors themselves, so the comparison above cannot pass on two equally wrong answers.
    assert.deepEqual((await lazy.inject(requests[0])).json(), { query: { n: 5, ids: ['a'] } });
    assert.deepEqual((await lazy.inject(requests[4])).json(), { body: 7, type: 'number' });
    assert.equal((await lazy.inject(requests[1])).statusCode, 400);
    assert.match((await lazy.inject(requests[2])).json().message, /querystring\/n must be integer/);
    assert.equal((await lazy.inject(requests[7])).statusCode, 400);
    assert.equal(compiledValidators.count, before + 3, 'three routes, each compiled once however often it was asked');
  } finally {
    await Promise.all([eager.close(), lazy.close()]);
  }
});

test('lazy validators: compilePendingValidators compiles what no request reached; a schema ajv refuses still fails, on its first request or there', async () => {
  const a = Fastify({ exposeHeadRoutes: false, schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory } } });
  a.get('/fine', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => 'ok');
  a.get('/bad', { schema: { querystring: { type: 'object', properties: { n: { type: 'no-such-type' } } } } }, async () => 'ok');
  await a.ready();
  try {
    const before = compiledValidators.count;
    const r = await a.inject('/bad?n=1');
    assert.equal(r.statusCode, 500, 'the route answers a server error rather than an unchecked request');
    assert.throws(() => compilePendingValidators(), /no-such-type|type must be JSON type/);
    assert.equal(compiledValidators.count, before + 1, '/fine (registered first) compiled by the call before /bad threw');
    assert.equal((await a.inject('/fine?n=2')).statusCode, 200);
    assert.equal((await a.inject('/fine?n=x')).statusCode, 400, '/fine checks its query');
    assert.equal(compiledValidators.count, before + 1, 'and was not compiled again');
  } finally {
    await a.close();
  }
});
