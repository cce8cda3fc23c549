/**
 * MaxRefreshRequest for CheckEligibility polls (docs/odsa.md § The subscription state machine): vectors of
 * `eligibilityPoll` — the count, the limit, and the pause after which a device counts afresh.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eligibilityPoll } from './odsa-subscription.js';

const T = 1_000_000;

describe('eligibilityPoll', () => {
  it('no limit: nothing counted', () => {
    assert.deepEqual(eligibilityPoll(undefined, T, 0, 60), { count: false, next: { polls: 0, last_ms: T }, exceeded: false });
    assert.deepEqual(eligibilityPoll({ polls: 7, last_ms: 5 }, T, 0, 60), { count: false, next: { polls: 7, last_ms: 5 }, exceeded: false });
  });
  it('counts each poll; the one past max is exceeded', () => {
    assert.deepEqual(eligibilityPoll(undefined, T, 2, 60), { count: true, next: { polls: 1, last_ms: T }, exceeded: false });
    assert.deepEqual(eligibilityPoll({ polls: 1, last_ms: T }, T + 60_000, 2, 60), { count: true, next: { polls: 2, last_ms: T + 60_000 }, exceeded: false });
    assert.deepEqual(eligibilityPoll({ polls: 2, last_ms: T }, T + 60_000, 2, 60), { count: true, next: { polls: 3, last_ms: T + 60_000 }, exceeded: true });
  });
  it('a pause longer than max × PollingInterval starts a new count; exactly that long does not', () => {
    assert.equal(eligibilityPoll({ polls: 5, last_ms: T }, T + 120_000, 2, 60).exceeded, true);
    assert.deepEqual(eligibilityPoll({ polls: 5, last_ms: T }, T + 120_001, 2, 60), { count: true, next: { polls: 1, last_ms: T + 120_001 }, exceeded: false });
  });
});
