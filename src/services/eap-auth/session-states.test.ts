import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_STATES } from '../../contracts/sessions.js';
import { SESSION_TRANSITIONS, TERMINAL_STATES, stepSession, type SessionEvent } from './session-states.js';
import { classifyAaaResult, mapAaaResult } from './result-codes.js';

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

test('Diameter result → HTTP follows TS.43 Table 7; a base code is never read as the 3GPP code of the same number', () => {
  const noToken = { otherMethodPossible: false, hadToken: false };
  const base = (resultCode: number) => ({ resultCode });
  const exp = (code: number, vendorId = 10415) => ({ experimental: { vendorId, code } });
  assert.deepEqual(mapAaaResult(base(1001), noToken), { status: 200, kind: 'continue' });
  assert.deepEqual(mapAaaResult(base(2001), noToken), { status: 200, kind: 'success' });
  for (const r of [base(4001), base(5003), exp(5001), exp(5003), exp(5004), exp(5450)]) assert.equal(mapAaaResult(r, noToken).status, 403, JSON.stringify(r));
  // base 5001 DIAMETER_AVP_UNSUPPORTED: the AAA could not read our DER — not "user unknown".
  for (const r of [base(3001), base(3002), base(3010), base(5001), base(5002), base(5004), base(5017), exp(5001, 9), exp(5105), null]) {
    assert.deepEqual(mapAaaResult(r, noToken), { status: 503, kind: 'unavailable', retryAfter: 30 }, JSON.stringify(r));
    assert.equal(mapAaaResult(r, { otherMethodPossible: true, hadToken: false }).status, 511);
    assert.equal(mapAaaResult(r, { otherMethodPossible: true, hadToken: true }).status, 503);
  }
  assert.equal(classifyAaaResult(exp(5001)), 'user_unknown');
  assert.equal(classifyAaaResult(base(5001)), 'unavailable');
});
