/** A store file that will not load: the start stops with the file and the recovery step, never an empty start. */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
  readonly code = 'OMNISEP_STORE_CORRUPT';
  constructor(readonly file: string, readonly reason: string, readonly recovery: string) {
    super(`storage: ${file} is corrupt (${reason}).\n  omnisep will not start on a damaged store, since that would silently lose data.\n  Recovery: ${recovery}`);
  }
}

/** Another live daemon holds the data directory. */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
  readonly code = 'OMNISEP_STORE_LOCKED';
  constructor(readonly lockFile: string, readonly pid: number) {
    super(`storage: the data directory is in use by a running omnisep (pid ${pid}, lock ${lockFile}); stop it first, or use another --data-dir`);
  }
}

/**
 * A record that fails its checksum or its collection's check when it is read on demand (the embedded driver
 * reads records from its snapshot file, docs/storage.md § Records on demand): that request fails with this
 * error (a 500 naming the file and the record), the daemon keeps serving every other record.
 */
export class StoreRecordDamagedError extends Error {
  override readonly name = 'StoreRecordDamagedError';
  readonly code = 'OMNISEP_STORE_RECORD_DAMAGED';
  constructor(readonly file: string, readonly key: string, readonly reason: string, readonly recovery: string) {
    super(`storage: record ${JSON.stringify(key)} in ${file} is damaged (${reason}); the other records are served.\n  Recovery: ${recovery}`);
  }
}
