import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  acceptSqn, DEFAULT_DELTA, indOf, initSqnMs, makeSqn, nextSqn, SEQ_MAX, seqOf, SqnExhaustedError, sqnAfterResync, sqnInRange,
} from './sqn.js';

describe('SQN = SEQ ‖ IND (TS 33.102 Annex C)', () => {
  it('nextSqn advances SEQ by one and cycles IND, wrapping 31 → 0', () => {
    let s = makeSqn(10n, 30);
    s = nextSqn(s);
    assert.deepEqual([seqOf(s), indOf(s)], [11n, 31]);
    s = nextSqn(s);
    assert.deepEqual([seqOf(s), indOf(s)], [12n, 0]);
  });
  it('SEQ exhaustion throws instead of wrapping to a value every USIM rejects', () => {
    assert.throws(() => nextSqn(makeSqn(SEQ_MAX, 3)), SqnExhaustedError);
    assert.equal(seqOf(nextSqn(makeSqn(SEQ_MAX - 1n, 31))), SEQ_MAX);
  });
  it('the USIM accepts fresh SQNs, refuses replays, and refuses a jump beyond Δ', () => {
    let ms = initSqnMs(makeSqn(100n, 0));
    const a = makeSqn(101n, 1);
    assert.ok(sqnInRange(a, ms));
    ms = acceptSqn(ms, a);
    assert.equal(sqnInRange(a, ms), false, 'replay');
    assert.equal(ms.highest, a);
    assert.ok(sqnInRange(makeSqn(101n + DEFAULT_DELTA, 2), ms), 'jump of exactly Δ');
    assert.equal(sqnInRange(makeSqn(102n + DEFAULT_DELTA, 2), ms), false, 'jump beyond Δ');
  });
  it('out-of-order vectors with distinct IND are accepted (the point of the IND array)', () => {
    let ms = initSqnMs(0n);
    let he = 0n;
    const batch = Array.from({ length: 5 }, () => (he = nextSqn(he)));
    for (const s of [batch[4]!, batch[1]!, batch[3]!, batch[0]!, batch[2]!]) {
      assert.ok(sqnInRange(s, ms), `sqn ${s}`);
      ms = acceptSqn(ms, s);
    }
    assert.equal(ms.highest, batch[4]);
  });
  it('the age limit L refuses vectors far below the highest accepted SEQ', () => {
    let ms = initSqnMs(0n);
    ms = acceptSqn(ms, makeSqn(1000n, 0));
    assert.ok(sqnInRange(makeSqn(990n, 5), ms));
    assert.equal(sqnInRange(makeSqn(990n, 5), ms, { ageLimit: 10n }), false);
    assert.ok(sqnInRange(makeSqn(991n, 5), ms, { ageLimit: 10n }));
  });
  it('resync: after SQN_HE = SQN_MS the next vector is accepted by the USIM', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: SEQ_MAX - 2n }), fc.integer({ min: 0, max: 31 }), fc.bigInt({ min: 0n, max: SEQ_MAX }), (seq, ind, heSeq) => {
        const ms = initSqnMs(makeSqn(seq, ind));
        const he = sqnAfterResync(ms.highest);
        assert.ok(sqnInRange(nextSqn(he), ms));
        // a stale AUTS never lowers SQN_HE
        const cur = makeSqn(heSeq, 0);
        assert.equal(seqOf(sqnAfterResync(ms.highest, cur)), heSeq > seq ? heSeq : seq);
      }),
      { numRuns: 500 },
    );
  });
  it('every SQN the HE issues in sequence is accepted once and only once', () => {
    let ms = initSqnMs(makeSqn(5n, 7));
    let he = makeSqn(5n, 7);
    for (let i = 0; i < 200; i++) {
      he = nextSqn(he);
      assert.ok(sqnInRange(he, ms));
      ms = acceptSqn(ms, he);
      assert.equal(sqnInRange(he, ms), false);
    }
  });
});
