/**
 * Bulk import, export and rekey (src/contracts/imports.ts; docs/operations.md
 * § Bulk import and export). Each import call is one batch the CLI cut from a
 * streamed file, applied by the owning service as one durable commit; the
 * admin body limit stays as configured. Exports are pages in key order.
 *
 * Keys leave the daemon only in an export page asked `with_keys=1` on the
 * control socket (mode 0600: the daemon's own user); the TCP admin API
 * refuses it with 403. Every batch, keyed export and rekey page is audited in
 * the activity log by counts, never contents.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  importRoutes as R,
} from '../../../src/contracts/imports.js';
import { KeyWrapError } from '../../../src/crypto/key-wrap.js';
import type { DaemonContext } from '../../context.js';
import { AdminError, defineRoute } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';

const transportOf = (req: FastifyRequest) => req.server.omnisepTransport;

const toAdmin = (err: unknown): unknown =>
  err instanceof KeyWrapError ? new AdminError(err.code === 'OMNISEP_KEK_INVALID' ? 400 : 500, err.code, err.message) : err;

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const subs = () => ctx.services.subscribers;
  const ents = ctx.services.entitlementBulk;

  defineRoute(app, R.importSubscriberBatch, async (req) => {
    const { body } = req;
    const r = await subs().applyBatch(body.rows, { replace: body.replace ?? false, dryRun: body.dry_run ?? false }).catch((e) => { throw toAdmin(e); });
    if (!r.dry_run)
      await auditAdmin(ctx, req, { status: 200, summary: { action: 'subscriber_import_batch', rows: body.rows.length, added: r.added, replaced: r.replaced, unchanged: r.unchanged, rejected: r.rejected.length } });
    return { status: 'ok' as const, ...r };
  });

  defineRoute(app, R.exportSubscribers, async (req) => {
    const q = req.query;
    const withKeys = q.with_keys === '1' || q.with_keys === 'true';
    if (withKeys && transportOf(req) !== 'socket')
      throw new AdminError(403, 'OMNISEP_EXPORT_KEYS_SOCKET_ONLY', 'an export with keys is served on the control socket only (run `omnisep subscriber export --with-keys` on the daemon\'s host, as its user)');
    const page = await subs().exportPage(q.after, q.limit ?? 1000, { withKeys }).catch((e) => { throw toAdmin(e); });
    if (withKeys) await auditAdmin(ctx, req, { status: 200, summary: { action: 'subscriber_export_keys', rows: page.rows.length } });
    return page;
  });

  defineRoute(app, R.rekeySubscribers, async (req) => {
    const { body } = req;
    const r = await subs().rekeyPage(body.after, body.limit ?? 1000).catch((e) => { throw toAdmin(e); });
    await auditAdmin(ctx, req, { status: 200, summary: { action: 'subscriber_rekey', kek_id: r.kek_id, resealed: r.resealed, unchanged: r.unchanged } });
    return { status: 'ok' as const, ...r };
  });

  defineRoute(app, R.importEntitlementBatch, async (req) => {
    const { body } = req;
    const r = await ents.applyBatch(body.rows, { replace: body.replace ?? false, dryRun: body.dry_run ?? false });
    if (!r.dry_run)
      await auditAdmin(ctx, req, { status: 200, summary: { action: 'entitlement_import_batch', rows: body.rows.length, added: r.added, replaced: r.replaced, unchanged: r.unchanged, rejected: r.rejected.length } });
    return { status: 'ok' as const, ...r };
  });

  defineRoute(app, R.exportEntitlements, async (req) => {
    const q = req.query;
    return ents.exportPage(q.after, q.limit ?? 1000);
  });
}
