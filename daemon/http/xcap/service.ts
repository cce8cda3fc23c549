/**
 * One XcapService per daemon, shared by the XCAP plugin (public listener)
 * and the admin routes (`/api/xcap`), kept in `ctx.services.xcap`.
 */
import type { HssSh } from '../../../src/services/xcap/service.js';
import { XcapService } from '../../../src/services/xcap/service.js';
import type { DaemonContext } from '../../context.js';

export function xcapServiceFor(ctx: DaemonContext): XcapService {
  const existing = ctx.services.xcap;
  if (existing instanceof XcapService) return existing;
  const cfg = ctx.config.xcap;
  const service = new XcapService({
    store: ctx.store,
    clock: ctx.clock,
    schema: { noReplyTimer: { min: cfg.no_reply_timer.min, max: cfg.no_reply_timer.max } },
    digestRealm: cfg.digest_realm,
    // docs/security.md § Limits: total size and attributes per element of every XML body parsed.
    limits: { maxBytes: cfg.max_document_bytes, maxAttributes: cfg.max_attributes_per_element },
    // xcap.hss_sync: the Diameter area registers an Sh client as ctx.services.hssSh; without it nothing is called.
    hss: cfg.hss_sync ? ((ctx.services.hssSh as HssSh | undefined) ?? null) : null,
  });
  ctx.services.xcap = service;
  return service;
}
