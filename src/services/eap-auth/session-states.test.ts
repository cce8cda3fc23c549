import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_STATES } from '../../contracts/sessions.js';
import { SESSION_TRANSITIONS, TERMINAL_STATES, stepSession, type SessionEvent } from './session-states.js';
import { mapAaaResult } from './result-codes.js';

const EVENTS: SessionEvent[] = ['challenge', 'success', 'token_issued', 'fail', 'timeout'];

test('every declared transition steps as declared; every undeclared pair is refused', () => {
  for (const t of SESSION_TRANSITIONS) assert.equal(stepSession(t.from, t.event), t.to, `${t.from} --${t.event}-->`);
  for (const from of SESSION_STATES) {
    for (const ev of EVENTS) {
      const declared = SESSION_TRANSITIONS.some((t) => t.from === from && t.event === ev);
      if (!declared) assert.equal(stepSession(from, ev), null, `${from} --${ev}--> must be refused`);
    }
  }
  for (const s of TERMINAL_STATES) assert.ok(!SESSION_TRANSITIONS.some((t) => t.from === s), `${s} is terminal`);
  // every state of the admin API is reachable from pending
  const seen = new Set<string>(['pending']);
  for (let i = 0; i < 5; i++) for (const t of SESSION_TRANSITIONS) if (seen.has(t.from)) seen.add(t.to);
  assert.deepEqual([...seen].sort(), [...SESSION_STATES].sort());
});

test('Result-Code → HTTP follows TS.43 Table 7', () => {
  const noToken = { otherMethodPossible: false, hadToken: false };
  assert.deepEqual(mapAaaResult(1001, noToken), { status: 200, kind: 'continue' });
  assert.deepEqual(mapAaaResult(2001, noToken), { status: 200, kind: 'success' });
  for (const c of [4001, 5001, 5003]) assert.equal(mapAaaResult(c, noToken).status, 403, String(c));
  for (const c of [3001, 3002, 3010, 5002, 5004, 5017, null]) {
    assert.deepEqual(mapAaaResult(c, noToken), { status: 503, kind: 'unavailable', retryAfter: 30 }, String(c));
    assert.equal(mapAaaResult(c, { otherMethodPossible: true, hadToken: false }).status, 511);
    assert.equal(mapAaaResult(c, { otherMethodPossible: true, hadToken: true }).status, 503);
  }
});
