/**
 * Entitlement overrides in bulk (docs/operations.md § Bulk import and
 * export): a batch of rows, each the whole override record of one IMSI,
 * validated app by app with the TS.43 catalog (the same check as `entitlement
 * set`); new IMSIs written with one `insertMany` (create-if-absent, atomic per
 * key against a concurrent `entitlement set` on any daemon), replacements with
 * one `putMany` — each one durable commit, so a record is never half-written. Export pages through the collection in key
 * order (`scan`), never loading it whole.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Clock, Collection, Store } from '../ports.js';
import { openCollection } from '../store/collections.js';
import type { EntitlementData, EntitlementRecord } from '../contracts/entitlements.js';
import type { BatchResult, EntitlementBatchRow, RejectedLine } from '../contracts/imports.js';
import { normaliseAppId, validateEntitlement } from './entitlements/catalog.js';

const EXISTS = 'the IMSI has other overrides (use --replace to overwrite them)';

export class EntitlementBulk {
  readonly #coll: Collection<EntitlementRecord>;

  constructor(store: Store, private readonly clock: Clock = { now: Date.now }) {
    this.#coll = openCollection<EntitlementRecord>(store, 'entitlements');
  }

  async applyBatch(rows: readonly EntitlementBatchRow[], opts: { replace?: boolean; dryRun?: boolean } = {}): Promise<Omit<BatchResult, 'status'>> {
    const out = { dry_run: Boolean(opts.dryRun), added: 0, replaced: 0, unchanged: 0, rejected: [] as RejectedLine[] };
    const now = new Date(this.clock.now()).toISOString();
    const puts: Array<[string, EntitlementRecord]> = [];
    const inserts: Array<[string, EntitlementRecord]> = [];
    const fresh = new Map<string, number>();
    const olds = await Promise.all(rows.map((r) => (/^[0-9]{15}$/.test(r.imsi) ? this.#coll.get(r.imsi) : Promise.resolve(undefined))));
    const inBatch = new Set<string>();
    rows.forEach((row, i) => {
      const reject = (code: RejectedLine['code'], error: string) => out.rejected.push({ line: row.line, code, error });
      if (!/^[0-9]{15}$/.test(row.imsi)) return reject('invalid', 'imsi must be 15 digits');
      if (inBatch.has(row.imsi)) return reject('duplicate', 'IMSI appears twice in one batch');
      const apps: Record<string, EntitlementData> = {};
      const errors: string[] = [];
      for (const [id, data] of Object.entries(row.apps)) {
        const appId = normaliseAppId(id);
        const v = validateEntitlement(appId, data);
        if (!v.ok) errors.push(`${appId}: ${v.errors.join('; ')}`);
        else apps[appId] = v.value;
      }
      if (errors.length) return reject('invalid', errors.join('; '));
      if (!Object.keys(apps).length) return reject('invalid', 'apps must name at least one app');
      inBatch.add(row.imsi);
      const old = olds[i];
      const rec = { imsi: row.imsi, apps, updated_at: now };
      if (old && isDeepStrictEqual(old.apps, apps)) return void out.unchanged++;
      if (old && !opts.replace) return reject('exists', EXISTS);
      if (old) { out.replaced++; puts.push([row.imsi, rec]); return; }
      out.added++;
      fresh.set(row.imsi, row.line);
      inserts.push([row.imsi, rec]);
    });
    if (opts.dryRun) return out;
    if (puts.length) await this.#coll.putMany(puts);
    const conflicts = inserts.length ? await this.#coll.insertMany(inserts) : [];
    const byImsi = new Map(inserts);
    for (const imsi of conflicts) {
      // Set by someone else (`entitlement set`, another import) since the read: judged again, atomically.
      const rec = byImsi.get(imsi)!;
      out.added--;
      const verdict = await this.#coll.update<'added' | 'unchanged' | 'exists' | 'replaced'>(imsi, (cur) => {
        if (!cur) return { result: 'added', put: rec };
        if (isDeepStrictEqual(cur.apps, rec.apps)) return { result: 'unchanged' };
        return opts.replace ? { result: 'replaced', put: rec } : { result: 'exists' };
      });
      if (verdict === 'exists') out.rejected.push({ line: fresh.get(imsi)!, code: 'exists', error: EXISTS });
      else out[verdict]++;
    }
    if (conflicts.length) out.rejected.sort((a, b) => a.line - b.line);
    return out;
  }

  async exportPage(after: string | undefined, limit: number): Promise<{ rows: EntitlementRecord[]; next: string | null }> {
    const page = await this.#coll.scan({ ...(after ? { after } : {}), limit });
    return { rows: page.map(([, r]) => r), next: page.length === limit ? page[page.length - 1]![0] : null };
  }
}
