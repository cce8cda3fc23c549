import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimSlot, ClientRateLimiter, releaseSlot, type ImsiSlots } from './limits.js';

describe('EAP session admission', () => {
  it('token bucket: burst at once, then the refill rate; Retry-After says when', () => {
    const l = new ClientRateLimiter({ ratePerS: 2, burst: 3 });
    assert.deepEqual([1, 2, 3].map(() => l.take('10.0.0.1', 0).ok), [true, true, true]);
    assert.deepEqual(l.take('10.0.0.1', 0), { ok: false, retryAfterS: 1 });
    assert.equal(l.take('10.0.0.2', 0).ok, true, 'another address has its own bucket');
    assert.equal(l.take('10.0.0.1', 499).ok, false);
    assert.equal(l.take('10.0.0.1', 500).ok, true, 'one token after 0.5 s at 2/s');
    assert.equal(l.take('10.0.0.1', 10_000).ok, true);
    const slow = new ClientRateLimiter({ ratePerS: 0.1, burst: 1 });
    slow.take('a', 0);
    assert.deepEqual(slow.take('a', 0), { ok: false, retryAfterS: 10 });
  });

  it('token bucket memory is bounded: the maxClients addresses seen last are kept, at most twice as many', () => {
    const l = new ClientRateLimiter({ ratePerS: 1, burst: 1, maxClients: 100 });
    const addr = (i: number) => `10.0.${i >> 8}.${i & 255}`;
    for (let i = 0; i < 10_050; i++) {
      l.take(addr(i), 0);
      assert.ok(l.size <= 200, `${l.size} addresses held`);
    }
    assert.ok(l.size >= 100);
    for (let i = 9_950; i < 10_050; i++) assert.equal(l.take(addr(i), 0).ok, false, `${addr(i)}: seen among the last 100, its bucket empty`);
    assert.equal(l.take(addr(0), 0).ok, true, 'forgotten: it comes back with a full bucket');
  });

  it('per-IMSI slots: at most cap in flight, expired ones free themselves, release frees one', () => {
    // Each call gets its own copy of the record, as Collection.update hands one to its function.
    const copy = (x: ImsiSlots | undefined) => (x === undefined ? undefined : structuredClone(x));
    let cur: ImsiSlots | undefined;
    for (const id of ['a', 'b']) {
      const r = claimSlot(copy(cur), id, 30_000, 0, 2);
      assert.ok(r.ok);
      cur = r.next;
    }
    assert.deepEqual(cur, { kind: 'imsi', live: { a: 30_000, b: 30_000 } });
    const over = claimSlot(copy(cur), 'c', 30_000, 1000, 2);
    assert.deepEqual([over.ok, over.retryAfterS], [false, 29]);
    assert.deepEqual(over.next, cur, 'a refused claim adds nothing');
    const late = claimSlot(copy(cur), 'c', 60_000, 30_000, 2);
    assert.equal(late.ok, true, 'past their deadline, a and b no longer count');
    assert.deepEqual(late.next, { kind: 'imsi', live: { c: 60_000 } }, 'and they are dropped from the record');
    const freed = releaseSlot(copy(cur), 'a', 1000);
    assert.deepEqual(freed, { kind: 'imsi', live: { b: 30_000 } });
    assert.equal(claimSlot(copy(freed!), 'c', 30_000, 1000, 2).ok, true);
    assert.equal(releaseSlot({ kind: 'imsi', live: { b: 30_000 } }, 'b', 0), null);
    assert.equal(releaseSlot(undefined, 'b', 0), null);
  });

  it('per-IMSI slots: the record handed in is changed in place (no new object per claim or release)', () => {
    const mine: ImsiSlots = { kind: 'imsi', live: { old: 5, a: 50_000 } };
    const r = claimSlot(mine, 'b', 60_000, 10, 8);
    assert.equal(r.next, mine);
    assert.deepEqual(mine.live, { a: 50_000, b: 60_000 });
    assert.equal(releaseSlot(mine, 'a', 10), mine);
    assert.deepEqual(mine.live, { b: 60_000 });
  });
});
