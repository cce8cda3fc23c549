import { BaseCommand } from '../src/cli/base-command.js';
import { renderStatus } from '../src/cli/render.js';
import { routes } from '../src/contracts/route-paths.js';
import type { StatusResponse } from '../src/contracts/status.js';

export default class Status extends BaseCommand<typeof Status, StatusResponse> {
  static override summary = 'Show the daemon\'s status: version, uptime, storage counts and where each service listens.';
  static override description =
    'Asks the running daemon (GET /api/status) over the control socket. Exits 69 with the socket path tried, and where that path came from, when no daemon answers.';
  static override examples = [
    { description: 'Status of the local daemon', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The admin API answer unchanged, e.g. to find the port a --http-port 0 start picked', command: '<%= config.bin %> <%= command.id %> --json' },
    { description: 'A daemon on a non-default socket', command: '<%= config.bin %> <%= command.id %> --socket /run/omnisep/omnisep.sock' },
  ];

  async run(): Promise<StatusResponse> {
    return this.client.call(routes.status);
  }

  protected render(body: StatusResponse): string {
    return renderStatus(body, this.chalk);
  }
}
