/** Every topic of the command tree has a summary of its own (src/cli/topics.ts), so `omnisep --help` never describes a topic by its first subcommand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '@oclif/core';
import { repoPath } from '../src/util/repo-path.js';
import { TOPIC_SUMMARIES } from '../src/cli/topics.js';

test('every topic (db, vvm account, …) has its own summary', async () => {
  const config = await Config.load(repoPath());
  const topics = new Set<string>();
  for (const id of config.commandIDs) {
    const parts = id.split(':');
    for (let i = 1; i < parts.length; i++) topics.add(parts.slice(0, i).join(':'));
  }
  assert.ok(topics.has('db') && topics.has('vvm:account'), [...topics].join(' '));
  for (const t of topics) assert.ok(TOPIC_SUMMARIES[t], `topic "${t.replaceAll(':', ' ')}" has no summary in src/cli/topics.ts`);
});
