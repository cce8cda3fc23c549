/**
 * Admin JSON view of the XCAP documents (XCAP.md § JSON view, ADMIN-API.md § XCAP):
 * GET /api/xcap?query=, GET|POST|DELETE /api/xcap/:msisdn. The admin may edit any document.
 */
import type { FastifyInstance } from 'fastify';
import { normaliseMsisdn } from '../../../src/codec/xcap/uri.js';
import { xcapRoutes as R, type XcapPatch } from '../../../src/contracts/xcap.js';
import { XcapAdminError } from '../../../src/services/xcap/service.js';
import type { DaemonContext } from '../../context.js';
import { xcapServiceFor } from '../xcap/service.js';
import { AdminError, badRequest, defineRoute, notFound } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const service = xcapServiceFor(ctx);
  const msisdnOf = (raw: string) => {
    const m = normaliseMsisdn(raw);
    if (!m) throw badRequest('OMNISEP_XCAP_BAD_MSISDN', `not an MSISDN: ${raw}`);
    return m;
  };

  defineRoute(app, R.listXcap, async (req) => service.list((req.query as { query?: string }).query?.trim() ?? ''));

  defineRoute(app, R.getXcap, async (req) => {
    const msisdn = msisdnOf((req.params as { msisdn: string }).msisdn);
    const v = await service.view(msisdn);
    if (!v) throw notFound('OMNISEP_XCAP_NOT_FOUND', `no subscriber or XCAP profile with MSISDN ${msisdn}`);
    return v;
  });

  defineRoute(app, R.setXcap, async (req) => {
    const msisdn = msisdnOf((req.params as { msisdn: string }).msisdn);
    const patch = req.body as XcapPatch;
    try {
      const v = await service.patch(msisdn, patch);
      // The password (if any) is never part of the summary: only which keys changed.
      await auditAdmin(ctx, req, { imsi: v.imsi, status: 200, summary: { action: 'xcap_set', msisdn, fields: Object.keys(patch), etag: v.etag } });
      return v;
    } catch (e) {
      if (e instanceof XcapAdminError) throw new AdminError(e.status, e.code, e.message);
      throw e;
    }
  });

  defineRoute(app, R.removeXcap, async (req) => {
    const msisdn = msisdnOf((req.params as { msisdn: string }).msisdn);
    const imsi = (await service.profiles.get(msisdn))?.imsi ?? null;
    if (!(await service.remove(msisdn))) throw notFound('OMNISEP_XCAP_NOT_FOUND', `no XCAP profile for MSISDN ${msisdn}`);
    await auditAdmin(ctx, req, { imsi, status: 200, summary: { action: 'xcap_delete', msisdn } });
    return { deleted: true, msisdn };
  });
}
