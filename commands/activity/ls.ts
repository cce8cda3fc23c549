import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderActivityList } from '../../src/cli/render.js';
import { parseActivityType, parseImsi, parseIntIn, parseTime } from '../../src/cli/validate.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/routes.js';
import { ACTIVITY_TYPES } from '../../src/contracts/activity.js';

export default class ActivityLs extends BaseCommand {
  static override summary = 'List the activity log, newest first.';
  static override description = `Every TS.43 request, EAP round, token use, XCAP request and admin change is recorded (GET /api/activity). Filters combine; times are unix seconds, ISO 8601, or an age such as 15m, 2h, 7d. Types: ${ACTIVITY_TYPES.join(', ')}.`;
  static override examples = [
    { description: 'The latest 25 records', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One SIM\'s entitlement queries in the last hour', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --type entitlement_query --since 1h' },
    { description: 'A time window, 100 per page, second page', command: '<%= config.bin %> <%= command.id %> --since 2026-04-11T10:00:00Z --until 2026-04-11T11:00:00Z --limit 100 --page 2' },
  ];
  static override flags = {
    imsi: Flags.string({ summary: 'Only this IMSI.', helpValue: 'IMSI' }),
    terminal: Flags.string({ summary: 'Only this terminal_id (IMEI or device id).', helpValue: 'ID' }),
    type: Flags.string({ summary: 'Only this request type.', helpValue: 'TYPE' }),
    query: Flags.string({ char: 'q', summary: 'Substring over imsi, msisdn, terminal_id, path and client IP.', helpValue: 'TEXT' }),
    since: Flags.string({ summary: 'Records at or after this time.', helpValue: 'TIME' }),
    until: Flags.string({ summary: 'Records at or before this time.', helpValue: 'TIME' }),
    limit: Flags.integer({ char: 'n', summary: 'Records per page (1-1000).', default: 25 }),
    page: Flags.integer({ summary: 'Page number, from 1.', default: 1 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ActivityLs);
    this.setup(flags);
    const now = Date.now();
    const from = flags.since === undefined ? undefined : parseTime(flags.since, '--since', now);
    const to = flags.until === undefined ? undefined : parseTime(flags.until, '--until', now);
    if (from !== undefined && to !== undefined && from > to) throw new UsageError('--since is after --until; expected --since earlier than --until');
    const query = {
      imsi: flags.imsi === undefined ? undefined : parseImsi(flags.imsi),
      terminal_id: flags.terminal,
      type: flags.type === undefined ? undefined : parseActivityType(flags.type),
      query: flags.query,
      from,
      to,
      limit: parseIntIn(flags.limit, '--limit', 1, 1000),
      page: parseIntIn(flags.page, '--page', 1, 1_000_000),
    };
    const body = await this.client.call(routes.listActivity, { query });
    this.output(body, () => renderActivityList(body, this.chalk, { maxWidth: this.termWidth }));
  }
}
