import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { compiledSerializers, lazySerializerFactory } from './lazy-serializers.js';

test('lazy serializers: compiled on a route\'s first answer only, and they still drop what the schema does not name', async () => {
  const app = Fastify({ schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory } } });
  const response = { 200: { type: 'object', properties: { imsi: { type: 'string' }, count: { type: 'integer' } } } };
  app.get('/one', { schema: { response } }, async () => ({ imsi: '001010000000001', count: '7', ki: '465b5ce8b199b49faa5f0a2ee238a6bc' }));
  app.get('/two', { schema: { response } }, async () => ({ imsi: 'x' }));
  await app.ready();
  const before = compiledSerializers.count;
  try {
    const r = await app.inject('/one');
    assert.equal(r.statusCode, 200);
    // fast-json-stringify's behaviour, unchanged: unnamed properties (a secret) left out, types coerced.
    assert.equal(r.body, '{"imsi":"001010000000001","count":7}');
    assert.equal(compiledSerializers.count, before + 1, 'only /one was compiled');
    await app.inject('/one');
    assert.equal(compiledSerializers.count, before + 1, 'compiled once');
    assert.equal((await app.inject('/two')).body, '{"imsi":"x"}');
    assert.equal(compiledSerializers.count, before + 2);
  } finally {
    await app.close();
  }
});
