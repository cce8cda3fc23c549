/**
 * Pipelined commits on the embedded store (src/store/map-collection.ts, docs/storage.md § Writes of one key in
 * flight): 32 writers advance one SQN record at once, so many updates of the key wait in the same group commit.
 * SIGKILL at a different instant each round: the SQN on disk is never below one a writer was given (an SQN is
 * never handed out twice across a crash), and one token write per writer round survives as acknowledged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedStore } from './embedded-store.js';
import { COLLECTIONS, openCollection } from '../../src/store/collections.js';
import { runUntilKilled } from '../../test/kill-child.js';

const CHILD = `
import { createEmbeddedStore } from ${JSON.stringify(new URL('./embedded-store.js', import.meta.url).href)};
const s = await createEmbeddedStore({ dataDir: process.argv[2], activity: { retentionIntervalMs: 0 } });
const sqn = s.collection('sqn', ${JSON.stringify(COLLECTIONS.sqn)});
const tokens = s.collection('tokens', ${JSON.stringify(COLLECTIONS.tokens)});
process.stdout.write('ready\\n');
let n = 0;
async function writer(w) {
  for (;;) {
    const v = await sqn.update('001010000000001', (cur) => { const next = (cur?.sqn ?? 0) + 32; return { result: next, put: { sqn: next } }; });
    process.stdout.write('sqn ' + v + '\\n');
    const id = 't' + w + '-' + (n++);
    await tokens.put(id, { token_id: id, imsi: '001010000000001', binding: 'b' + w });
    process.stdout.write('tok ' + id + '\\n');
  }
}
for (let w = 0; w < 32; w++) void writer(w);
`;

test('32 writers on one SQN record, SIGKILL at any instant: the stored SQN is never below one acknowledged; acknowledged tokens are there', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-pipelined-'));
  const script = join(dir, 'child.mjs');
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(script, CHILD);
  let acked = 0;
  const tokens: string[] = [];
  for (let round = 0; round < 5; round++) {
    // Kill once writes are flowing, at a different point each round.
    const out = await runUntilKilled(script, [data], (o) => o.includes('\nsqn '), 40 + round * 67);
    const seen = [...out.matchAll(/^sqn (\d+)$/gm)].map((m) => Number(m[1]));
    assert.ok(seen.length > 0, `round ${round}: the child acknowledged SQNs before it was killed`);
    assert.equal(new Set(seen).size, seen.length, `round ${round}: no SQN handed out twice`);
    for (const v of seen) assert.ok(v > acked, `round ${round}: SQN ${v} was handed out again after a crash (${acked} acknowledged before)`);
    acked = Math.max(acked, ...seen);
    tokens.push(...[...out.matchAll(/^tok (\S+)$/gm)].map((m) => m[1]!));
    const s = await createEmbeddedStore({ dataDir: data, activity: { retentionIntervalMs: 0 } });
    const stored = await openCollection<{ sqn: number }>(s, 'sqn').get('001010000000001');
    assert.ok(stored && stored.sqn >= acked, `round ${round}: stored SQN ${stored?.sqn} below the acknowledged ${acked}`);
    const tc = openCollection<{ token_id: string }>(s, 'tokens');
    for (const id of tokens) assert.ok(await tc.get(id), `round ${round}: acknowledged token ${id} lost`);
    await s.close();
  }
});
