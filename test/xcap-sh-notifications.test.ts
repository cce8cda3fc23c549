/**
 * The XCAP service's side of Sh notifications (docs/xcap.md § HSS (Sh) sync) over a memory store, with an HSS
 * port that records calls: when it subscribes, that a live subscription is not asked again, that two services on
 * one store renew a due subscription once, that removing the document unsubscribes, and what a PNR does.
 * The Diameter side (real SNR/PNR over TCP) is test/diameter-sh-notif.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { parseXcapUri, type XcapTarget } from '../src/codec/xcap/uri.js';
import { defaultDocumentText, etagOf } from '../src/services/xcap/document.js';
import { XcapService, type HssSh } from '../src/services/xcap/service.js';

const M = '15551234500';
const DOC = `/simservs.ngn.etsi.org/users/tel:+${M}/simservs.xml`;
const target = parseXcapUri(DOC, '') as Exclude<XcapTarget, { kind: 'caps' }>;
const DAY = 86_400_000;

class RecordingHss implements HssSh {
  snrs: Array<{ msisdn: string; subscribe: boolean }> = [];
  grantMs: number | null = DAY;
  constructor(readonly clock: { now(): number }) {}
  async readRepositoryData() { return null; }
  async writeRepositoryData() { /* accepted */ }
  async subscribeRepositoryData(req: { msisdn: string; subscribe: boolean }) {
    this.snrs.push({ msisdn: req.msisdn, subscribe: req.subscribe });
    return { expiresAt: this.grantMs === null ? null : this.clock.now() + this.grantMs };
  }
}

const settle = async (pred: () => Promise<boolean> | boolean) => {
  for (let i = 0; i < 1000 && !(await pred()); i++) await new Promise((r) => setImmediate(r));
};

test('SNR at the first sync, not again while live; a due renewal is sent once by two services on one store; DELETE unsubscribes', async () => {
  let now = Date.UTC(2026, 11, 1);
  const clock = { now: () => now };
  const store = createMemoryStore();
  const hss = new RecordingHss(clock);
  const a = new XcapService({ store, clock, digestRealm: 'r', hss });
  const b = new XcapService({ store, clock, digestRealm: 'r', hss });
  await a.patch(M, {});
  await settle(async () => (await a.hssSubscriptionCount()) === 1);
  assert.deepEqual(hss.snrs, [{ msisdn: M, subscribe: true }]);
  const sub = (await a.hssSubscription(M))!;
  assert.equal(sub.expires_at, now + DAY);
  assert.equal(sub.renew_slot, String(Math.floor((now + DAY * 0.75) / 60_000)), 'renewed at three quarters of the lifetime');

  // A write (PUR) with a live subscription sends no new SNR.
  assert.equal((await a.put(M, target, Buffer.from(defaultDocumentText(30)), {}, 'http://x')).status, 201);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(hss.snrs.length, 1);

  // Not due yet; then due: both services run their timer, one SNR goes out.
  assert.equal(await a.renewHssSubscriptions(now + DAY / 2), 0);
  now += DAY * 0.8;
  const [ra, rb] = await Promise.all([a.renewHssSubscriptions(), b.renewHssSubscriptions()]);
  assert.equal(ra + rb, 1, 'claimed by one of them');
  assert.equal(hss.snrs.length, 2);
  assert.equal((await a.hssSubscription(M))!.expires_at, now + DAY);

  // No expiry granted: never renewed.
  hss.grantMs = null;
  now += DAY;
  await a.renewHssSubscriptions();
  assert.equal((await a.hssSubscription(M))!.renew_slot, null);

  // The phone deletes its document: unsubscribe.
  assert.equal((await a.delete(M, target, {}, 'http://x')).status, 200);
  await settle(() => hss.snrs.at(-1)?.subscribe === false);
  assert.deepEqual(hss.snrs.at(-1), { msisdn: M, subscribe: false });
  assert.equal(await a.hssSubscriptionCount(), 0);
});

