/**
 * XcapService over a memory store: provisioning rule, Sh sync port
 * (xcap.hss_sync), preconditions without HTTP, and the CLI flag → merge
 * mapping of `omnisep xcap set`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { parseXcapUri, type XcapTarget } from '../src/codec/xcap/uri.js';
import { defaultDocumentText, etagOf } from '../src/services/xcap/document.js';
import { etagListMatches, XcapService, type HssSh } from '../src/services/xcap/service.js';
import { UsageError } from '../src/cli/errors.js';
import { patchFromFlags } from '../commands/xcap/set.js';
import { openCollection } from './store-helpers.js';

const M = '15551234567';
const DOC = `/simservs.ngn.etsi.org/users/tel:+${M}/simservs.xml`;
const target = (p: string) => parseXcapUri(p, '') as Exclude<XcapTarget, { kind: 'caps' }>;
const clock = { now: () => Date.UTC(2026, 10, 23) };

class FakeHss implements HssSh {
  repo = new Map<string, { serviceData: string; sequenceNumber: number }>();
  writes: Array<{ msisdn: string; sequenceNumber: number }> = [];
  down = false;
  async readRepositoryData(req: { msisdn: string }) {
    if (this.down) throw new Error('no route to HSS');
    return this.repo.get(req.msisdn) ?? null;
  }
  async writeRepositoryData(req: { msisdn: string; serviceData: string; sequenceNumber: number }) {
    if (this.down) throw new Error('no route to HSS');
    this.repo.set(req.msisdn, { serviceData: req.serviceData, sequenceNumber: req.sequenceNumber });
    this.writes.push({ msisdn: req.msisdn, sequenceNumber: req.sequenceNumber });
  }
}

test('provisioning: an XCAP profile or a subscriber with that MSISDN; nobody else', async () => {
  const store = createMemoryStore();
  const s = new XcapService({ store, clock, digestRealm: 'r' });
  assert.equal((await s.isProvisioned(M)), false);
  await openCollection(store, 'subscribers').put('001010000000001', { imsi: '001010000000001', msisdn: `+${M}` });
  assert.equal((await s.isProvisioned(M)), true);
  assert.equal((await s.imsiOf(M)), '001010000000001');
  assert.equal((await s.view(M))!.is_default, true);
  assert.equal((await s.view('15550000000')), null);
  await s.patch('15550000000', { oip: { active: false } });
  assert.equal((await s.isProvisioned('15550000000')), true);
});

test('hss_sync: a miss reads the HSS (UDR) before the default; writes are pushed (PUR) with the sequence number', async () => {
  const store = createMemoryStore();
  const hss = new FakeHss();
  const fromHss = defaultDocumentText(33);
  hss.repo.set(M, { serviceData: fromHss, sequenceNumber: 7 });
  const s = new XcapService({ store, clock, digestRealm: 'r', hss });
  await s.patch(M, { imsi: '001010000000001' });
  const got = await s.get(M, target(DOC));
  assert.equal(got.status, 200);
  assert.equal(got.body, fromHss, 'the HSS copy, not the local default');
  assert.equal(got.etag, etagOf(fromHss));
  const put = await s.put(M, target(`${DOC}/~~/simservs/communication-diversion/NoReplyTimer`), Buffer.from('<NoReplyTimer>40</NoReplyTimer>'), {}, 'http://x');
  assert.equal(put.status, 200);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(hss.writes.at(-1), { msisdn: M, sequenceNumber: 8 });
  assert.match(hss.repo.get(M)!.serviceData, /<NoReplyTimer>40<\/NoReplyTimer>/);
});

test('hss_sync: a push that fails goes to the durable backlog and is retried (by another service on the same store too); the phone is answered anyway', async () => {
  const store = createMemoryStore();
  const hss = new FakeHss();
  const s = new XcapService({ store, clock, digestRealm: 'r', hss });
  await s.patch(M, {});
  hss.down = true;
  const put = await s.put(M, target(DOC), Buffer.from(defaultDocumentText(44)), {}, 'http://x');
  assert.equal(put.status, 201);
  for (let i = 0; i < 100 && (await s.hssBacklogCount()) === 0; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual((await s.hssBacklog()).map((e) => [e.msisdn, e.attempts]), [[M, 1]]);
  assert.equal(await s.retryHss(), 1, 'still down');
  assert.equal((await s.hssBacklog())[0]!.attempts, 2);
  hss.down = false;
  // The backlog is a store collection: a service started later on the same store (a restart, another daemon) retries it.
  const again = new XcapService({ store, clock, digestRealm: 'r', hss });
  assert.equal(await again.hssBacklogCount(), 1);
  assert.equal(await again.retryHss(), 0);
  assert.equal(await s.hssBacklogCount(), 0);
  assert.match(hss.repo.get(M)!.serviceData, /<NoReplyTimer>44</);
});

test('without hss_sync nothing calls the HSS', async () => {
  const hss = new FakeHss();
  hss.down = true; // any call would throw and be visible in the backlog
  const s = new XcapService({ store: createMemoryStore(), clock, digestRealm: 'r', hss: null });
  await s.patch(M, { no_reply_timer: 30 });
  await s.put(M, target(DOC), Buffer.from(defaultDocumentText(50)), {}, 'http://x');
  assert.equal(hss.writes.length, 0);
  assert.equal(await s.hssBacklogCount(), 0);
});

test('If-Match / If-None-Match list matching (RFC 7232)', () => {
  assert.ok(etagListMatches('"a", "b"', '"b"'));
  assert.ok(!etagListMatches('W/"b"', '"b"'), 'If-Match uses the strong comparison');
  assert.ok(etagListMatches('W/"b"', '"b"', true), 'If-None-Match the weak one');
  assert.ok(etagListMatches('*', '"x"'));
  assert.ok(!etagListMatches('*', undefined));
});

test('xcap set flags → merge body', () => {
  assert.deepEqual(patchFromFlags({ cfb: 'tel:+15557654321', 'no-reply-timer': 25, oir: true, 'bar-incoming': ['roaming'] }), {
    call_forwarding: { cfb: { target: 'tel:+15557654321', enabled: true, condition: 'busy' } },
    no_reply_timer: 25,
    oir: { active: true, default_behaviour: 'presentation-restricted' },
    call_barring_incoming_active: true,
    call_barring_incoming: { 'icb-roaming': { condition: 'roaming', enabled: true, allow: false } },
  });
  assert.deepEqual(patchFromFlags({ cfu: 'off', 'bar-outgoing': ['off'] }), { call_forwarding: { cfu: null }, call_barring_outgoing_active: false });
  assert.deepEqual(patchFromFlags({ data: '{"no_reply_timer": 9}', oip: false }), { no_reply_timer: 9, oip: { active: false } });
  // A bad --imsi is refused by its declared flag (src/cli/args.ts imsiFlag) before patchFromFlags runs.
  for (const bad of [{}, { cfb: '+15557654321' }, { data: '[1]' }, { data: 'nope' }, { 'bar-incoming': ['off', 'all'] }]) {
    assert.throws(() => patchFromFlags(bad), UsageError, JSON.stringify(bad));
  }
});

test('a PUT or DELETE given the IMSI its request looked up stores that one and reads the subscribers no more', async () => {
  const store = createMemoryStore();
  let finds = 0;
  // Count the `subscribers.msisdn` index reads (the IMSI lookup: findKeys, or find) the service makes.
  const counted = new Proxy(store, {
    get(t, k, r) {
      if (k !== 'collection') return Reflect.get(t, k, r) as unknown;
      return (name: string, spec: unknown) => {
        const c = t.collection(name as never, spec as never);
        if (name !== 'subscribers') return c;
        // The IMSI lookup reads the index's keys (findKeys); every other method bound to the collection (its private fields).
        return new Proxy(c, {
          get: (ct, ck) => {
            const v = Reflect.get(ct, ck, ct) as unknown;
            if (typeof v !== 'function') return v;
            const bound = (v as (...x: unknown[]) => unknown).bind(ct);
            return ck === 'findKeys' || ck === 'find' ? (...a: unknown[]) => { finds++; return bound(...a); } : bound;
          },
        });
      };
    },
  });
  await openCollection(store, 'subscribers').put('001010000000001', { imsi: '001010000000001', msisdn: `+${M}` });
  const s = new XcapService({ store: counted, clock, digestRealm: 'r' });
  const el = target(`${DOC}/~~/simservs/communication-diversion/NoReplyTimer`);
  const found = await s.lookup(M);
  assert.equal(found.imsi, '001010000000001');
  const before = finds;
  const put = await s.put(M, el, Buffer.from('<NoReplyTimer>40</NoReplyTimer>'), {}, 'http://x', found);
  assert.equal(put.status, 200);
  assert.equal(finds, before, 'no second IMSI lookup for the write');
  assert.equal((await s.profiles.get(M))!.imsi, '001010000000001');
  // Without it the service reads the IMSI itself, as before.
  await s.put(M, el, Buffer.from('<NoReplyTimer>41</NoReplyTimer>'), {}, 'http://x');
  assert.ok(finds > before);
  const n = finds;
  assert.equal((await s.delete(M, el, {}, 'http://x', found)).status, 200);
  assert.equal(finds, n);
  assert.equal((await s.profiles.get(M))!.imsi, '001010000000001');
});
