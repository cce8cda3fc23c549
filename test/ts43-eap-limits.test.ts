/**
 * EAP session limits at their defaults (issue 13 item 3; docs/eap-aka.md § Limits), over the real TS.43
 * listener: sessions started and abandoned for one IMSI stop at eap_aka.max_sessions_per_imsi (4), a
 * client address stops at its burst (50), each refusal is 503 + Retry-After and counted in /metrics;
 * abandoned sessions are swept and their slots come back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { SIM1, SIM2, firstRequestUrl, runUe, startHarness } from './ts43-harness.js';
import type { EapAuthService } from '../src/services/eap-auth/eap-auth-service.js';

const refused = async (r: Registry, limit: string) =>
  (await r.getSingleMetric('omnisep_eap_sessions_refused_total')!.get()).values.find((v) => v.labels.limit === limit)?.value ?? 0;

test('per IMSI (default 4): the 5th abandoned session of one SIM → 503 + Retry-After; swept after the timeout, it authenticates', async () => {
  const metrics = new Registry();
  const h = await startHarness({ defaultLimits: true, metrics });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await fetch(firstRequestUrl({ url: h.url, ...SIM1 }))).status);
    assert.deepEqual(codes, [200, 200, 200, 200, 503]);
    const over = await fetch(firstRequestUrl({ url: h.url, ...SIM1 }));
    assert.equal(over.status, 503);
    assert.equal(over.headers.get('retry-after'), '30', 'until the earliest session of the IMSI times out');
    assert.equal(await refused(metrics, 'imsi'), 2);
    assert.equal((await runUe({ url: h.url, ...SIM2 })).final.status, 200, 'another SIM is not affected');
    h.clock.advance(30_000);
    await (h.ctx.services.eapAuth as EapAuthService).sweep();
    assert.equal((await runUe({ url: h.url, ...SIM1 })).final.status, 200);
  } finally {
    await h.close();
  }
});

test('per client address (default burst 50, 10/s): the 51st new session from one address → 503 + Retry-After 1', async () => {
  const metrics = new Registry();
  const h = await startHarness({ defaultLimits: true, metrics, sets: ['eap_aka.max_sessions_per_imsi=1000'] });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 51; i++) codes.push((await fetch(firstRequestUrl({ url: h.url, ...SIM1 }))).status);
    assert.deepEqual(codes.filter((c) => c === 200).length, 50);
    const r = await fetch(firstRequestUrl({ url: h.url, ...SIM1 }));
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '1');
    assert.equal(await refused(metrics, 'client_rate'), 2);
    h.clock.advance(100); // 10/s: one token after 100 ms
    assert.equal((await runUe({ url: h.url, ...SIM2 })).final.status, 200);
  } finally {
    await h.close();
  }
});
