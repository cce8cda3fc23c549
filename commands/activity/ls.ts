import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { activityTypeFlag, imsiFlag, intFlag, timeFlag } from '../../src/cli/args.js';
import { renderActivityList } from '../../src/cli/render.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/route-paths.js';
import { ACTIVITY_TYPES, type ActivityList } from '../../src/contracts/activity.js';

export default class ActivityLs extends BaseCommand<typeof ActivityLs, ActivityList> {
  static override summary = 'List the activity log, newest first.';
  static override description = `Every TS.43 request, EAP round, token use, XCAP request and admin change is recorded (GET /api/activity). Filters combine; times are unix seconds, ISO 8601, or an age such as 15m, 2h, 7d. Types: ${ACTIVITY_TYPES.join(', ')}.`;
  static override examples = [
    { description: 'The latest 25 records', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One SIM\'s entitlement queries in the last hour', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --type entitlement_query --since 1h' },
    { description: 'A time window, 100 per page, second page', command: '<%= config.bin %> <%= command.id %> --since 2026-04-11T10:00:00Z --until 2026-04-11T11:00:00Z --limit 100 --page 2' },
  ];
  static override flags = {
    imsi: imsiFlag({ summary: 'Only this IMSI.' }),
    terminal: Flags.string({ summary: 'Only this terminal_id (IMEI or device id).', helpValue: 'ID' }),
    type: activityTypeFlag({ summary: 'Only this request type.' }),
    query: Flags.string({ char: 'q', summary: 'Substring over imsi, msisdn, terminal_id, path and client IP.', helpValue: 'TEXT' }),
    since: timeFlag({ summary: 'Records at or after this time.' }),
    until: timeFlag({ summary: 'Records at or before this time.' }),
    limit: intFlag(1, 1000)({ char: 'n', summary: 'Records per page (1-1000).', default: 25 }),
    page: intFlag(1, 1_000_000)({ summary: 'Page number, from 1.', default: 1 }),
  };

  async run(): Promise<ActivityList> {
    const f = this.flags;
    if (f.since !== undefined && f.until !== undefined && f.since > f.until) throw new UsageError('--since is after --until; expected --since earlier than --until');
    return this.client.call(routes.listActivity, {
      query: { imsi: f.imsi, terminal_id: f.terminal, type: f.type, query: f.query, from: f.since, to: f.until, limit: f.limit, page: f.page },
    });
  }

  protected render(body: ActivityList): string {
    return renderActivityList(body, this.chalk, { maxWidth: this.termWidth });
  }
}
