/**
 * `entitlement import|export` (JSON lines) through the real CLI against real daemons: bad lines by
 * number, dry run, round trip, re-run unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from './cli-harness.js';
import type { ImportSummary } from '../src/cli/bulk-import.js';
import { openCollection } from '../src/store/collections.js';
import { imsi, root, daemonAt, freshDir, daemonPerFile, cliOn, type D } from './import-helpers.js';

let d: D;
daemonPerFile((x) => { d = x; });

test('entitlement import/export: JSON lines round-trip, bad lines by number, dry run writes nothing', async () => {
  const file = join(root, 'ents.jsonl');
  writeFileSync(file, [
    JSON.stringify({ imsi: imsi(1), apps: { ap2004: { entitlement_status: 1, addr_status: 1 } } }),
    JSON.stringify({ imsi: imsi(2), apps: { ap2003: { entries: [{ access_type: 1, home_roaming_nw_type: 1, entitlement_status: 0 }] } } }),
    '{not json',
    JSON.stringify({ imsi: imsi(3), apps: { ap2004: { entitlement_status: 7 } } }),
    JSON.stringify({ imsi: imsi(1), apps: { ap2004: { entitlement_status: 0 } } }),
    '',
    JSON.stringify({ imsi: '123', apps: { ap2004: {} } }),
  ].join('\n'));
  const dry = parseJson<ImportSummary>(await cliOn(d, 'entitlement', 'import', file, '--dry-run', '--json'));
  assert.equal(dry.added, 2);
  assert.equal(await openCollection(d.daemon.ctx.store, 'entitlements').count(), 0, 'a dry run wrote');
  const r = await cliOn(d, 'entitlement', 'import', file, '--json');
  assert.equal(r.code, 1);
  const s = parseJson<ImportSummary>(r);
  assert.deepEqual(s.rejected.map((x) => [x.line, x.code]), [[3, 'json'], [4, 'invalid'], [5, 'duplicate'], [7, 'invalid']]);
  assert.equal(s.added, 2);
  const out = await cliOn(d, 'entitlement', 'export');
  assert.equal(out.code, 0);
  const rows = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((x) => [x.imsi, Object.keys(x.apps)]), [[imsi(1), ['ap2004']], [imsi(2), ['ap2003']]]);
  // Round trip: the export imported into an empty daemon exports the same apps.
  const d2 = await daemonAt(freshDir());
  try {
    const exported = join(root, 'ents-export.jsonl');
    writeFileSync(exported, out.stdout);
    const imp = parseJson<ImportSummary>(await cliOn(d2, 'entitlement', 'import', exported, '--json'));
    assert.equal(imp.added, 2);
    const back = (await cliOn(d2, 'entitlement', 'export')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(back.map((x) => [x.imsi, x.apps]), rows.map((x) => [x.imsi, x.apps]));
    const again = parseJson<ImportSummary>(await cliOn(d2, 'entitlement', 'import', exported, '--json'));
    assert.deepEqual([again.added, again.unchanged], [0, 2]);
  } finally {
    await d2.stop();
  }
});
