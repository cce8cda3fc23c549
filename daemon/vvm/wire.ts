/**
 * Wiring of the VVM SMS side (docs/vvm-sms.md): the backlog and the OMTP flows are built once with the
 * other services (`buildVvmSms`, called by daemon/services.ts); `startVvmSms` (./start.ts, from daemon/main.ts, only with
 * `vvm.enabled`) subscribes the flows to the mailbox, starts the backlog worker, registers its closer
 * and the metric sources. With VVM disabled nothing is sent and the admin routes answer 409.
 */
import type { Registry } from 'prom-client';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { Clock, Random, Store } from '../../src/ports.js';
import type { ActivityService } from '../../src/services/activity.js';
import type { SubscriberService } from '../../src/services/subscribers.js';
import type { VvmAccountService } from '../../src/services/vvm/accounts.js';
import type { VvmMailboxService } from '../../src/services/vvm/mailbox.js';
import { OmtpService, type OmtpSettings } from '../../src/services/vvm/omtp-service.js';
import { SmsOutbox } from '../../src/services/vvm/sms-outbox.js';
import { vvmMetrics } from './metrics.js';
import type { SmsWorker } from './sms-gateway.js';

export interface VvmSms {
  outbox: SmsOutbox;
  omtp: OmtpService;
  /** Set by startVvmSms: the worker that sends the backlog (absent while VVM is disabled). */
  worker: SmsWorker | null;
  /** The STARTTLS port actually bound, when `vvm.imap_port` is 0 (tests): STATUS advertises it. */
  boundImapPort: () => number | undefined;
}

/** STATUS fields from the configuration (read on each SMS: SIGHUP changes apply to the next one). */
export function omtpSettings(config: OmnisepConfig): OmtpSettings {
  const v = config.vvm;
  return {
    prefix: v.client_prefix, imapServer: v.imap_server, imapPort: v.imap_port, smtpPort: v.smtp_port, tuiNumber: v.tui_number,
    sourceNumber: v.sms_source_number, languages: v.languages, minPinLength: v.min_pin_length, maxPinLength: v.max_pin_length,
    maxGreetingSeconds: v.default_max_greeting_seconds,
  };
}

export function buildVvmSms(deps: {
  config: OmnisepConfig; store: Store; clock: Clock; random: Random; activity: ActivityService; metrics?: Registry | undefined;
  accounts: VvmAccountService; mailbox: VvmMailboxService; subscribers: SubscriberService;
}): VvmSms {
  const v = deps.config.vvm;
  const outbox = new SmsOutbox(deps.store, deps.clock, deps.random, {
    maxAttempts: v.sms_gateway_max_attempts, backoffMs: v.sms_gateway_backoff_ms, maxBackoffMs: 600_000,
    claimMs: v.sms_gateway_timeout_ms + 30_000, failedRetentionMs: v.sms_failed_retention_seconds * 1000,
  });
  const metrics = deps.metrics ? vvmMetrics(deps.metrics) : null;
  const sms: VvmSms = { outbox, omtp: undefined as unknown as OmtpService, worker: null, boundImapPort: () => undefined };
  sms.omtp = new OmtpService({
    accounts: deps.accounts, mailbox: deps.mailbox, outbox, random: deps.random, activity: deps.activity,
    settings: () => {
      const s = omtpSettings(deps.config);
      return s.imapPort === 0 ? { ...s, imapPort: sms.boundImapPort() ?? 0 } : s;
    },
    imsiByMsisdn: async (msisdn) => {
      // The subscriber store keeps MSISDNs as given: try the number with and without its "+".
      for (const m of new Set([msisdn, msisdn.replace(/^\+/, ''), `+${msisdn.replace(/^\+/, '')}`])) {
        const hits = await deps.subscribers.findByMsisdn(m);
        if (hits.length === 1) return hits[0]!.imsi;
      }
      return null;
    },
    onAccount: (operation, result) => metrics?.accounts.inc({ operation, result }),
    onQueued: () => sms.worker?.kick(),
  });
  return sms;
}
