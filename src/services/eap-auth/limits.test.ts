import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyLive, claimSlot, ClientRateLimiter, releaseSlot, type ImsiSlots } from './limits.js';

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
    let cur: ImsiSlots | undefined;
    for (const id of ['a', 'b']) {
      const r = claimSlot(cur, id, 30_000, 0, 2);
      assert.ok(r.ok);
      cur = r.next;
    }
    assert.deepEqual(cur, { kind: 'imsi', live: 'a,30000,b,30000' });
    const over = claimSlot(cur, 'c', 30_000, 1000, 2);
    assert.deepEqual([over.ok, over.retryAfterS], [false, 29]);
    assert.deepEqual(over.next, cur, 'a refused claim adds nothing');
    const late = claimSlot(cur, 'c', 60_000, 30_000, 2);
    assert.equal(late.ok, true, 'past their deadline, a and b no longer count');
    assert.deepEqual(late.next, { kind: 'imsi', live: 'c,60000' }, 'and they are dropped from the record');
    const freed = releaseSlot(cur, 'a', 1000);
    assert.deepEqual(freed, { kind: 'imsi', live: 'b,30000' });
    assert.deepEqual(cur, { kind: 'imsi', live: 'a,30000,b,30000' }, 'the record handed in is not changed');
    assert.equal(claimSlot(freed!, 'c', 30_000, 1000, 2).ok, true);
    assert.equal(releaseSlot({ kind: 'imsi', live: 'b,30000' }, 'b', 0), null);
    assert.equal(releaseSlot({ kind: 'imsi', live: '' }, 'b', 0), null);
    assert.equal(releaseSlot(undefined, 'b', 0), null);
    assert.throws(() => claimSlot(undefined, 'x,1', 30_000, 0, 2), RangeError, 'an id with a comma would corrupt the list');
  });

  it('per-IMSI slots: the earliest deadline sets Retry-After; anyLive tells a record the sweep may drop', () => {
    const slots: ImsiSlots = { kind: 'imsi', live: 'a,9000,b,4500,c,7000' };
    assert.deepEqual(claimSlot(slots, 'd', 60_000, 1000, 3).retryAfterS, 4, 'b frees first, 3.5 s from now');
    assert.equal(claimSlot(slots, 'd', 60_000, 4500, 3).ok, true, 'at its deadline b no longer counts');
    assert.equal(anyLive(slots, 8999), true);
    assert.equal(anyLive(slots, 9000), false);
    assert.equal(anyLive({ kind: 'imsi', live: '' }, 0), false);
  });

  it('per-IMSI slots: a record an older daemon wrote (an object of id → deadline) is read, and written back as a string', () => {
    const old: ImsiSlots = { kind: 'imsi', live: { old: 5, a: 50_000 } };
    const r = claimSlot(old, 'b', 60_000, 10, 8);
    assert.deepEqual(r.next, { kind: 'imsi', live: 'a,50000,b,60000' });
    assert.deepEqual(old.live, { old: 5, a: 50_000 }, 'not changed');
    assert.deepEqual(releaseSlot(old, 'a', 10), null, 'old is past its deadline: nothing left');
    assert.deepEqual(releaseSlot({ kind: 'imsi', live: { a: 50_000, b: 60_000 } }, 'a', 10), { kind: 'imsi', live: 'b,60000' });
    assert.equal(anyLive(old, 10), true);
    assert.equal(anyLive(old, 50_000), false);
  });
});
