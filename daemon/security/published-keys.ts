/**
 * Published test keys in the subscriber store (docs/security.md § Refused configurations): a
 * production start refuses subscribers whose Ki is one of the Milenage conformance test sets
 * (3GPP TS 35.208 §4.3 sets 1–20; TS 35.207 sets 1–6 are the same keys) or a key of the lab
 * subscriber file. Anyone can compute their vectors, so such a SIM is not authenticated at all.
 *
 * The keys are read from the repository's own fixtures (fixtures/vectors/ts35208-milenage.json,
 * fixtures/subscribers/lab.csv), not repeated here. The check pages through the `subscribers`
 * collection once at start-up (production only): its cost grows with the store, which is why it
 * is off the request path. A Ki stored encrypted (a key-encryption key) cannot be compared and is
 * skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Store } from '../../src/ports.js';
import { openCollection } from '../../src/store/collections.js';
import { parseSubscriberCsv } from '../../src/codec/subscriber-csv.js';
import { repoPath } from '../../src/util/repo-path.js';
import { LAB_SUBSCRIBERS_FILE } from '../../src/contracts/config-policy.js';

const HEX32 = /^[0-9a-f]{32}$/i;

/** Every published test Ki, lower-case hex. Throws when the vector fixture is missing (the check must not pass silently). */
export function publishedTestKeys(): Set<string> {
  const out = new Set<string>();
  const vectors = JSON.parse(readFileSync(repoPath('fixtures', 'vectors', 'ts35208-milenage.json'), 'utf8')) as { sets: Array<{ k: string }> };
  for (const s of vectors.sets) out.add(s.k.toLowerCase());
  const lab = repoPath(...LAB_SUBSCRIBERS_FILE.split('/'));
  if (existsSync(lab)) {
    const csv = parseSubscriberCsv(readFileSync(lab, 'utf8'));
    if (csv.ok) for (const row of csv.rows) if (row.cells.ki && HEX32.test(row.cells.ki)) out.add(row.cells.ki.toLowerCase());
  }
  return out;
}

/** Problems for ConfigError: IMSIs (at most 10 named) whose Ki is a published test key. */
export async function publishedKeyProblems(store: Store, pageSize = 1000): Promise<string[]> {
  const keys = publishedTestKeys();
  const coll = openCollection<{ ki?: unknown }>(store, 'subscribers');
  const hits: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await coll.scan({ ...(after !== undefined ? { after } : {}), limit: pageSize });
    for (const [imsi, rec] of page) if (typeof rec.ki === 'string' && HEX32.test(rec.ki) && keys.has(rec.ki.toLowerCase())) hits.push(imsi);
    if (page.length < pageSize) break;
    after = page[page.length - 1]![0];
  }
  if (!hits.length) return [];
  const named = hits.slice(0, 10).join(', ') + (hits.length > 10 ? `, … (${hits.length - 10} more)` : '');
  return [`subscribers: ${hits.length} subscriber(s) use published test keys (TS 35.208/35.207 test sets or the lab file): ${named} (allowed in production: real SIM keys only; remove them with \`omnisep subscriber rm IMSI\`, or run with server.environment development)`];
}
