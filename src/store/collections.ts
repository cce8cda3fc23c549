/**
 * Every collection the daemon keeps, with its kind and indexes (docs/storage.md). Services open their
 * collections through `openCollection(store, name)` so that every caller, every driver, the PostgreSQL
 * migrations and `omnisep db copy` agree on one list. A new area adds its rows here.
 */
import type { Collection, CollectionSpec, Store } from '../ports.js';

export const COLLECTIONS = {
  /** Subscribers and their keys (Ki/OPc; never returned by any API). SQN lives in `sqn`, not here. */
  subscribers: { kind: 'provisioning', indexes: ['msisdn'] },
  /** SQN_HE per IMSI (TS 33.102 Annex C): advanced on every vector with an atomic update. */
  sqn: { kind: 'state' },
  entitlements: { kind: 'provisioning' },
  xcap_profiles: { kind: 'provisioning', indexes: ['imsi'] },
  websheet: { kind: 'provisioning' },
  /** The live websheet link per IMSI (docs/security.md § Websheet tokens): deleted on submit, revoke, override or subscriber removal. */
  websheet_grants: { kind: 'state' },
  /** The built-in HSS's Sh repository data (DIAMETER.md § Sh). */
  sh_repository: { kind: 'provisioning' },
  /** TS.43 tokens by token_id; `binding` is the digest of IMSI + terminal_id + app_name (one live token per binding). */
  tokens: { kind: 'state', indexes: ['imsi', 'binding'] },
  /** The admin view of EAP sessions (SessionView). */
  sessions: { kind: 'volatile', indexes: ['imsi'] },
  /** The server side of an EAP session in flight, sealed with the cluster key, so any daemon can take the next step. */
  eap_state: { kind: 'volatile' },
} as const satisfies Record<string, CollectionSpec>;

export type CollectionId = keyof typeof COLLECTIONS;

export function openCollection<T>(store: Store, name: CollectionId): Collection<T> {
  return store.collection<T>(name, COLLECTIONS[name]);
}
