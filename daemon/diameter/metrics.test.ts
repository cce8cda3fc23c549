import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createDiameterMetrics } from './metrics.js';

test('two nodes on one registry (serve and the built-in AAA) share the answer-time histogram', async () => {
  const reg = new Registry();
  const a = createDiameterMetrics(reg);
  const b = createDiameterMetrics(reg);
  a.answerTime('aaa.localdomain', 'DER', 0.0007);
  b.answerTime('aaa.localdomain', 'DER', 0.003);
  b.answerTime('hss.localdomain', 'MAR', 0.02);
  const text = await reg.metrics();
  const value = (sel: string) => Number(text.split('\n').find((l) => l.startsWith(sel))?.split(' ').at(-1));
  const der = '{peer="aaa.localdomain",command="DER"';
  assert.equal(value(`omnisep_diameter_answer_seconds_count${der}}`), 2);
  assert.equal(value(`omnisep_diameter_answer_seconds_sum${der}}`), 0.0037);
  // Cumulative buckets: 0.7 ms is in le=0.001 onwards, 3 ms from le=0.005.
  assert.equal(value(`omnisep_diameter_answer_seconds_bucket{le="0.001",peer="aaa.localdomain",command="DER"}`), 1);
  assert.equal(value(`omnisep_diameter_answer_seconds_bucket{le="0.005",peer="aaa.localdomain",command="DER"}`), 2);
  assert.equal(value('omnisep_diameter_answer_seconds_count{peer="hss.localdomain",command="MAR"}'), 1);
  assert.equal(text.match(/^# TYPE omnisep_diameter_answer_seconds histogram$/gm)?.length, 1);
});
