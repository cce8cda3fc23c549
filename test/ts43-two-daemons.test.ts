/**
 * Two real daemons (startDaemon) sharing one store (issue 11 item 3; docs/eap-aka.md § Sessions across
 * daemons): the phone's first request reaches daemon A, its EAP-Response POST reaches daemon B (a load
 * balancer without stickiness), and the authentication completes with a token. The memory store stands
 * for the shared database here; the pg branch runs the same over PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../src/store/memory-store.js';
import { openCollection } from '../src/store/collections.js';
import { startTestDaemon } from './daemon-helpers.js';
import type { DaemonContext } from '../daemon/context.js';
import { SIM1, TestVectorSource, runUe } from './ts43-harness.js';

const base = (d: { addresses: { http: { url: string } } }) => `${d.addresses.http.url.replace(/\/$/, '')}/`;

test('first request on daemon A, POST on daemon B: the session completes; the other way too; a different cluster secret → 511', async () => {
  const store = createMemoryStore();
  const vectors = new TestVectorSource([SIM1]);
  const sets = (name: string, secret: string) => ['eap_aka.backend=local', 'token.signing_secret=two-daemons-signing-secret', `server.node_name=${name}`, `storage.cluster_secret=${secret}`];
  const opts = { store, beforeListen: (ctx: DaemonContext) => void (ctx.services.backends.vectorSource = vectors) };
  const a = await startTestDaemon(sets('a', 'shared cluster secret'), opts);
  const b = await startTestDaemon(sets('b', 'shared cluster secret'), opts);
  const c = await startTestDaemon(sets('c', 'another secret'), opts);
  try {
    const ab = await runUe({ url: base(a), postUrl: base(b), ...SIM1 });
    assert.equal(ab.steps.length, 2);
    assert.equal(ab.final.status, 200, ab.final.body);
    assert.match(ab.final.body, /<parm name="token" value="[^"]+"/);
    const ba = await runUe({ url: base(b), postUrl: base(a), ...SIM1 });
    assert.equal(ba.final.status, 200);
    const views = (await openCollection<{ state: string }>(store, 'sessions').scan({})).map(([, v]) => v.state);
    assert.deepEqual(views, ['completed', 'completed']);
    const ac = await runUe({ url: base(a), postUrl: base(c), ...SIM1 });
    assert.equal(ac.final.status, 511, 'a daemon with another cluster secret cannot open the sealed keys: start over');
    assert.deepEqual(await openCollection(store, 'eap_state').scan({ prefix: 's:' }), [], 'no state left behind');
  } finally {
    await c.close();
    await b.close();
    await a.close();
    await store.close();
  }
});
