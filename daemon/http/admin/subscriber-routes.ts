/**
 * /api/subscribers (ADMIN-API.md § VVM, subscribers): the local subscriber
 * store of the `local` back-end and the built-in AAA/HSS. Keys are
 * write-only: the response schemas (src/contracts/subscribers.ts) carry no
 * key field, and the audit record names the action, never the body.
 */
import type { FastifyInstance } from 'fastify';
import { subscriberRoutes as R, type SubscriberAddBody, type SubscriberImportBody } from '../../../src/contracts/subscribers.js';
import { SubscriberError, SubscriberService } from '../../../src/services/subscribers.js';
import type { DaemonContext } from '../../context.js';
import { AdminError, defineRoute, notFound } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';

const toAdmin = (err: unknown): unknown => {
  if (!(err instanceof SubscriberError)) return err;
  const status = err.code === 'OMNISEP_SUBSCRIBER_EXISTS' ? 409 : err.code === 'OMNISEP_SUBSCRIBER_NOT_FOUND' ? 404 : 400;
  return new AdminError(status, err.code, err.message);
};

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const subs = () => (ctx.services.subscribers as SubscriberService | undefined) ?? new SubscriberService(ctx.store, ctx.clock);

  // A CSV body for POST /api/subscribers/import (curl --data-binary @lab.csv -H 'content-type: text/csv').
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 10 * 1024 * 1024 }, (_req, body, done) => done(null, { csv: body as string }));

  defineRoute(app, R.listSubscribers, async () => {
    const list = await subs().list();
    return { count: list.length, subscribers: list };
  });

  defineRoute(app, R.getSubscriber, async (req) => {
    const { imsi } = req.params as { imsi: string };
    const s = await subs().get(imsi);
    if (!s) throw notFound('OMNISEP_SUBSCRIBER_NOT_FOUND', `no subscriber ${imsi}`);
    return s;
  });

  defineRoute(app, R.addSubscriber, async (req) => {
    const { replace, ...input } = req.body as SubscriberAddBody;
    try {
      const view = await subs().add(input, { replace: replace ?? false });
      await auditAdmin(ctx, req, { imsi: view.imsi, status: 201, summary: { action: 'subscriber_add', replace: replace ?? false, opc_source: view.opc_source } });
      return view;
    } catch (err) {
      throw toAdmin(err);
    }
  });

  defineRoute(app, R.deleteSubscriber, async (req) => {
    const { imsi } = req.params as { imsi: string };
    if (!(await subs().remove(imsi))) throw notFound('OMNISEP_SUBSCRIBER_NOT_FOUND', `no subscriber ${imsi}`);
    await auditAdmin(ctx, req, { imsi, status: 200, summary: { action: 'subscriber_delete' } });
    return { status: 'ok' as const, imsi };
  });

  defineRoute(app, R.importSubscribers, async (req) => {
    const body = req.body as SubscriberImportBody;
    const r = await subs().importCsv(body.csv, { replace: body.replace ?? false });
    await auditAdmin(ctx, req, { status: 200, summary: { action: 'subscriber_import', added: r.added, replaced: r.replaced, skipped: r.skipped, errors: r.errors.length } });
    return { status: 'ok' as const, ...r };
  });
}