test('renewal walk: a record renewed in a walk is not renewed again by it when the clock crosses a minute; a short lifetime is renewed by the next walk; concurrent calls send one SNR', async () => {
  // The subscription is granted one millisecond before a minute boundary; the renewal happens just after it, so
  // three quarters of the new lifetime lands one minute later, inside the walk that renews it.
  let now = Date.UTC(2026, 11, 1, 0, 0, 59, 999);
  const clock = { now: () => now };
  const hss = new RecordingHss(clock);
  const s = new XcapService({ store: createMemoryStore(), clock, digestRealm: 'r', hss });
  await s.patch(M, {});
  await settle(async () => (await s.hssSubscriptionCount()) === 1);
  const granted = now;
  now += 2;
  assert.equal(await s.renewHssSubscriptions(granted + 19 * 3_600_000), 1, 'one SNR for one due subscription');
  assert.equal(hss.snrs.length, 2);
  assert.ok(Number((await s.hssSubscription(M))!.renew_slot) > Math.floor((granted + 19 * 3_600_000) / 60_000), 'next slot after the walk');

  // A 30 s lifetime: due at once, renewed by every walk, never left behind one.
  const t = new XcapService({ store: createMemoryStore(), clock, digestRealm: 'r', hss });
  hss.grantMs = 30_000;
  now = Date.UTC(2026, 11, 2, 0, 0, 10);
  await t.patch(M, {});
  await settle(async () => (await t.hssSubscriptionCount()) === 1);
  const before = hss.snrs.length;
  assert.equal(await t.renewHssSubscriptions(), 0, 'not before the next minute');
  now += 60_000;
  assert.equal(await t.renewHssSubscriptions(), 1);
  now += 60_000;
  assert.equal(await t.renewHssSubscriptions(), 1, 'renewed again a minute later');
  // The daemon's timer and an explicit call at the same moment: one walk after the other, one SNR.
  now += 60_000;
  const both = await Promise.all([t.renewHssSubscriptions(), t.renewHssSubscriptions()]);
  assert.deepEqual(both.sort(), [0, 1]);
  assert.equal(hss.snrs.length, before + 3);
});

test('a PNR: newer SequenceNumber replaces the document (new ETag), equal or older changes nothing, empty ServiceData = default, invalid or unknown refused', async () => {
  const clock = { now: () => Date.UTC(2026, 11, 1) };
  const s = new XcapService({ store: createMemoryStore(), clock, digestRealm: 'r', hss: new RecordingHss(clock) });
  assert.deepEqual(await s.applyHssNotification({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 1, serviceData: defaultDocumentText(40) }), { outcome: 'user_unknown' });
  await s.patch(M, {});
  const first = await s.get(M, target);
  const doc = defaultDocumentText(60);
  const up = await s.applyHssNotification({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 5, serviceData: doc });
  assert.equal(up.outcome, 'updated');
  const got = await s.get(M, target);
  assert.notEqual(got.etag, first.etag);
  assert.equal(got.etag, etagOf(got.body!));
  assert.match(got.body!, /<NoReplyTimer>60</);
  assert.equal((await s.get(M, target, { ifNoneMatch: first.etag! })).status, 200, 'the phone\'s conditional GET sees the change');
  assert.deepEqual(await s.applyHssNotification({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 5, serviceData: defaultDocumentText(70) }), { outcome: 'stale', sequence: 5 });
  assert.equal((await s.applyHssNotification({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 9, serviceData: '<simservs xmlns="urn:other"/>' })).outcome, 'not_recognized');
  assert.equal((await s.applyHssNotification({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 9, serviceData: '<unclosed' })).outcome, 'not_recognized');
  assert.equal((await s.applyHssNotification({ msisdn: M, serviceIndication: 'other', sequenceNumber: 9, serviceData: doc })).outcome, 'not_recognized');
  assert.equal((await s.get(M, target)).etag, got.etag, 'refused PNRs change nothing');
  // Removed in the HSS: back on the default document.
  assert.equal((await s.applyHssNotification({ msisdn: M, serviceIndication: 'simservs', sequenceNumber: 6, serviceData: '' })).outcome, 'updated');
  assert.equal((await s.view(M))!.is_default, true);
  assert.equal((await s.profiles.get(M))!.sequence, 6);
});
