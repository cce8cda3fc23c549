import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyChains } from './key-chains.js';

const later = () => new Promise((r) => setTimeout(r, 5));

test('runs on one key go one after another, after a failed one too; other keys do not wait; settled keys are forgotten', async () => {
  const c = new KeyChains();
  const log: string[] = [];
  const step = (name: string, fail = false) => async () => { log.push(`${name}+`); await later(); log.push(`${name}-`); if (fail) throw new Error(name); return name; };
  const a1 = c.run(['a'], step('a1', true));
  const a2 = c.run(['a'], step('a2'));
  const b1 = c.run(['b'], step('b1'));
  await assert.rejects(a1, /a1/);
  assert.equal(await a2, 'a2');
  assert.equal(await b1, 'b1');
  assert.deepEqual(log.filter((x) => x.startsWith('a')), ['a1+', 'a1-', 'a2+', 'a2-'], 'a2 starts after a1 settled, though a1 failed');
  assert.ok(log.indexOf('b1+') < log.indexOf('a1-'), 'b does not wait for a');
  await later();
  assert.equal(c.size, 0);
});

test('a run on several keys waits for each of them, and later runs on any of them wait for it', async () => {
  const c = new KeyChains();
  const log: string[] = [];
  const step = (name: string) => async () => { log.push(`${name}+`); await later(); log.push(`${name}-`); };
  const runs = [c.run(['x'], step('x')), c.run(['y'], step('y')), c.run(['x', 'y'], step('xy')), c.run(['y'], step('y2'))];
  await Promise.all(runs);
  assert.ok(log.indexOf('xy+') > log.indexOf('x-') && log.indexOf('xy+') > log.indexOf('y-'));
  assert.ok(log.indexOf('y2+') > log.indexOf('xy-'));
});
