import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, suggestCommand } from './suggest.js';

const IDS = ['sessions', 'sessions:ls', 'sessions:show', 'entitlement', 'entitlement:get', 'entitlement:set', 'status', 'tokens:ls', 'tokens:revoke'];

test('edit distance', () => {
  assert.equal(editDistance('sesions', 'sessions'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('a mistyped topic or command is matched word by word; the rest stays as arguments', () => {
  assert.deepEqual(suggestCommand('sesions:ls', IDS), { command: 'sessions ls', rest: [] });
  assert.deepEqual(suggestCommand('entitlment:get:001019990000001', IDS), { command: 'entitlement get', rest: ['001019990000001'] });
  assert.deepEqual(suggestCommand('stauts', IDS), { command: 'status', rest: [] });
  assert.deepEqual(suggestCommand('tokens:revok:tok-1', IDS), { command: 'tokens revoke', rest: ['tok-1'] });
  // A known topic with an unknown subcommand: the topic (its help lists the commands).
  assert.deepEqual(suggestCommand('sessions:purge', IDS), { command: 'sessions', rest: ['purge'] });
  assert.equal(suggestCommand('frobnicate', IDS), undefined);
  assert.equal(suggestCommand('xx:ls', IDS), undefined);
});
