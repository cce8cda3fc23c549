/**
 * `swm` against the built-in AAA over real TCP Diameter on loopback (what
 * `omnisep serve` does with no config): DER/DEA relayed for every round,
 * success, resync, wrong key and unknown IMSI → 403, AAA gone → 503.
 * `swx`: omnisep's own EAP server with vectors from the built-in HSS over SWx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { createBuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { createSwmRelay } from '../daemon/diameter/swm-client.js';
import { SubscriberService } from '../src/services/subscribers.js';
import { FsmBackend, RelayBackend } from '../src/services/eap-auth/backends.js';
import { createSwxVectorSource } from '../daemon/diameter/swx-client.js';
import type { SessionView } from '../src/contracts/sessions.js';
import { nodeConfig, quietLogger } from './diameter-helpers.js';
import { SIM1, SIM2, runUe, startHarness } from './ts43-harness.js';
import { valuesOf } from './store-helpers.js';

async function startAaaPath() {
  const aaaStore = createMemoryStore();
  const subs = new SubscriberService(aaaStore);
  await subs.add({ imsi: SIM1.imsi, ki: SIM1.k.toString('hex'), opc: SIM1.opc.toString('hex'), msisdn: '15551230001' });
  const aaa = createBuiltinAaa({
    store: aaaStore,
    subscribers: subs,
    logger: quietLogger(),
    listen: { host: 'aaa.test.local', realm: 'test.local', listen_ip: '127.0.0.1', listen_port: 0 },
  });
  const { listen } = await aaa.start();
  const node = createDiameterNode(nodeConfig({ peers: [{ host: 'aaa.test.local', ip: '127.0.0.1', port: listen!.port, transport: 'tcp' }] }), { logger: quietLogger() });
  await node.start();
  await node.waitForPeer('aaa.test.local', 5000);
  return { aaa, node, relay: createSwmRelay(node), stop: async () => { await node.stop(); await aaa.stop(); } };
}

test('swm → built-in AAA over TCP Diameter: success, resync, 403s, AAA gone → 503', async () => {
  const path = await startAaaPath();
  const h = await startHarness({ backend: new RelayBackend(path.relay) });
  try {
    const ok = await runUe({ url: h.url, ...SIM1, apps: ['ap2004', 'ap2003'] });
    assert.equal(ok.final.status, 200, ok.final.body);
    assert.match(ok.final.contentType, /connectivity-xml/);
    const s = (await valuesOf<SessionView>(h.ctx.store, 'sessions'))[0]!;
    assert.equal(s.state, 'completed');
    assert.match(s.aaa_session_id!, /^client\.test\.local;/);

    const resync = await runUe({ url: h.url, ...SIM1, sqnMs: 1n << 30n });
    assert.equal(resync.steps.length, 3);
    assert.equal(resync.final.status, 200);

    assert.equal((await runUe({ url: h.url, ...SIM1, k: SIM2.k })).final.status, 403, 'wrong key');
    assert.equal((await runUe({ url: h.url, ...SIM2 })).final.status, 403, 'unknown IMSI');

    await path.aaa.stop();
    const down = await runUe({ url: h.url, ...SIM1 });
    assert.equal(down.final.status, 503);
    assert.ok(down.final.headers.get('retry-after'));
  } finally {
    await h.close();
    await path.stop();
  }
});

test('swx → vectors from the built-in HSS over SWx MAR/MAA: EAP-AKA and EAP-AKA\', resync, unknown IMSI', async () => {
  const path = await startAaaPath();
  const backend = new FsmBackend('swx', createSwxVectorSource(path.node), { variant: 'aka', maxResync: 3, timeoutMs: 30_000, now: () => Date.now(), sourceGivesPrimeKeys: true });
  const h = await startHarness({ backend, realClock: true });
  try {
    const aka = await runUe({ url: h.url, ...SIM1, apps: ['ap2004'] });
    assert.equal(aka.final.status, 200, aka.final.body);
    assert.match(aka.final.contentType, /connectivity-xml/);
    const prime = await runUe({ url: h.url, ...SIM1, akaPrime: true, apps: ['ap2004'] });
    assert.equal(Buffer.from(JSON.parse(prime.steps[0]!.body)['eap-relay-packet'], 'base64')[4], 50);
    assert.equal(prime.final.status, 200, prime.final.body);
    const resync = await runUe({ url: h.url, ...SIM1, sqnMs: 1n << 30n });
    assert.equal(resync.steps.length, 3);
    assert.equal(resync.final.status, 200);
    assert.equal((await runUe({ url: h.url, ...SIM2 })).final.status, 403);
    assert.equal((await valuesOf<SessionView>(h.ctx.store, 'sessions')).filter((s) => s.backend === 'swx').length, 4);
  } finally {
    await h.close();
    await path.stop();
  }
});
