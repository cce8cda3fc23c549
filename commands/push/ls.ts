import { BaseCommand } from '../../src/cli/base-command.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { PushStatus } from '../../src/contracts/push.js';
import { approxCount, renderTable } from '../../src/cli/output.js';

export default class PushLs extends BaseCommand<typeof PushLs, PushStatus> {
  static override summary = 'Push notifications on change: the gateway mode, registered devices, and the backlog of pending and failed sends.';
  static override description = 'GET /api/push. A device that sent notif_token/notif_action (TS.43 §2.6) is told through the push gateway when its entitlements, an ODSA subscription or its VoWiFi address change. Pending rows wait for a retry (attempts, next try, last error); failed rows gave up after push.max_attempts. Never a push token.';
  static override examples = [{ description: 'The backlog', command: '<%= config.bin %> <%= command.id %>' }];

  async run(): Promise<PushStatus> {
    return this.client.call(routes.pushStatus);
  }

  protected render(s: PushStatus): string {
    const head = `mode ${s.mode}, ${approxCount(s.registrations, s.registrations_estimated)} registered device(s), ${s.pending} pending, ${s.failed} failed, ${s.sent_total} sent since start`;
    if (s.backlog.length === 0) return `${head}\nbacklog empty`;
    const table = renderTable(
      s.backlog,
      [
        { header: 'imsi', get: (r) => r.imsi },
        { header: 'state', get: (r) => r.state, style: (t, r) => (r.state === 'failed' ? this.chalk.red(t) : this.chalk.yellow(t)) },
        { header: 'reasons', get: (r) => r.reasons.join(',') },
        { header: 'apps', get: (r) => r.apps.join(',') },
        { header: 'attempts', get: (r) => String(r.attempts), align: 'right' },
        { header: 'next_at', get: (r) => r.next_at },
        { header: 'last_error', get: (r) => r.last_error ?? '' },
      ],
      { chalk: this.chalk, maxWidth: this.termWidth },
    );
    return `${head}\n${table}`;
  }
}
