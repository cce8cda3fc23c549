/**
 * ODSA on the TS.43 listener (GSMA TS.43 v12.0 §6; ODSA.md; docs/odsa.md): a request for ap2006 or
 * ap2009 that carries an `operation` is answered by the ODSA service instead of the entitlement
 * document. index.ts dispatches here once the phone is authenticated (TS.43 token, EAP-AKA, or no
 * authentication in development), and for a `temporary_token` (§2.8.6), which this module checks.
 *
 * The answer is a provisioning document: VERS, the TOKEN when the phone authenticated with one (AOSP
 * replaces its stored token with any TOKEN it sees), and one APPLICATION with OperationResult first.
 * OperationResult errors (101, 102, …) are 200 documents, never HTTP errors (§6.5).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReplyLike, RequestLike } from '../lean.js';
import type { Characteristic } from '../../../src/codec/ts43/document.js';
import { contentTypeOf, negotiateFormat, renderDocument, type RawParams, type Ts43Request } from '../../../src/codec/ts43/index.js';
import { ODSA_PARAM_SCHEMAS, isOdsaAppId, schemaFields, type OdsaAppId } from '../../../src/contracts/entitlement-apps.js';
import { errorAnswer, parseOdsaOperation } from '../../../src/fsm/odsa-operations.js';
import {
  OPERATOR_TOKEN_OPERATIONS, acquireOperatorTokenAnswer, isAcquireOperatorToken, isOperatorTokenDeviceOperation, mintRefusalAnswer, operatorTokenAnswer, parseAcquireOperatorToken, parseOperatorTokenTargets,
} from '../../../src/fsm/odsa-operator-token.js';
import { temporaryTokenAnswer } from '../../../src/fsm/odsa-operations.js';
import type { ActivityInput } from '../../../src/services/activity.js';
import type { Ts43Context } from './context.js';

const firstValue = (v: string | string[] | undefined): string | undefined => {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s === undefined || s === '' ? undefined : s;
};

/** An ODSA app, or ap2015 for a device's AcquireOperatorToken (TS.43 §14.1, docs/odsa.md § Operator tokens). */
export type OperationAppId = OdsaAppId | 'ap2015';

/** The ODSA app of a request that carries an operation, or null (then it is an entitlement query). */
export function odsaAppOf(apps: readonly string[], params: RawParams | Readonly<Record<string, string>>): OperationAppId | null {
  if (params.operation === undefined) return null;
  const app = apps.find(isOdsaAppId);
  if (app === undefined && apps.includes('ap2015') && isOperatorTokenDeviceOperation(firstValue(params.operation))) return 'ap2015';
  return app ?? null;
}

