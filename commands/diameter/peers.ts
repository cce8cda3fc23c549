import { BaseCommand } from '../../src/cli/base-command.js';
import { isoTime, renderTable, statusColor } from '../../src/cli/output.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { DiameterStatus } from '../../src/contracts/diameter.js';

export default class DiameterPeers extends BaseCommand<typeof DiameterPeers, DiameterStatus> {
  static override summary = 'List Diameter peers: state, who connected, realm, product and counters.';
  static override description = 'GET /api/diameter: every configured peer and every peer that connected to omnisep, with its status (Connected, Connecting, Disconnected, Closed), who initiated the connection, the realm and product name from its CER/CEA, the applications in common, request/answer/timeout counters, the non-success answers received per Result-Code or Experimental-Result (code, name and count) and the time of the last DWA; with xcap.hss_sync, the number of XCAP documents whose Sh push waits in the durable backlog.';
  static override examples = [
    { description: 'Peers of the local daemon', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The API answer unchanged', command: '<%= config.bin %> <%= command.id %> --json' },
  ];

  async run(): Promise<DiameterStatus> {
    return this.client.call(routes.diameterPeers);
  }

  protected render(body: DiameterStatus): string {
    const backlog = body.sh_backlog === undefined || body.sh_backlog === null ? '' : `, Sh backlog ${body.sh_backlog}`;
    const head = `diameter: ${body.status}, ${body.connected_count} connected, ${body.disconnected_count} not connected${backlog}`;
    if (!body.peers.length) return `${head}\nno peers`;
    return `${head}\n${renderTable(body.peers, [
      { header: 'host', get: (p) => p.host },
      { header: 'status', get: (p) => p.status, style: (t) => statusColor(t, this.chalk) },
      { header: 'address', get: (p) => (p.ip ? `${p.ip}:${p.port ?? '-'}` : null) },
      { header: 'initiated', get: (p) => (p.connection_initiation === 'OmniSEP -> Peer' ? 'outgoing' : 'incoming') },
      { header: 'realm', get: (p) => p.realm },
      { header: 'product', get: (p) => p.product_name },
      { header: 'req/ans', get: (p) => `${p.counters.requests_sent}/${p.counters.answers_received}`, align: 'right' },
      { header: 'timeouts', get: (p) => p.counters.timeouts, align: 'right' },
      // Non-success answers per result, e.g. "3002×4 10415:5001×1" (names in --json and the warning log).
      { header: 'failed', get: (p) => (p.failed_answers.length ? p.failed_answers.map((f) => `${f.vendor_id ? `${f.vendor_id}:` : ''}${f.code}×${f.count}`).join(' ') : null) },
      { header: 'last_dwa', get: (p) => (p.last_dwa_at ? isoTime(p.last_dwa_at) : null) },
    ], { chalk: this.chalk, maxWidth: this.termWidth })}`;
  }
}
