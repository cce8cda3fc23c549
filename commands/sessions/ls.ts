import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiFlag } from '../../src/cli/args.js';
import { renderSessions } from '../../src/cli/render.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/route-paths.js';
import { SESSION_STATES, type SessionList } from '../../src/contracts/sessions.js';

export default class SessionsLs extends BaseCommand<typeof SessionsLs, SessionList> {
  static override summary = 'List EAP-AKA sessions the daemon holds.';
  static override description = `Sessions are created by TS.43 requests that start SIM authentication (GET /api/sessions). States: ${SESSION_STATES.join(', ')}. --imsi and --state filter on the client; --json prints the daemon's answer unfiltered.`;
  static override examples = [
    { description: 'Every session', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Sessions of one SIM stuck waiting for the AAA', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --state pending' },
  ];
  static override flags = {
    imsi: imsiFlag({ summary: 'Only sessions of this IMSI.' }),
    state: Flags.string({ summary: 'Only sessions in this state.', options: [...SESSION_STATES] }),
  };

  async run(): Promise<SessionList> {
    if (this.jsonMode && (this.flags.imsi || this.flags.state)) throw new UsageError('--imsi/--state filter the table only; with --json filter the output, e.g. with jq');
    return this.client.call(routes.listSessions);
  }

  protected render(body: SessionList): string {
    const { imsi, state } = this.flags;
    const sessions = body.sessions.filter((s) => (!imsi || s.imsi === imsi) && (!state || s.state === state));
    return renderSessions({ count: sessions.length, sessions }, this.chalk, { maxWidth: this.termWidth });
  }
}
