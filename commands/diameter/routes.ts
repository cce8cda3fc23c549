import { BaseCommand } from '../../src/cli/base-command.js';
import { renderTable } from '../../src/cli/output.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { DiameterRoutes } from '../../src/contracts/diameter.js';

export default class DiameterRoutesCommand extends BaseCommand<typeof DiameterRoutesCommand, DiameterRoutes> {
  static override summary = 'Show the Diameter realm routing table: realm and application → action and peers.';
  static override description = 'GET /api/diameter/routes: the entries of diameter.routes as the running node uses them. Each maps a Destination-Realm (* is the default route) and an application (any when absent) to an action — local (answered here), relay (forwarded to the peers, any application), proxy (forwarded, own applications only) or redirect (answered 3006 naming the peers) — and the limit on redirects one request follows. An empty table means every request goes to any connected peer that supports its application.';
  static override examples = [
    { description: 'The routing table of the local daemon', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The API answer unchanged', command: '<%= config.bin %> <%= command.id %> --json' },
  ];

  async run(): Promise<DiameterRoutes> {
    return this.client.call(routes.diameterRoutes);
  }

  protected render(body: DiameterRoutes): string {
    const head = `diameter routes: ${body.routes.length} ${body.routes.length === 1 ? 'entry' : 'entries'}, redirects followed up to ${body.max_redirects}`;
    if (!body.routes.length) return `${head}\nno routing table: requests go to any connected peer that supports their application`;
    return `${head}\n${renderTable(body.routes, [
      { header: '#', get: (r) => r.index, align: 'right' },
      { header: 'realm', get: (r) => (r.default ? '* (default)' : r.realm) },
      { header: 'application', get: (r) => (r.application_id === null ? 'any' : r.application_id) },
      { header: 'action', get: (r) => r.action },
      { header: 'peers', get: (r) => (r.peers.length ? r.peers.join(', ') : null) },
    ], { chalk: this.chalk, maxWidth: this.termWidth })}`;
  }
}
