/**
 * Starting the VVM SMS side of a daemon with `vvm.enabled` (daemon/main.ts): subscribes the OMTP flows
 * to the mailbox, starts the backlog worker, registers its closer and the metric sources. Kept apart
 * from ./wire.ts (built with the services) so the services module does not import the daemon context.
 */
import { openCollection } from '../../src/store/collections.js';
import type { DaemonContext } from '../context.js';
import { vvmMetricsWithSources } from './metrics.js';
import { SmsWorker } from './sms-gateway.js';

/** Starts the SMS side of a daemon with vvm.enabled. */
export function startVvmSms(ctx: DaemonContext): void {
  const sms = ctx.services.vvmSms;
  const { metrics, sources } = vvmMetricsWithSources(ctx.metrics);
  const log = ctx.logger.child({ area: 'vvm' });
  // Tallies, not counts: past 100,000 rows PostgreSQL gives its estimate instead of reading every row each refresh
  // (docs/storage.md § Counts); memory and embedded hold their counts.
  sources.backlog = async () => (await sms.outbox.tally()).n;
  sources.accounts = async () => (await ctx.services.vvm.accounts.tally()).n;
  // The mailbox service has no count of its own: the collection's (never a scan).
  const messages = openCollection(ctx.store, 'vvm_messages');
  sources.messages = async () => (await messages.tally()).n;
  sms.boundImapPort = () => ctx.listeners.imap?.port;
  // vvm_messages_total{operation} and vvm_message_duration_seconds, counted by the mailbox service for every path.
  const uncount = ctx.services.vvm.mailbox.onOperation((operation, n, durationS) => {
    metrics.messages.inc({ operation }, n);
    if (operation === 'deposit' && durationS !== undefined) metrics.messageDuration.observe(durationS);
  });
  const worker = new SmsWorker({ config: () => ctx.config, outbox: sms.outbox, omtp: sms.omtp, metrics, logger: log, activity: ctx.activity });
  sms.worker = worker;
  const detach = sms.omtp.attach((e) => log.error({ err: e }, 'vvm: SYNC not queued'));
  if (ctx.config.vvm.sms_gateway === '') log.warn('vvm: vvm.sms_gateway is empty: STATUS and SYNC SMS are not sent (each one is counted as vvm_sms_total{result="no_gateway"} and kept in the backlog as failed)');
  worker.start();
  ctx.lifecycle.register({ name: 'vvm SMS worker', phase: 'streams', close: async () => { detach(); uncount(); await worker.stop(); }, timeoutMs: ctx.config.vvm.sms_gateway_timeout_ms + 2000 });
}
