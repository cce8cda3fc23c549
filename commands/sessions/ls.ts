import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderSessions } from '../../src/cli/render.js';
import { parseImsi } from '../../src/cli/validate.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/routes.js';
import { SESSION_STATES } from '../../src/contracts/sessions.js';

export default class SessionsLs extends BaseCommand {
  static override summary = 'List EAP-AKA sessions the daemon holds.';
  static override description = `Sessions are created by TS.43 requests that start SIM authentication (GET /api/sessions). States: ${SESSION_STATES.join(', ')}. --imsi and --state filter on the client; --json prints the daemon's answer unfiltered.`;
  static override examples = [
    { description: 'Every session', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Sessions of one SIM stuck waiting for the AAA', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --state pending' },
  ];
  static override flags = {
    imsi: Flags.string({ summary: 'Only sessions of this IMSI.', helpValue: 'IMSI' }),
    state: Flags.string({ summary: 'Only sessions in this state.', options: [...SESSION_STATES] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SessionsLs);
    this.setup(flags);
    const imsi = flags.imsi === undefined ? undefined : parseImsi(flags.imsi);
    if (this.jsonMode && (imsi || flags.state)) throw new UsageError('--imsi/--state filter the table only; with --json filter the output, e.g. with jq');
    const body = await this.client.call(routes.listSessions);
    const sessions = body.sessions.filter((s) => (!imsi || s.imsi === imsi) && (!flags.state || s.state === flags.state));
    this.output(body, () => renderSessions({ count: sessions.length, sessions }, this.chalk, { maxWidth: this.termWidth }));
  }
}
