/**
 * IDs by unique prefix on the admin API (docs/cli.md § IDs), as `docker rm 4f2e` or git's short hashes:
 * `GET /api/tokens/6f1c` answers the one token whose token_id starts with `6f1c`. The lookup is an ordered
 * key range of the store (`scan({prefix})`: PostgreSQL's C-collated primary key, the embedded driver's sorted
 * keys) or the activity log's own id index, at most a few candidates read (what each driver's range read
 * costs: docs/cli.md § IDs, bench/id-prefix.bench.ts).
 *
 * An exact id always wins. A prefix shorter than MIN_ID_PREFIX characters is only an exact id. Several
 * matches are refused with 409 `OMNISEP_ID_AMBIGUOUS` naming them (the CLI exits 3, as for any refusal);
 * none leaves the id as given, so the route answers its usual 404.
 */
import type { Collection } from '../../../src/ports.js';
import { MIN_ID_PREFIX } from '../../../src/store/id-prefix-index.js';
import { AdminError } from './route-kit.js';

/** How many candidates an ambiguous answer names. */
const SHOWN = 10;

/** Where candidates come from: ids starting with the prefix, in id order, at most `limit`. */
export type IdSource = (prefix: string, limit: number) => Promise<string[]>;

/** Keys of a collection starting with `prefix` (one ordered range read); `live` drops records that no longer count (expired). */
export function keysWithPrefix<T>(coll: Collection<T>, live: (value: T) => boolean = () => true): IdSource {
  return async (prefix, limit) => (await coll.scan({ prefix, limit })).filter(([, v]) => live(v)).map(([k]) => k);
}

/** The full id `id` stands for: itself when exact or unknown, the one id it is a prefix of, or 409 listing them. */
export async function resolveIdPrefix(id: string, what: string, sources: readonly IdSource[]): Promise<string> {
  if (id.length < MIN_ID_PREFIX) return id;
  const found = new Set<string>();
  for (const source of sources) for (const k of await source(id, SHOWN + 1)) found.add(k);
  if (found.has(id) || found.size === 0) return id;
  const ids = [...found].sort();
  if (ids.length === 1) return ids[0]!;
  const shown = ids.slice(0, SHOWN);
  throw new AdminError(409, 'OMNISEP_ID_AMBIGUOUS',
    `${what} "${id}" is ambiguous: it starts ${ids.length > SHOWN ? `more than ${SHOWN}` : ids.length} ids (${shown.join(', ')}${ids.length > SHOWN ? ', …' : ''}); give more characters`,
    { candidates: shown });
}
