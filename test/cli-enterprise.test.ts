/**
 * `omnisep enterprise add|ls|show|rm` (docs/odsa.md § ap2011 Admin) against a real daemon over its control
 * socket: the enterprise lands in the store with its requestors and plans, ls/show print it (human and
 * --json), a malformed --plan is a usage error before anything is sent, rm removes it and a second rm exits 3 (not found).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { parseJson } from './cli-harness.js';
import { root, daemonAt, freshDir, cliOn } from './import-helpers.js';
import type { EnterpriseDetail, EnterpriseList, EnterpriseView } from '../src/contracts/enterprise.js';

after(() => rmSync(root, { recursive: true, force: true }));

test('enterprise add, ls, show, rm', async () => {
  const d = await daemonAt(freshDir());
  try {
    const add = await cliOn(d, 'enterprise', 'add', 'acme', '--name', 'ACME Corp', '--requestor', 'mdm.acme.example', '--requestor', 'mdm2.acme.example', '--plan', 'ent-basic:Basic:5 GB a month: data only', '--plan', 'ent-plus:Plus', '--json');
    assert.equal(add.code, 0, add.stderr);
    const v = parseJson<EnterpriseView>(add);
    assert.deepEqual(v.requestor_ids, ['mdm.acme.example', 'mdm2.acme.example']);
    assert.deepEqual(v.plans, [{ plan_id: 'ent-basic', plan_name: 'Basic', plan_description: '5 GB a month: data only' }, { plan_id: 'ent-plus', plan_name: 'Plus', plan_description: '' }]);
    assert.equal(v.eligibility, 1);

    const human = await cliOn(d, 'enterprise', 'ls');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /acme/);
    assert.match(human.stdout, /ent-basic,ent-plus/);
    assert.equal(parseJson<EnterpriseList>(await cliOn(d, 'enterprise', 'ls', '--json')).count, 1);

    const show = await cliOn(d, 'enterprise', 'show', 'acme', '--json');
    assert.equal(parseJson<EnterpriseDetail>(show).enterprise.name, 'ACME Corp');
    assert.match((await cliOn(d, 'enterprise', 'show', 'acme')).stdout, /no subscriptions/);

    const bad = await cliOn(d, 'enterprise', 'add', 'globex', '--requestor', 'mdm.globex.example', '--plan', 'justanid');
    assert.equal(bad.code, 2, 'a usage error');
    assert.match(bad.stderr, /--plan justanid: expected ID:NAME\[:DESCRIPTION\]/);
    const badId = await cliOn(d, 'enterprise', 'add', 'acme corp', '--requestor', 'x');
    assert.notEqual(badId.code, 0, 'an id with a space is refused by the API schema');

    assert.equal((await cliOn(d, 'enterprise', 'rm', 'acme')).code, 0);
    const again = await cliOn(d, 'enterprise', 'rm', 'acme');
    assert.equal(again.code, 3, 'a 4xx from the daemon');
    assert.match(again.stderr, /no enterprise acme/);
  } finally {
    await d.stop();
  }
});
