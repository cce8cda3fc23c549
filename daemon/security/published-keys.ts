/**
 * Published test keys in the subscriber store (docs/security.md § Refused configurations): a
 * production start refuses subscribers whose Ki is one of the Milenage conformance test sets
 * (3GPP TS 35.208 §4.3 sets 1–20; TS 35.207 sets 1–6 are the same keys) or a key of the lab
 * subscriber file. Anyone can compute their vectors, so such a SIM is not authenticated at all.
 *
 * The keys are read from the repository's own fixtures (fixtures/vectors/ts35208-milenage.json,
 * fixtures/subscribers/lab.csv), not repeated here. The check pages through the `subscribers`
 * collection once at start-up (production only): its cost grows with the store, which is why it
 * is off the request path. A Ki sealed under a key-encryption key (subscribers.kek / kek_file) is
 * opened with the daemon's keyring for the comparison (in memory only, never logged); a sealed record
 * the keyring cannot open is reported too (it cannot be checked, and cannot authenticate either).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Store } from '../../src/ports.js';
import { openCollection } from '../../src/store/collections.js';
import { parseSubscriberCsv } from '../../src/codec/subscriber-csv.js';
import { repoPath } from '../../src/util/repo-path.js';
import { LAB_SUBSCRIBERS_FILE } from '../../src/contracts/config-policy.js';
import { EMPTY_KEYRING, KeyWrapError, type Keyring } from '../../src/crypto/key-wrap.js';
import { isSealed, recordKeys, type KeyFields } from '../../src/services/subscriber-keys.js';

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

const named = (imsis: string[]): string => imsis.slice(0, 10).join(', ') + (imsis.length > 10 ? `, … (${imsis.length - 10} more)` : '');

/**
 * Problems for ConfigError: IMSIs (at most 10 named) whose Ki is a published test key, plain or sealed under a
 * KEK of `keyring`; and sealed records the keyring cannot open.
 */
export async function publishedKeyProblems(store: Store, pageSize = 1000, keyring: Keyring = EMPTY_KEYRING): Promise<string[]> {
  const keys = publishedTestKeys();
  const coll = openCollection<Partial<KeyFields>>(store, 'subscribers');
  const hits: string[] = [];
  const unreadable: string[] = [];
  const kiOf = (imsi: string, rec: Partial<KeyFields>): string | null => {
    const fields: KeyFields = { imsi: typeof rec.imsi === 'string' && rec.imsi ? rec.imsi : imsi, ki: String(rec.ki ?? ''), opc: String(rec.opc ?? ''), ...(rec.kek_id !== undefined ? { kek_id: rec.kek_id } : {}), ...(rec.keys_sealed !== undefined ? { keys_sealed: rec.keys_sealed } : {}) };
    if (!isSealed(fields)) return typeof rec.ki === 'string' && HEX32.test(rec.ki) ? rec.ki.toLowerCase() : null;
    try {
      return recordKeys(fields, keyring).ki.reveal().toString('hex');
    } catch (e) {
      if (!(e instanceof KeyWrapError)) throw e;
      unreadable.push(imsi);
      return null;
    }
  };
  let after: string | undefined;
  for (;;) {
    const page = await coll.scan({ ...(after !== undefined ? { after } : {}), limit: pageSize });
    for (const [imsi, rec] of page) {
      const ki = kiOf(imsi, rec);
      if (ki !== null && keys.has(ki)) hits.push(imsi);
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]![0];
  }
  const problems: string[] = [];
  if (hits.length) problems.push(`subscribers: ${hits.length} subscriber(s) use published test keys (TS 35.208/35.207 test sets or the lab file): ${named(hits)} (allowed in production: real SIM keys only; remove them with \`omnisep subscriber rm IMSI\`, or run with server.environment development)`);
  if (unreadable.length) problems.push(`subscribers: ${unreadable.length} subscriber(s) have keys sealed under a KEK this daemon does not hold, or damaged, so they cannot be checked for published test keys (nor authenticate): ${named(unreadable)} (set subscribers.kek_file to the KEK that sealed them, or list it in subscribers.previous_kek_files)`);
  return problems;
}
