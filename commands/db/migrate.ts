import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { OperationalError, UsageError } from '../../src/cli/errors.js';
// The daemon's own loader and migration code (docs/architecture-rules.md: db/ commands work on a store, not a daemon).
import { loadToolConfig, migrateDatabase } from '../../daemon/store/pg/tools.js';

interface MigrateSummary {
  location: string;
  from_version: number;
  schema_version: number;
  applied: Array<{ version: number; name: string }>;
}

export default class DbMigrate extends BaseCommand<typeof DbMigrate, MigrateSummary> {
  /** Works on a database with no daemon: no control socket, no admin URL. */
  static override baseFlags = {} as (typeof BaseCommand)['baseFlags'];
  static override summary = 'Apply the PostgreSQL schema migrations, without starting a daemon.';
  static override description =
    'Brings the database at storage.url (from FILE, or --database) to the schema this omnisep knows, in one transaction under an advisory lock: safe while daemons start. `omnisep serve` does the same at start; run this first when the daemons\' database user may not change the schema. A database migrated by a newer omnisep is refused (exit 1). The embedded driver needs no migration.';
  static override examples = [
    { description: 'Migrate the database of the production configuration', command: '<%= config.bin %> <%= command.id %> /etc/omnisep/omnisep.yaml' },
    { description: 'Migrate a database by URL', command: '<%= config.bin %> <%= command.id %> --database postgres://omnisep@db1/omnisep' },
  ];
  static override args = { file: Args.string({ description: 'configuration file (YAML) whose storage.url is migrated', required: false }) };
  static override flags = {
    database: Flags.string({ summary: 'PostgreSQL URL to migrate (instead of storage.url of FILE).', helpValue: 'postgres://…' }),
  };

  async run(): Promise<MigrateSummary> {
    const { args, flags } = this;
    const config = loadToolConfig(args.file);
    const url = flags.database ?? config.storage.url;
    if (!url) throw new UsageError('no database: give --database postgres://… or a configuration file with storage.url');
    if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--database must be a postgres:// URL (got ${url.split(':')[0]}:…)`);
    let r;
    try {
      r = await migrateDatabase(url, config.server.node_name || 'omnisep db migrate');
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('OMNISEP_')) throw new OperationalError((e as Error).message);
      throw e;
    }
    return { location: r.location, from_version: r.from, schema_version: r.to, applied: r.applied };
  }

  protected render(r: MigrateSummary): string {
    return r.applied.length
      ? [`${this.chalk.green('migrated')} ${r.location}: schema ${r.from_version} → ${r.schema_version}`, ...r.applied.map((m) => `  ${m.version}  ${m.name}`)].join('\n')
      : `${this.chalk.green('up to date')} ${r.location}: schema ${r.schema_version}`;
  }
}
