/**
 * The admin API's substring search of a collection at a fleet's size (docs/performance.md § Twenty-sixth round):
 * `GET /api/entitlements?query=…` (`entitlement ls --query`) is `EntitlementService.list({ query })`, which reads the
 * subscribers' override records in IMSI order and keeps those whose IMSI holds the fragment. `xcap ls` searches the
 * XCAP profiles by MSISDN fragment the same way (`XcapService.list`, the same `scan`).
 *
 * In this process, on the embedded store users run (`createEmbeddedStore` in a temporary directory): `--records`
 * override records written (IMSIs 001010000000000 upwards), the store closed and opened again (a daemon after a
 * restart: the records are read from the snapshot when asked for), then each search twice, one build after the other
 * (`--root`: another build's, e.g. an export of an older commit, built):
 *
 *   - a fragment no IMSI holds (the whole collection looked at);
 *   - a fragment 19 IMSIs hold, spread over the collection (`99999`, at 1,000,000 records);
 *   - a fragment the first IMSIs hold (a page of 1,000 found at once).
 *
 * Each: the wall time, this process's CPU, and the longest the event loop waited meanwhile (a 1 ms timer's longest
 * gap: a request arriving then waits that long).
 *
 *   npx tsc && node dist/bench/admin-search.bench.js [--records 1000000] [--root DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { watched } from './watched.js';
import type { createEmbeddedStore as CreateStore } from '../daemon/store/embedded-store.js';
import type { EntitlementService as EntitlementServiceClass } from '../src/services/entitlements/overrides.js';
import type { openCollection as OpenCollection } from '../src/store/collections.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, root: { type: 'string' } } });
const RECORDS = Number(values.records);
const here = resolve(import.meta.dirname, '..', '..');
const builds = [['this build', here], ...(values.root ? [['--root', resolve(values.root)]] : [])] as const;

interface Build { createEmbeddedStore: typeof CreateStore; EntitlementService: typeof EntitlementServiceClass; openCollection: typeof OpenCollection }
const load = async (root: string): Promise<Build> => ({
  ...(await import(pathToFileURL(join(root, 'dist/daemon/store/embedded-store.js')).href) as { createEmbeddedStore: typeof CreateStore }),
  ...(await import(pathToFileURL(join(root, 'dist/src/services/entitlements/overrides.js')).href) as { EntitlementService: typeof EntitlementServiceClass }),
  ...(await import(pathToFileURL(join(root, 'dist/src/store/collections.js')).href) as { openCollection: typeof OpenCollection }),
});

const imsi = (i: number) => `00101${String(i).padStart(10, '0')}`;
const clock = { now: () => Date.now() };

for (const [label, root] of builds) {
  const b = await load(root);
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-bench-search-'));
  try {
    let store = await b.createEmbeddedStore({ dataDir: dir });
    const coll = b.openCollection<{ imsi: string; apps: Record<string, unknown>; updated_at: string }>(store, 'entitlements');
    const at = new Date().toISOString();
    for (let i = 0; i < RECORDS; i += 10_000) {
      await coll.putMany(Array.from({ length: Math.min(10_000, RECORDS - i) }, (_, k) => [imsi(i + k), { imsi: imsi(i + k), apps: { ap2004: { entitlement_status: 1 } }, updated_at: at }] as const));
    }
    await store.close();
    store = await b.createEmbeddedStore({ dataDir: dir });
    try {
      const svc = new b.EntitlementService(store, clock);
      for (const [what, query] of [['no IMSI holds it', 'abc'], ['19 IMSIs hold it', '99999'], ['the first IMSIs hold it', '0000']] as const) {
        for (let run = 1; run <= 2; run++) {
          const w = await watched(() => svc.list({ query }));
          console.log(`${label}: ${RECORDS.toLocaleString('en')} records, query "${query}" (${what}), run ${run}: ${w.result.length} found in ${w.wallS.toFixed(3)} s, CPU ${w.cpuS.toFixed(3)} s; longest event-loop wait ${Math.round(w.gapMs)} ms`);
        }
      }
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
