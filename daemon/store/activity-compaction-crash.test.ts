/**
 * The activity log's compaction under a crash (daemon/store/activity-log.ts `compact`, docs/storage.md § Activity
 * log): a child compacts in a loop while 32 writers append, each to one of 2,000 IMSIs with a per-subscriber cap of
 * one, so every append kills a record the compaction may have copied, may be copying, or has not reached. SIGKILL at
 * a different instant each round: the log opens, and for every IMSI the record it holds is the last one acknowledged
 * for it or a later one (nothing acknowledged is lost, nothing dead comes back).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityFileLog } from './activity-log.js';
import { runUntilKilled } from '../../test/kill-child.js';

const IMSIS = 2000;
const CHILD = `
import { ActivityFileLog } from ${JSON.stringify(new URL('./activity-log.js', import.meta.url).href)};
import { randomUUID } from 'node:crypto';
const [file, round] = process.argv.slice(2);
const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1, compactMinDead: 1_000_000 });
let compactions = 0;
(async () => { for (;;) { await log.compact(); process.stdout.write('compacted ' + (++compactions) + '\\n'); } })();
let seq = 0;
async function writer(w) {
  for (let k = w; ; k += 32) {
    const n = seq++;
    const imsi = '0010100' + String(k % ${IMSIS}).padStart(8, '0');
    const id = randomUUID();
    await log.append({ id, timestamp: new Date().toISOString(), request_type: 'entitlement_query', request_method: 'GET', request_path: '/',
      imsi, msisdn: null, terminal_id: 't', terminal_vendor: null, terminal_model: null, terminal_sw_version: null, client_ip: '127.0.0.1',
      user_agent: null, auth_method: 'TOKEN', response_status: 200, response_code: 200, app_ids: [], request_headers: {},
      request_body: 'r' + round + ':' + n + ':'.padEnd(600, 'x'), response_body: null, response_summary: { seq: n, round: Number(round) } });
    process.stdout.write('ack ' + imsi + ' ' + round + ' ' + n + '\\n');
  }
}
for (let w = 0; w < 32; w++) void writer(w);
`;

test('compacting in a loop under 32 writers, SIGKILL at any instant: every IMSI keeps its last acknowledged record or a later one', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-act-crash-'));
  try {
    const script = join(dir, 'child.mjs');
    const file = join(dir, 'activity.jsonl');
    writeFileSync(script, CHILD);
    /** IMSI → [round, seq] of its last acknowledged record. */
    const last = new Map<string, [number, number]>();
    let compactions = 0;
    for (let round = 0; round < 5; round++) {
      // Once a compaction has finished under load, kill at a different point each round.
      const out = await runUntilKilled(script, [file, String(round)], (o) => o.includes('compacted '), 30 + round * 53);
      compactions += [...out.matchAll(/^compacted /gm)].length;
      for (const m of out.matchAll(/^ack (\d+) (\d+) (\d+)$/gm)) last.set(m[1]!, [Number(m[2]), Number(m[3])]);
      assert.ok(last.size > 0, `round ${round}: the child acknowledged appends before it was killed`);
      const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1, compactMinDead: 1_000_000 });
      try {
        for (const [imsi, [r, n]] of last) {
          const page = log.querySync({ imsi });
          assert.equal(page.total, 1, `round ${round}: ${imsi} has one live record`);
          const s = page.records[0]!.response_summary as { seq: number; round: number };
          assert.ok(s.round > r || (s.round === r && s.seq >= n), `round ${round}: ${imsi} holds round ${s.round} seq ${s.seq}, below the acknowledged round ${r} seq ${n}`);
        }
      } finally {
        await log.close();
      }
      assert.equal(existsSync(join(dir, '.activity.jsonl.compact.tmp')), false, 'an unfinished compaction\'s file is removed at open');
    }
    assert.ok(compactions >= 5, `${compactions} compactions finished under load`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
