/**
 * Rate limits where a secret can be guessed (issue 13): XCAP Digest failures per user lock that
 * user out (429 + Retry-After, even with the right password) and are counted in /metrics; the
 * limiter keeps bounded memory. (The admin API lock-out is in security-http.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLimiter } from '../src/util/failure-limiter.js';
import { DOC_PATH, digestAuthorization, MSISDN, OTHER, PASSWORD, startXcapDaemon } from './xcap-helpers.js';

const challengeOf = (h: unknown) => String(Array.isArray(h) ? h[0] : h).split(/,\s*(?=Digest )/)[0]!;

test('FailureLimiter: locks after maxFailures within the window, for the window; success clears; memory bounded', () => {
  const l = new FailureLimiter({ maxFailures: 3, windowMs: 1000, maxKeys: 100 });
  assert.equal(l.fail('u', 0), false);
  assert.equal(l.fail('u', 10), false);
  assert.equal(l.fail('u', 20), true);
  assert.ok(l.lockedFor('u', 500) > 0);
  assert.equal(l.lockedFor('u', 1021), 0);
  l.fail('v', 0); l.succeed('v');
  assert.equal(l.lockedFor('v', 1), 0);
  for (let i = 0; i < 1050; i++) {
    l.fail(`spray${i}`, 0);
    l.fail(`spray${i}`, 0);
    assert.ok(l.size <= 200, `${l.size} keys tracked (maxKeys 100, at most twice as many)`);
  }
  // The 100 keys that failed last are tracked: a third failure locks each; the first sprayed was forgotten.
  for (let i = 950; i < 1050; i++) assert.equal(l.fail(`spray${i}`, 1), true, `spray${i}`);
  assert.equal(l.fail('spray0', 1), false, 'forgotten: its count starts over');
});

test('XCAP Digest: wrong passwords for one user lock that user out with 429, counted; another user is unaffected', async () => {
  const d = await startXcapDaemon(['xcap.trusted_proxies=[]', 'xcap.max_digest_failures=3', 'xcap.digest_lockout_seconds=60']);
  try {
    const attempt = async (username: string, password: string) => {
      const first = await d.xcap('GET', DOC_PATH, { as: null });
      const authorization = digestAuthorization({ challenge: challengeOf(first.headers['www-authenticate']), method: 'GET', uri: DOC_PATH, username, password });
      return d.xcap('GET', DOC_PATH, { as: null, headers: { authorization } });
    };
    for (let i = 0; i < 3; i++) assert.equal((await attempt(MSISDN, `wrong-${i}`)).status, 401);
    const locked = await attempt(MSISDN, PASSWORD);
    assert.equal(locked.status, 429, locked.text);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    const other = await attempt(OTHER, 'wrong');
    assert.equal(other.status, 401, 'the lock-out is per user');
    const metrics = (await d.call('GET', '/metrics')).text;
    assert.match(metrics, /omnisep_auth_lockouts_total\{[^}]*listener="xcap_digest"[^}]*\} 1\n/);
    assert.match(metrics, /omnisep_auth_failures_total\{[^}]*listener="xcap_digest"[^}]*\} 4\n/);
  } finally {
    await d.stop();
  }
});
