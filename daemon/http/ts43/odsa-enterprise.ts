/**
 * Server-initiated ODSA (ap2011, GSMA TS.43 v12.0 §10, §2.8.3; docs/odsa.md § ap2011) on the TS.43 listener:
 * an app server (an MDM) sends `requestor_id` with an `access_token` from the operator's authorization
 * server (and `enterprise_id`), or with the TOKEN a good CheckEligibility gave it — never an IMSI. index.ts
 * dispatches such a request here before anything that needs a subscriber.
 *
 *   401 text/plain  the access token or TOKEN is invalid, expired, or not the requestor's
 *   403 text/plain  the requestor may not act for the enterprise; an app other than ap2011
 *   200 document    VERS, TOKEN (issued by CheckEligibility, or echoed), APPLICATION ap2011 with OperationResult
 *
 * The reason of a refusal goes to the activity record (request_type odsa, app ap2011), never the token.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contentTypeOf, entitlementVersionSupported, missingParams, missingParamsMessage, negotiateFormat, renderDocument, type RawParams, type Ts43Request } from '../../../src/codec/ts43/index.js';
import { ENTERPRISE_PARAM_NAMES } from '../../../src/contracts/enterprise.js';
import { ENTERPRISE_APP, enterpriseErrorAnswer, parseEnterpriseOperation } from '../../../src/fsm/odsa-enterprise.js';
import type { EnterpriseService } from '../../../src/services/odsa/enterprise-service.js';
import type { ActivityInput } from '../../../src/services/activity.js';
import type { OmnisepConfig } from '../../../src/contracts/config.js';
import type { Clock } from '../../../src/ports.js';

const firstValue = (v: string | string[] | undefined): string | null => {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s === undefined || s === '' ? null : s;
};

/** A request of an app server: requestor_id with an access_token or a TOKEN, and nothing that names a subscriber. */
export const isEnterpriseRequest = (r: Ts43Request, params: RawParams): boolean =>
  r.requestor_id !== null && r.imsi === null && r.eap_id === null && r.temporary_token === null && r.operator_token === null && (r.token !== null || firstValue(params.access_token) !== null);

export interface EnterpriseResponderDeps {
  config: OmnisepConfig;
  clock: Clock;
  enterprises: EnterpriseService;
  record: (input: ActivityInput) => Promise<void>;
  sendText: (reply: FastifyReply, status: number, text: string, activity: ActivityInput) => Promise<unknown>;
}

export function createEnterpriseResponder(deps: EnterpriseResponderDeps) {
  const { config, enterprises, record, sendText } = deps;

  return async (req: FastifyRequest, reply: FastifyReply, r: Ts43Request, params: RawParams, base: ActivityInput) => {
    const accessToken = firstValue(params.access_token);
    const activity: ActivityInput = { ...base, request_type: 'odsa', auth_method: accessToken !== null ? 'ACCESS_TOKEN' : 'TOKEN', app_ids: r.apps, terminal_id: null };
    const missing = missingParams(r, { authOptional: true });
    if (missing.length) return sendText(reply, 400, missingParamsMessage(missing), activity);
    if (!entitlementVersionSupported(r.entitlement_version!, config.ts43.entitlement_versions))
      return sendText(reply, 406, `Protocol not supported: entitlement_version ${r.entitlement_version} (supported ${config.ts43.entitlement_versions.min}–${config.ts43.entitlement_versions.max})`, activity);
    const odsaParams: Record<string, string> = {};
    for (const name of ['operation', ...ENTERPRISE_PARAM_NAMES]) {
      const v = firstValue(params[name]);
      if (v !== null) odsaParams[name] = v;
    }
    // The token first (401/403 whatever was asked), then what it is used for.
    const auth = await enterprises.authenticate({ requestor_id: r.requestor_id!, access_token: accessToken, token: accessToken === null ? r.token : null, enterprise_id: odsaParams.enterprise_id ?? null });
    const who = { requestor_id: r.requestor_id, enterprise_id: odsaParams.enterprise_id ?? null };
    if (!auth.ok) {
      const text = auth.status === 401 ? `Unauthorized: ${accessToken !== null ? 'access_token' : 'token'} invalid or expired` : 'Forbidden: this requestor_id may not act for the enterprise';
      return sendText(reply, auth.status, text, { ...activity, response_summary: { reason: auth.reason, ...who } });
    }
    if (!r.apps.includes(ENTERPRISE_APP))
      return sendText(reply, 403, 'Forbidden: an app server\'s token opens ap2011 only', { ...activity, response_summary: { reason: 'wrong_app', ...who } });
    const parsed = parseEnterpriseOperation(odsaParams.operation ?? '', odsaParams, accessToken !== null ? 'access_token' : 'token');
    const principal = auth.principal;
    const outcome = parsed.ok
      ? await enterprises.run(principal, parsed.op, parsed.opType, parsed.params)
      : { application: enterpriseErrorAnswer(parsed.result, parsed.text), summary: { operation: odsaParams.operation ?? null, operation_result: parsed.result, error: parsed.text, ...who, enterprise_id: principal.enterprise_id || who.enterprise_id } };
    // A TOKEN request gets its TOKEN back (AOSP-style clients replace the stored one with any TOKEN they see).
    const echoed = principal.method === 'TOKEN' && principal.token_expires_at !== undefined
      ? { token: r.token!, validity: Math.max(0, principal.token_expires_at - Math.floor(deps.clock.now() / 1000)) }
      : undefined;
    const issued = 'token' in outcome && outcome.token ? { token: outcome.token.value, validity: outcome.token.validity } : undefined;
    const format = negotiateFormat(req.headers.accept);
    const body = renderDocument({ vers: { version: 1, validity: config.ts43.default_vers_validity }, token: issued ?? echoed, applications: [outcome.application] }, format);
    await record({ ...activity, app_ids: [ENTERPRISE_APP], response_status: 200, response_code: 200, response_body: null, response_summary: { ...outcome.summary, format } });
    return reply.code(200).header('content-type', contentTypeOf(format)).header('cache-control', 'no-store').send(body);
  };
}
