/**
 * The PostgreSQL schema, as versioned migrations (docs/storage.md § PostgreSQL).
 *
 * Each migration runs once, in order, inside one transaction that holds a transaction-level advisory
 * lock, so two daemons starting together never both apply it: the second waits, then sees the version
 * already recorded. `schema_version` keeps one row per applied migration. A database whose highest
 * version is above the last one listed here was migrated by a newer omnisep: the start refuses it
 * (`SchemaTooNewError`), since this binary does not know what the newer schema means.
 *
 * Besides the versioned steps, `declaredIndexSql` derives one partial expression index per index declared
 * in src/store/collections.ts (`CREATE INDEX IF NOT EXISTS`, under the same lock): a collection that gains an
 * index in the registry gets it at the next start, without a hand-written migration that could drift.
 */
import type { CollectionSpec } from '../../../src/ports.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Key of the advisory lock taken while migrating (any constant; "omnisep" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6f6d6e69736570n;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, volatile records, activity',
    sql: `
      CREATE TABLE schema_version (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by text NOT NULL
      );

      -- Provisioning and state collections: one row per record, rev for compare-and-set.
      CREATE TABLE records (
        collection text   NOT NULL,
        key        text   NOT NULL COLLATE "C",
        value      jsonb  NOT NULL,
        rev        bigint NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (collection, key)
      );

      -- Volatile collections (an EAP session in flight): shared by the daemons, but UNLOGGED (no WAL):
      -- a crash of the database empties it, which loses only sessions the phones restart anyway.
      CREATE UNLOGGED TABLE volatile_records (
        collection text   NOT NULL,
        key        text   NOT NULL COLLATE "C",
        value      jsonb  NOT NULL,
        rev        bigint NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (collection, key)
      );

      -- The activity log: filter columns beside the whole record, seq for a stable newest-first order.
      CREATE TABLE activity (
        seq          bigserial PRIMARY KEY,
        id           text NOT NULL UNIQUE,
        ts           timestamptz NOT NULL,
        node         text,
        request_type text NOT NULL,
        imsi         text,
        msisdn       text,
        terminal_id  text,
        client_ip    text,
        request_path text NOT NULL,
        record       jsonb NOT NULL
      );
      CREATE INDEX activity_ts ON activity (ts DESC, seq DESC);
      CREATE INDEX activity_imsi ON activity (imsi, ts DESC, seq DESC) WHERE imsi IS NOT NULL;
      CREATE INDEX activity_type ON activity (request_type, ts DESC, seq DESC);
      CREATE INDEX activity_terminal ON activity (terminal_id, ts DESC, seq DESC) WHERE terminal_id IS NOT NULL;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The table a collection of this kind lives in. */
export const tableFor = (spec: CollectionSpec): 'records' | 'volatile_records' =>
  spec.kind === 'volatile' ? 'volatile_records' : 'records';

const IDENT = /^[a-z][a-z0-9_]{0,40}$/;

/** Name of the partial expression index behind `find(field, …)` on a collection. */
export function indexName(collection: string, field: string): string {
  if (!IDENT.test(collection) || !IDENT.test(field)) throw new Error(`storage: bad index name ${collection}.${field}`);
  return `idx_${collection}__${field}`.slice(0, 63);
}

/** `find(field, value)` as an index lookup: WHERE collection = $1 AND value->>field = $2. */
export function declaredIndexSql(collection: string, spec: CollectionSpec): string[] {
  return (spec.indexes ?? []).map((field) =>
    `CREATE INDEX IF NOT EXISTS ${indexName(collection, field)} ON ${tableFor(spec)} ((value->>'${field}'), key) WHERE collection = '${collection}'`);
}

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  readonly code = 'OMNISEP_STORE_SCHEMA_TOO_NEW';
  constructor(readonly location: string, readonly found: number, readonly known: number) {
    super(`storage: the database at ${location} has schema version ${found}, newer than this omnisep knows (${known}).\n` +
      '  It was migrated by a newer omnisep; running an older one on it could corrupt data.\n' +
      '  Upgrade omnisep on this host, or point storage.url at another database.');
  }
}
