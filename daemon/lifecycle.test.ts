import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lifecycle } from './lifecycle.js';

test('stop runs phases in the fixed order whatever the registration order, once', async () => {
  const l = new Lifecycle();
  const order: string[] = [];
  l.register({ name: 'socket', phase: 'socket', close: () => { order.push('socket'); } });
  l.register({ name: 'store', phase: 'store', close: async () => { order.push('store'); } });
  l.register({ name: 'public', phase: 'http', close: () => { order.push('http1'); } });
  l.register({ name: 'admin', phase: 'http', close: () => { order.push('http2'); } });
  l.register({ name: 'dpr', phase: 'diameter', close: () => { order.push('diameter'); } });
  l.register({ name: 'streams', phase: 'streams', close: () => { order.push('streams'); } });
  assert.equal(l.stopping, false);
  const [r1, r2] = await Promise.all([l.stop(), l.stop()]);
  assert.equal(r1, r2);
  assert.equal(l.stopping, true);
  assert.deepEqual(order, ['streams', 'diameter', 'http2', 'http1', 'store', 'socket']);
});

test('a failing or stuck closer does not stop the later phases', async () => {
  const l = new Lifecycle();
  const order: string[] = [];
  l.register({ name: 'bad', phase: 'diameter', close: () => { throw new Error('peer gone'); } });
  l.register({ name: 'stuck', phase: 'http', close: () => new Promise(() => {}), timeoutMs: 50 });
  l.register({ name: 'store', phase: 'store', close: () => { order.push('store'); } });
  const report = await l.stop();
  assert.deepEqual(order, ['store']);
  assert.deepEqual(report.map((r) => [r.name, r.ok]), [['bad', false], ['stuck', false], ['store', true]]);
  assert.match(report[1]!.error!, /timed out/);
});