/** The request's ODSA parameters (names lower-cased, first value): kept in the EAP session too. */
export function odsaParamsOf(params: RawParams): Record<string, string> {
  const out: Record<string, string> = {};
  // client_id and scope: AcquireOperatorToken's (ap2015, §14.1.1); access_token is not read (docs/odsa.md § Operator tokens).
  const names = new Set(['operation', ...Object.keys(schemaFields(ODSA_PARAM_SCHEMAS.ap2006)), 'client_id', 'scope']);
  for (const name of names) {
    const v = firstValue(params[name]);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export interface OdsaAuth {
  imsi: string;
  method: 'TOKEN' | 'EAP-AKA' | 'TEMPORARY_TOKEN' | 'OPERATOR_TOKEN' | 'NONE';
  /** Echoed in the TOKEN characteristic (TS.43 token auth and EAP-AKA). */
  token?: { value: string; validity: number } | undefined;
}

export interface OdsaResponderDeps {
  ctx: Ts43Context;
  record: (input: ActivityInput) => Promise<void>;
  sendText: (reply: ReplyLike, status: number, text: string, activity: ActivityInput) => Promise<unknown>;
}

export function createOdsaResponder(deps: OdsaResponderDeps) {
  const { ctx, record, sendText } = deps;
  const { odsa, temporaryTokens } = ctx.services;

  /**
   * AcquireOperatorToken (TS.43 §14.1.2) for a device authenticated with a TS.43 token or EAP-AKA: omnisep mints
   * a token its own ValidateOperatorToken accepts. The summary names the client and the expiry, never the token.
   */
  const acquireOperatorToken = async (imsi: string, params: Readonly<Record<string, string>>): Promise<{ application: Characteristic; summary: Record<string, unknown> }> => {
    const summary = { operation: 'AcquireOperatorToken' };
    const asked = parseAcquireOperatorToken({ client_id: params.client_id, scope: params.scope });
    if (!asked.ok) return { application: asked.answer, summary: { ...summary, operation_result: 102 } };
    const minted = await ctx.services.operatorTokens.mint({ imsi, client_id: asked.client_id, scope: asked.scope });
    if (!minted.ok) return { application: mintRefusalAnswer(minted.reason), summary: { ...summary, operation_result: 100, reason: minted.reason } };
    return {
      application: acquireOperatorTokenAnswer(minted, asked.client_id, ctx.config.operator_token.auth_url),
      summary: { ...summary, operation_result: 1, client_id: asked.client_id, operator_token_expires_at: minted.expires_at },
    };
  };

  /** Run the operation for an authenticated subscriber and send the document. */
  const respond = async (req: RequestLike, reply: ReplyLike, input: { app: OperationAppId; terminal_id: string | null; params: Readonly<Record<string, string>>; auth: OdsaAuth; activity: ActivityInput; parsed?: ReturnType<typeof parseOdsaOperation> }) => {
    const { app, auth } = input;
    let outcome: { application: Characteristic; summary: Record<string, unknown> };
    if (app === 'ap2015') {
      outcome = isAcquireOperatorToken(input.params.operation) ? await acquireOperatorToken(auth.imsi, input.params) : await acquireTemporaryTokenFor2015(auth.imsi, input.terminal_id, input.params);
    } else {
      const parsed = input.parsed ?? parseOdsaOperation(app, input.params.operation ?? '', input.params);
      outcome = parsed.ok
        ? await odsa.run({ app, imsi: auth.imsi, terminal_id: input.terminal_id, op: parsed.op, opType: parsed.opType, params: parsed.params })
        : { application: errorAnswer(app, parsed.result, parsed.text), summary: { operation: input.params.operation ?? null, operation_result: parsed.result, error: parsed.text } };
    }
    const format = negotiateFormat(req.headers.accept);
    const body = renderDocument({ vers: { version: 1, validity: ctx.config.ts43.default_vers_validity }, token: auth.token ? { token: auth.token.value, validity: auth.token.validity } : undefined, applications: [outcome.application] }, format);
    await record({
      ...input.activity,
      request_type: 'odsa',
      imsi: auth.imsi,
      auth_method: auth.method,
      app_ids: [app],
      response_status: 200,
      response_code: 200,
      response_body: null,
      response_summary: { ...(input.activity.response_summary ?? {}), ...outcome.summary, format, token_issued: !!auth.token && auth.method === 'EAP-AKA' },
    });
    return reply.code(200).header('content-type', contentTypeOf(format)).header('cache-control', 'no-store').send(body);
  };

  /**
   * ap2015's AcquireTemporaryToken (§14.1.5 steps 6–8): a temporary token that opens AcquireOperatorToken only,
   * bound to the subscriber and ap2015, so the TS.43 client can keep its own token from the app's reach.
   */
  const acquireTemporaryTokenFor2015 = async (imsi: string, terminalId: string | null, params: Readonly<Record<string, string>>): Promise<{ application: Characteristic; summary: Record<string, unknown> }> => {
    const summary = { operation: 'AcquireTemporaryToken' };
    const targets = parseOperatorTokenTargets(params.operation_targets);
    if (!targets.ok) return { application: targets.answer, summary: { ...summary, operation_result: 102 } };
    const { token, record } = await temporaryTokens.issue({ imsi, app: 'ap2015', operation_targets: ['AcquireOperatorToken'], terminal_id: terminalId });
    return { application: temporaryTokenAnswer('ap2015', token.reveal(), record.expires_at * 1000, record.operation_targets), summary: { ...summary, operation_result: 1, operation_targets: record.operation_targets } };
  };

  /**
   * A request authenticated by a temporary token alone (§2.8.6): 401 invalid or expired, 403 an
   * operation outside its targets (or another subscriber's IMSI, another app), 404 no such token.
   */
  const respondTemporary = async (req: FastifyRequest, reply: FastifyReply, r: Ts43Request, params: RawParams, activity: ActivityInput) => {
    const tokenActivity: ActivityInput = { ...activity, request_type: 'odsa', auth_method: 'TEMPORARY_TOKEN' };
    const odsaParams = odsaParamsOf(params);
    // The token is checked first (401/404 whatever was asked), then what it is used for (403).
    const app = r.apps.find(isOdsaAppId) ?? null;
    // ap2015's AcquireOperatorToken with the temporary token of §14.1.5 step 9.
    const forOperatorToken = app === null && r.apps.includes('ap2015') && isAcquireOperatorToken(odsaParams.operation);
    const parsed = app !== null && odsaParams.operation !== undefined ? parseOdsaOperation(app, odsaParams.operation, odsaParams) : null;
    const use = forOperatorToken ? { app: 'ap2015', operation: 'AcquireOperatorToken' as const } : { app: app ?? '', operation: parsed?.ok ? parsed.op : null };
    const check = await temporaryTokens.verify(r.temporary_token!, { ...use, imsi: r.imsi });
    if (!check.ok) {
      const text = check.status === 404 ? 'Not found: no such temporary_token' : check.status === 403 ? 'Forbidden: temporary_token does not cover this request' : 'Unauthorized: temporary_token invalid or expired';
      return sendText(reply, check.status, text, { ...tokenActivity, response_summary: { reason: check.reason } });
    }
    if (forOperatorToken) return respond(req, reply, { app: 'ap2015', terminal_id: r.terminal_id, params: odsaParams, auth: { imsi: check.record.imsi, method: 'TEMPORARY_TOKEN' }, activity: { ...tokenActivity, imsi: check.record.imsi } });
    if (app === null || parsed === null) return sendText(reply, 403, 'Forbidden: a temporary_token opens ODSA operations only', { ...tokenActivity, imsi: check.record.imsi, response_summary: { reason: 'not_odsa' } });
    return respond(req, reply, { app, terminal_id: r.terminal_id, params: odsaParams, auth: { imsi: check.record.imsi, method: 'TEMPORARY_TOKEN' }, activity: { ...tokenActivity, imsi: check.record.imsi }, parsed });
  };

  /**
   * A request carrying `operator_token` (TS.43 §14.1.6, ap2015): 401 when the token fails (signature,
   * expiry, issuer, audience, subject), 403 when a good token is used for anything but ap2015's
   * ValidateOperatorToken and VerifyPhoneNumber; otherwise a 200 document with VERS and the APPLICATION,
   * never a TOKEN (§14.1.6: operator-token answers carry none).
   */
  const respondOperator = async (req: FastifyRequest, reply: FastifyReply, r: Ts43Request, params: RawParams, activity: ActivityInput) => {
    const act: ActivityInput = { ...activity, request_type: 'odsa', auth_method: 'OPERATOR_TOKEN', app_ids: r.apps };
    const check = await ctx.services.operatorTokens.verify(r.operator_token!);
    if (!check.ok) return sendText(reply, 401, 'Unauthorized: operator_token invalid or expired', { ...act, response_summary: { reason: check.reason } });
    const operation = firstValue(params.operation);
    const op = OPERATOR_TOKEN_OPERATIONS.find((o) => o.toLowerCase() === (operation ?? '').toLowerCase());
    if (!r.apps.includes('ap2015') || op === undefined)
      return sendText(reply, 403, 'Forbidden: operator_token does not cover this request', { ...act, imsi: check.claims.imsi, response_summary: { reason: 'wrong_operation', operation: operation ?? null } });
    const msisdn = op === 'ValidateOperatorToken' ? null : (await ctx.services.subscribers.get(check.claims.imsi))?.msisdn ?? null;
    const application = operatorTokenAnswer(op, check.claims, { client_id: firstValue(params.client_id), scope: firstValue(params.scope), msisdn: firstValue(params.msisdn) }, msisdn);
    const format = negotiateFormat(req.headers.accept);
    const body = renderDocument({ vers: { version: 1, validity: ctx.config.ts43.default_vers_validity }, applications: [application] }, format);
    const result = Number(application.parms.find(([k]) => k === 'OperationResult')?.[1]);
    await record({ ...act, imsi: check.claims.imsi, app_ids: ['ap2015'], response_status: 200, response_code: 200, response_body: null, response_summary: { operation: op, operation_result: result, format } });
    return reply.code(200).header('content-type', contentTypeOf(format)).header('cache-control', 'no-store').send(body);
  };

  return { respond, respondTemporary, respondOperator };
}
