/**
 * The driver conformance suite (test/pg-conformance.ts) on the drivers that need no database: the memory driver
 * (the reference) and the embedded journal driver, each store in a fresh data directory. PostgreSQL runs the same
 * cases in test/pg-store.test.ts.
 */
import { after, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { SubscriberService } from '../src/services/subscribers.js';
import { openCollection } from '../src/store/collections.js';
import { conformanceCases, importRaceCase, retentionCase } from './pg-conformance.js';

const dirs: string[] = [];
const freshDir = () => { const d = mkdtempSync(join(tmpdir(), 'omnisep-conf-')); dirs.push(d); return d; };
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('memory driver (the reference for the conformance suite)', () => {
  for (const [name, fn] of conformanceCases({ open: async () => createMemoryStore(), second: async () => null })) test(name, fn);
  test('activity retention', () => retentionCase(async (o) => createMemoryStore(o)));
});

describe('embedded driver', () => {
  for (const [name, fn] of conformanceCases({ open: async () => createEmbeddedStore({ dataDir: freshDir() }), second: async () => null })) test(name, fn);
  // Retention: daemon/store/activity-log.test.ts (the age limit is applied by a 10-second timer here, not on every read).
});

test('an import batch racing subscriber add of the same IMSIs (embedded): each IMSI written by exactly one', async () => {
  const s = await createEmbeddedStore({ dataDir: freshDir() });
  try {
    await importRaceCase(new SubscriberService(s), new SubscriberService(s), openCollection(s, 'subscribers'));
  } finally {
    await s.close();
  }
});
