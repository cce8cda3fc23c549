import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { OperationalError, UsageError } from '../../src/cli/errors.js';
// The daemon's own drivers (docs/architecture-rules.md: db/ commands work on stores, with the daemon stopped).
import { copyStore, loadToolConfig, type CopyProgress } from '../../daemon/store/pg/tools.js';

interface CopySummary {
  from: string;
  to: string;
  collections: Array<{ name: string; records: number }>;
  activity_records: number;
  seconds: number;
}

export default class DbCopy extends BaseCommand<typeof DbCopy, CopySummary> {
  /** Works on stores with the daemon stopped: no control socket, no admin URL. */
  static override baseFlags = {} as (typeof BaseCommand)['baseFlags'];
  static override summary = 'Copy every record from one store to another: an embedded data directory or a PostgreSQL URL.';
  static override description =
    'Copies all collections (subscribers with their keys, SQN, entitlements, XCAP documents, tokens, sessions) and the activity log, page by page (one commit per page), and prints what it copied. Either side is a data directory (the embedded driver) or a postgres:// URL. An embedded data directory must not be in use by a running daemon (its lock is honoured). A target that already holds data is refused unless --force. Retention settings come from the configuration file given with --config (defaults otherwise).';
  static override examples = [
    { description: 'Move a lab set-up into PostgreSQL', command: '<%= config.bin %> <%= command.id %> --from ./data --to postgres://omnisep:PASSWORD@db1/omnisep' },
    { description: 'Back up a PostgreSQL store into a data directory', command: '<%= config.bin %> <%= command.id %> --from postgres://omnisep@db1/omnisep --to /var/backups/omnisep-2026-12-02' },
  ];
  static override flags = {
    from: Flags.string({ summary: 'Source: a data directory or a postgres:// URL.', required: true, helpValue: 'DIR|URL' }),
    to: Flags.string({ summary: 'Target: a data directory or a postgres:// URL.', required: true, helpValue: 'DIR|URL' }),
    force: Flags.boolean({ summary: 'Copy into a target that already holds data (same keys are replaced).', default: false }),
    batch: Flags.integer({ summary: 'Records per page (one commit each).', default: 1000, min: 1, max: 100000 }),
    config: Flags.string({ summary: 'Configuration file for retention and pool settings.', helpValue: 'FILE' }),
  };

  async run(): Promise<CopySummary> {
    const { flags } = this;
    if (flags.from === flags.to) throw new UsageError('--from and --to are the same store');
    const config = loadToolConfig(flags.config);
    const tty = Boolean(process.stderr.isTTY) && !this.jsonMode;
    let last = 0;
    const progress = (p: CopyProgress) => {
      if (!tty || Date.now() - last < 200) return;
      last = Date.now();
      process.stderr.write(`\r\x1b[K${p.what}: ${p.copied}/${p.total}`);
    };
    let s;
    try {
      s = await copyStore({ from: flags.from, to: flags.to, config, force: flags.force, batch: flags.batch, progress, warn: (m) => process.stderr.write(`${m}\n`) });
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('OMNISEP_')) throw new OperationalError((e as Error).message);
      throw e;
    } finally {
      if (tty) process.stderr.write('\r\x1b[K');
    }
    return { from: s.from, to: s.to, collections: s.collections, activity_records: s.activity, seconds: s.seconds };
  }

  protected render(s: CopySummary): string {
    const total = s.collections.reduce((a, c) => a + c.records, 0);
    const w = Math.max(...s.collections.map((c) => c.name.length), 'activity'.length);
    return [
      `${this.chalk.green('copied')} ${s.from} → ${s.to} in ${s.seconds.toFixed(1)} s: ${total} records, ${s.activity_records} activity records`,
      ...s.collections.map((c) => `  ${c.name.padEnd(w)}  ${c.records}`),
      `  ${'activity'.padEnd(w)}  ${s.activity_records}`,
    ].join('\n');
  }
}
