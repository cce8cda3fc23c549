/** Entitlement overrides per IMSI (ADMIN-API.md § Entitlements); the set body is checked against the app's TypeBox schema (src/contracts/entitlement-apps.ts, via the catalog's validateEntitlement). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { AppEntitlement, EntitlementData, EntitlementDetail } from '../../../src/contracts/entitlements.js';
import { effectiveEntitlements, normaliseAppId, serviceName, SUPPORTED_APP_IDS, validateEntitlement } from '../../../src/services/entitlements/catalog.js';
import type { DaemonContext } from '../../context.js';
import { AdminError, defineRoute, notFound } from './route-kit.js';
import { withSubscriber } from '../../logging.js';

const appView = (id: string, data: EntitlementData, source: 'custom' | 'default'): AppEntitlement => ({ service_name: serviceName(id), data, source });

/** Audit: every admin change lands in the activity log as type `admin`. */
export function auditAdmin(ctx: DaemonContext, req: FastifyRequest, fields: { imsi?: string | null; app_ids?: string[]; status: number; summary: Record<string, unknown> }) {
  return ctx.activity.record({
    request_type: 'admin',
    request_method: req.method,
    request_path: req.url,
    imsi: fields.imsi ?? null,
    client_ip: req.ip || 'control-socket',
    user_agent: req.headers['user-agent'] ?? null,
    auth_method: req.server.omnisepTransport === 'tcp' ? 'BEARER' : 'SOCKET',
    response_status: fields.status,
    response_code: fields.status,
    app_ids: fields.app_ids ?? [],
    response_summary: fields.summary,
  });
}

/** The `:imsi` of a route that has one (hooks see every route's params, untyped). */
const imsiParam = (p: unknown): string | undefined =>
  typeof p === 'object' && p !== null && 'imsi' in p && typeof p.imsi === 'string' ? p.imsi : undefined;

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const overrides = ctx.services.entitlements;
  // Every line about one subscriber carries its IMSI.
  app.addHook('preHandler', async (req, reply) => {
    const imsi = imsiParam(req.params);
    if (imsi) withSubscriber(req, reply, { imsi });
  });

  defineRoute(app, R.listEntitlements, async (req) => {
    const q = req.query.query?.trim();
    const rows = await overrides.list(q ? { query: q } : {});
    const entitlements = rows.map((r) => {
      const app_ids = Object.keys(r.apps).sort();
      return { imsi: r.imsi, app_ids, services: app_ids.map(serviceName), updated_at: r.updated_at };
    });
    return { count: entitlements.length, entitlements };
  });

  defineRoute(app, R.entitlementDefaults, async () => {
    const defaults: Record<string, AppEntitlement> = {};
    for (const [id, data] of Object.entries(ctx.config.default_entitlements)) defaults[id] = appView(id, data as EntitlementData, 'default');
    return { defaults };
  });

  defineRoute(app, R.getEntitlement, async (req) => {
    const { imsi } = req.params;
    const q = req.query;
    const effective = q.effective === '1' || q.effective === 'true';
    const rec = await overrides.get(imsi);
    if (!rec && !effective) throw notFound('OMNISEP_ENTITLEMENT_NOT_FOUND', `no custom entitlements for IMSI ${imsi} (add ?effective=1 for what it gets from the defaults)`);
    const out: EntitlementDetail = { imsi, entitlements: {}, updated_at: rec?.updated_at ?? null };
    if (effective) {
      const eff = effectiveEntitlements(ctx.config.default_entitlements as Record<string, EntitlementData>, rec?.apps ?? null);
      for (const id of SUPPORTED_APP_IDS) out.entitlements[id] = appView(id, eff[id] ?? {}, rec?.apps[id] ? 'custom' : 'default');
    } else {
      for (const id of Object.keys(rec!.apps).sort()) out.entitlements[id] = appView(id, rec!.apps[id]!, 'custom');
    }
    return out;
  });

  defineRoute(app, R.setEntitlement, async (req) => {
    const { imsi } = req.params;
    const { body } = req;
    const appId = normaliseAppId(body.app_id);
    const v = validateEntitlement(appId, body.entitlement);
    if (!v.ok) {
      const unsupported = v.errors.some((e) => e.startsWith('unsupported app'));
      throw new AdminError(400, unsupported ? 'OMNISEP_ENTITLEMENT_UNSUPPORTED_APP' : 'OMNISEP_ENTITLEMENT_INVALID', v.errors.join('; '));
    }
    // An override is merged field by field into the app's previous override (DELETE …/:app_id resets it).
    const data = await overrides.mergeApp(imsi, appId, v.value);
    await auditAdmin(ctx, req, { imsi, app_ids: [appId], status: 200, summary: { action: 'entitlement_set', app_id: appId, fields: Object.keys(v.value) } });
    return { status: 'ok' as const, imsi, app_id: appId, entitlement: data };
  });

  defineRoute(app, R.deleteEntitlement, async (req) => {
    const { imsi } = req.params;
    const prev = await overrides.remove(imsi);
    if (!prev) throw notFound('OMNISEP_ENTITLEMENT_NOT_FOUND', `no custom entitlements for IMSI ${imsi}`);
    await auditAdmin(ctx, req, { imsi, app_ids: Object.keys(prev.apps), status: 200, summary: { action: 'entitlement_delete' } });
    return { status: 'ok' as const, imsi };
  });

  defineRoute(app, R.deleteEntitlementApp, async (req) => {
    const { imsi, app_id } = req.params;
    const appId = normaliseAppId(app_id);
    if (!(await overrides.removeApp(imsi, appId))) throw notFound('OMNISEP_ENTITLEMENT_NOT_FOUND', `IMSI ${imsi} has no custom entitlement for ${appId}`);
    await auditAdmin(ctx, req, { imsi, app_ids: [appId], status: 200, summary: { action: 'entitlement_delete_app', app_id: appId } });
    return { status: 'ok' as const, imsi, app_id: appId };
  });
}
