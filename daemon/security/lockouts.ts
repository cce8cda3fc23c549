/**
 * The lock-outs of the daemon (docs/security.md § Lock-outs), built from configuration and counted
 * in /metrics: XCAP Digest failures per user (xcap.max_digest_failures in
 * xcap.digest_lockout_seconds) and admin API authentication failures per client address
 * (admin.max_auth_failures in admin.auth_lockout_seconds).
 */
import type { DaemonContext } from '../context.js';
import { FailureLimiter } from '../../src/util/failure-limiter.js';
import { securityCounter } from './counters.js';

export interface Lockout {
  limiter: FailureLimiter;
  onFailure(lockedOut: boolean): void;
  onRefused(): void;
}

function counted(ctx: DaemonContext, what: 'xcap_digest' | 'admin_api', limiter: FailureLimiter): Lockout {
  const failures = securityCounter(ctx.metrics, 'omnisep_auth_failures_total', 'failed authentications where a secret can be guessed, by listener', ['listener']);
  const lockouts = securityCounter(ctx.metrics, 'omnisep_auth_lockouts_total', 'keys (a Digest user, an admin client address) locked out after too many failures, by listener', ['listener']);
  const refused = securityCounter(ctx.metrics, 'omnisep_auth_locked_refusals_total', 'requests refused with 429 because their key is locked out, by listener', ['listener']);
  return {
    limiter,
    onFailure: (lockedOut) => {
      failures.inc({ listener: what });
      if (lockedOut) {
        lockouts.inc({ listener: what });
        ctx.logger.warn({ listener: what }, 'authentication lock-out: too many failures');
      }
    },
    onRefused: () => refused.inc({ listener: what }),
  };
}

export function digestLockout(ctx: DaemonContext): Lockout {
  const c = ctx.config.xcap;
  return counted(ctx, 'xcap_digest', new FailureLimiter({ maxFailures: c.max_digest_failures, windowMs: c.digest_lockout_seconds * 1000 }));
}

export function adminLockout(ctx: DaemonContext): Lockout {
  const c = ctx.config.admin;
  return counted(ctx, 'admin_api', new FailureLimiter({ maxFailures: c.max_auth_failures, windowMs: c.auth_lockout_seconds * 1000 }));
}
