/**
 * Entitlement overrides per IMSI (ADMIN-API.md § Entitlements; TS43.md § Entitlements): the service that
 * owns the `entitlements` collection. The admin routes, the websheet and the TS.43 document builder go
 * through it, never through the collection. Every change of one IMSI's record is one atomic `update()`,
 * so two admins (or two daemons) setting two apps of one subscriber at once both land.
 */
import type { EntitlementData, EntitlementRecord } from '../../contracts/entitlements.js';
import type { Clock, Collection, Store, Tally } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { DEFAULT_ENTITLEMENTS, effectiveEntitlements } from './catalog.js';

export type EntitlementDefaults = Readonly<Record<string, EntitlementData | undefined>>;

export class EntitlementService {
  readonly #coll: Collection<EntitlementRecord>;

  constructor(store: Store, private readonly clock: Clock) {
    this.#coll = openCollection<EntitlementRecord>(store, 'entitlements');
  }

  get(imsi: string): Promise<EntitlementRecord | undefined> {
    return this.#coll.get(imsi);
  }

  /** As `get`, read-only: a parsed record read before may be handed out again, frozen (docs/storage.md § Shared reads). */
  getShared(imsi: string): Promise<Readonly<EntitlementRecord> | undefined> {
    return this.#coll.getShared(imsi);
  }

  /**
   * Records in IMSI order whose IMSI contains `query`, IMSIs greater than `after`, at most `limit`: the store tests
   * the keys (`scan`'s `contains`) and reads only the records that match.
   */
  async list(opts: { query?: string; after?: string; limit?: number } = {}): Promise<EntitlementRecord[]> {
    const page = await this.#coll.scan({
      ...(opts.after !== undefined ? { after: opts.after } : {}),
      ...(opts.query ? { contains: opts.query } : {}),
      limit: opts.limit ?? 1000,
    });
    return page.map(([, r]) => r);
  }

  count(): Promise<number> {
    return this.#coll.count();
  }

  tally(): Promise<Tally> {
    return this.#coll.tally();
  }

  /** Defaults (config `default_entitlements`, else the catalog's) merged with the IMSI's overrides. */
  async effective(imsi: string, defaults?: EntitlementDefaults): Promise<Record<string, EntitlementData>> {
    const rec = await this.#coll.get(imsi);
    return effectiveEntitlements({ ...DEFAULT_ENTITLEMENTS, ...(defaults ?? {}) }, rec?.apps);
  }

  /** Merge `data` field by field into the app's override (creating the record); returns the app's new override. */
  mergeApp(imsi: string, appId: string, data: EntitlementData): Promise<EntitlementData> {
    const at = new Date(this.clock.now()).toISOString();
    return this.#coll.update<EntitlementData>(imsi, (prev) => {
      const merged: EntitlementData = { ...(prev?.apps[appId] ?? {}), ...data };
      return { result: merged, put: { imsi, apps: { ...(prev?.apps ?? {}), [appId]: merged }, updated_at: at } };
    });
  }

  /** Drop every override of an IMSI; returns the record that was there. */
  remove(imsi: string): Promise<EntitlementRecord | undefined> {
    return this.#coll.take(imsi);
  }

  /** Drop one app's override (the record goes with its last app); false when there was none. */
  removeApp(imsi: string, appId: string): Promise<boolean> {
    const at = new Date(this.clock.now()).toISOString();
    return this.#coll.update<boolean>(imsi, (prev) => {
      if (!prev?.apps[appId]) return { result: false };
      const { [appId]: _gone, ...rest } = prev.apps;
      return Object.keys(rest).length ? { result: true, put: { imsi, apps: rest, updated_at: at } } : { result: true, delete: true };
    });
  }
}
