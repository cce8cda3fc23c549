/**
 * Starts the VVM IMAP listeners when `vvm.enabled` (docs/vvm.md § IMAP server): TLS material from
 * `vvm.imap_cert`/`imap_key`, else the admin API's (configured, or self-signed under the data dir on first
 * start), registers the closer and the `imap`/`imaps` listeners (which `/health` and `status` report).
 */
import { readFileSync } from 'node:fs';
import type { DaemonContext } from '../context.js';
import { ensureAdminTls } from '../tls/self-signed.js';
import { startImapServer, type ImapServer } from './server.js';
import type { AddressInfo } from 'node:net';
import type { ListenerAddress } from '../../src/contracts/status.js';
import { vvmMetricsWithSources } from '../vvm/metrics.js';

export async function wireImap(ctx: DaemonContext): Promise<ImapServer | null> {
  const { config } = ctx;
  const v = config.vvm;
  if (!v.enabled) return null;
  if (Boolean(v.imap_cert) !== Boolean(v.imap_key)) throw new Error('vvm.imap_cert and vvm.imap_key go together: set both, or neither to use the admin API\'s certificate');
  const tls = v.imap_cert
    ? { cert: readFileSync(v.imap_cert, 'utf8'), key: readFileSync(v.imap_key, 'utf8') }
    : await ensureAdminTls({ dataDir: ctx.dataDir, certFile: config.admin.tls_cert || undefined, keyFile: config.admin.tls_key || undefined, hostnames: [config.server.fqdn, v.imap_server] });
  const { metrics, sources } = vvmMetricsWithSources(ctx.metrics);
  const server = await startImapServer({
    config, store: ctx.store, services: ctx.services.vvm, tls,
    log: { info: (o, m) => ctx.logger.info(o, m), warn: (o, m) => ctx.logger.warn(o, m) },
    // VVM.md § Metrics (daemon/vvm/metrics.ts).
    onCommand: (command, result) => metrics.imapCommands.inc({ command: command.toUpperCase(), result }),
    onLogin: (result) => metrics.imapSessions.inc({ result }),
  });
  sources.imapConnections = () => server.connections();
  ctx.lifecycle.register({ name: 'imap server', phase: 'http', close: () => server.close(), timeoutMs: 10_000 });
  ctx.listeners.imap = listener('imap', server.imap);
  ctx.listeners.imaps = listener('imaps', server.imaps);
  return server;
}

const listener = (protocol: string, a: AddressInfo): ListenerAddress =>
  ({ transport: 'tcp', host: a.address, port: a.port, protocol, url: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` });
