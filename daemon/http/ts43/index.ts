/**
 * The TS.43 entitlement server on the public HTTP listener: `GET /` and
 * `POST /` (GSMA TS.43 v12.0 §2; TS43.md, binding "client contract" of
 * Android's service-entitlement library), plus the VoWiFi websheet.
 *
 *   first request (EAP_ID)      → 200 application/vnd.gsma.eap-relay.v1.0+json + Set-Cookie + AKA-Challenge
 *   POST {"eap-relay-packet"}   → 200 next challenge | 200 configuration document | 403 | 503 + Retry-After | 511
 *   IMSI + token                → 200 configuration document | 511
 *
 * Every request lands in the activity log (ctx.activity.record), never with
 * token values, cookies or keys.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyCookie } from '@fastify/cookie';
import fastifyCompress from '@fastify/compress';
import { parse as parseQueryString } from 'fast-querystring';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { EntitlementData } from '../../../src/contracts/entitlements.js';
import { StoreUnavailableError } from '../../../src/ports.js';
import { activityFields, type ActivityFields, type ActivityInput } from '../../../src/services/activity.js';
import {
  CONTENT_TYPE_EAP_RELAY,
  contentTypeOf,
  entitlementVersionSupported,
  foldParams,
  missingParams,
  missingParamsMessage,
  negotiateFormat,
  parseTs43Request,
  parseUserAgent,
  renderDocument,
  type RawParams,
  type Ts43Format,
  type Ts43Request,
  decodeRelayPacket,
  encodeRelayBody,
} from '../../../src/codec/ts43/index.js';
import { describeEap } from '../../../src/codec/eap/index.js';
import type { EapStepResult, SessionRequestContext } from '../../../src/services/eap-auth/eap-auth-service.js';
import { RETRY_AFTER_SECONDS } from '../../../src/services/eap-auth/result-codes.js';
import { classifyEapId } from '../../../src/services/eap-auth/eap-id.js';
import { describeResultView } from '../../../src/codec/diameter/result.js';
import { ProvisioningRenderer, joinParts, type RenderedParts } from '../../../src/services/entitlements/provisioning.js';
import { GzipTemplate, plainGzipFirst } from '../../../src/codec/gzip-parts.js';
import { validateEntitlement } from '../../../src/services/entitlements/catalog.js';
import { Secret } from '../../../src/util/secret.js';
import type { Ts43Context } from './context.js';
import websheetRoutes from './websheet.js';
import { WebsheetGrants } from '../../../src/services/entitlements/websheet-grants.js';
import { publicBaseUrl } from '../security.js';
import { ts43Metrics, type Ts43Metrics } from './metrics.js';
import { chooseBackend } from '../../services.js';
import { createOdsaResponder, odsaAppOf, odsaParamsOf } from './odsa.js';
import { privateUserIdMode } from '../../../src/fsm/ap2013-private-user-id.js';
import { createEnterpriseResponder, isEnterpriseRequest } from './odsa-enterprise.js';
import { boundedBody, leanBodyHook, type ReplyLike, type RequestLike } from '../lean.js';

export type { Ts43Context } from './context.js';

export interface Ts43PluginOptions {
  ctx: Ts43Context;
}

/** Name of the EAP session cookie. */
export const SESSION_COOKIE = 'OMNISEP_EAP';
/** Largest TS.43 request body: an EAP-Response in base64 is well under 1 KiB. */
export const TS43_BODY_LIMIT = 16 * 1024;

/**
 * Answers smaller than one TCP segment's payload go uncompressed: gzip would save the phone no packet and
 * cost the server a compressor per answer. Above it, level 1: a TS.43 document (a few KiB of repetitive XML)
 * shrinks nearly as much as at level 6 for a fraction of the CPU (docs/performance.md § Compression).
 */
export const GZIP_THRESHOLD = 1400;

const EAP_RELAY_CT = `${CONTENT_TYPE_EAP_RELAY}; charset=utf-8`;
/** Content types of the EAP-Response POSTs the lean path reads (Android's and the simulator's; the plugin's JSON parser takes them). */
const LEAN_BODY_TYPES = new Set(['application/json', 'application/json; charset=utf-8', CONTENT_TYPE_EAP_RELAY, EAP_RELAY_CT]);
const TEXT_CT = 'text/plain; charset=utf-8';

/** Android sends `Cookie: S="value"` when Set-Cookie had Max-Age without Expires (TS43.md): strip the quotes. */
const unquote = (v: string | undefined): string | undefined => (v === undefined ? undefined : v.replace(/^"(.*)"$/, '$1'));

/** A JSON request body as the plugin reads it: `{}` when empty or blank, undefined when it does not parse. */
const jsonBodyOf = (text: string): unknown => {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};
/** The key (any case) of `eap-relay-packet` in a JSON object body, or undefined: the POST is an EAP-Response then. */
const relayPacketKey = (body: unknown): string | undefined =>
  body === null || typeof body !== 'object' || Array.isArray(body) ? undefined : Object.keys(body).find((k) => k.toLowerCase() === 'eap-relay-packet');
/** No compression asked, or plain gzip first: what the lean path answers as @fastify/compress would (../lean.ts). */
const leanEncoding = (h: IncomingHttpHeaders): boolean =>
  h['x-no-compression'] === undefined && (h['accept-encoding'] === undefined || plainGzipFirst(h['accept-encoding']));

const EAP_ID_NOT_PERMANENT = 'EAP_ID is not a permanent identity: expected 0<IMSI>@nai.epc.mnc<MNC>.mcc<MCC>.3gppnetwork.org';
/** The 400 for a pseudonym or fast re-authentication identity this daemon cannot resolve, and why not. */
const temporaryEapIdMessage = (identity: string, why: string): string =>
  `EAP_ID is a ${identity === 'other' ? 'non-permanent' : identity === 'reauth' ? 'fast re-authentication' : 'pseudonym'} identity: ${why}. Send the permanent identity 0<IMSI>@nai.epc.mnc<MNC>.mcc<MCC>.3gppnetwork.org`;

/** What every TS.43 request's activity starts from (`baseActivity`). */
const ENTITLEMENT_QUERY: ActivityInput = { request_type: 'entitlement_query' };

export default async function ts43Plugin(app: FastifyInstance, opts: Ts43PluginOptions): Promise<void> {
  const { ctx } = opts;
  const cfg = ctx.config;
  const secret = new Secret(cfg.token.signing_secret);
  const { tokens, eapAuth: eap, websheetGrants } = ctx.services;
  const provisioningSources = { entitlements: ctx.services.entitlements, subscribers: ctx.services.subscribers, websheetGrants };
  const metrics: Ts43Metrics | null = ctx.metrics ? ts43Metrics(ctx.metrics) : null;
  // Documents rendered once per (defaults, overrides, apps, format) and filled in per request (docs/performance.md).
  const documents = new ProvisioningRenderer(renderDocument);
  // Their fixed pieces compressed once per template (keyed by the template's pieces: dropped with it).
  const gzipTemplates = new WeakMap<readonly string[], GzipTemplate>();
  /** The document gzipped from precompressed pieces when the phone plainly asks for gzip (Android does); else null. */
  const precompressed = (req: RequestLike, parts: RenderedParts): Buffer | null => {
    if (!plainGzipFirst(req.headers['accept-encoding']) || req.headers['x-no-compression'] !== undefined) return null;
    let t = gzipTemplates.get(parts.statics);
    if (!t) gzipTemplates.set(parts.statics, (t = new GzipTemplate(parts.statics)));
    return t.gzipIfAtLeast(parts.values, GZIP_THRESHOLD);
  };
  // The answer's format by Accept header value: a phone sends the same one on every poll (negotiateFormat is pure).
  const formats = new Map<string, Ts43Format>();
  const formatOf = (accept: string | undefined): Ts43Format => {
    if (accept === undefined) return negotiateFormat(accept);
    let f = formats.get(accept);
    if (f === undefined) {
      f = negotiateFormat(accept);
      if (formats.size < 256) formats.set(accept, f);
    }
    return f;
  };
  if (cfg.eap_aka.enabled) {
    app.addHook('onReady', async () => {
      if (!chooseBackend(cfg, ctx.services.backends, ctx.clock)) ctx.logger?.warn({ backend: cfg.eap_aka.backend }, `ts43: no ${cfg.eap_aka.backend === 'swm' ? 'AAA relay' : 'vector source'} registered: EAP-AKA answers 503 until one is`);
    });
  }
  for (const [appId, data] of Object.entries(cfg.default_entitlements)) {
    const v = validateEntitlement(appId, data);
    if (!v.ok) ctx.logger?.warn({ app_id: appId, errors: v.errors }, `ts43: default_entitlements.${appId} is invalid; phones get it as configured`);
  }

  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);
  if (!app.hasReplyDecorator('compress')) await app.register(fastifyCompress, { global: true, threshold: GZIP_THRESHOLD, encodings: ['gzip', 'deflate'], zlibOptions: { level: 1 } });

  const parseJsonBody = (_req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => {
    const value = jsonBodyOf(body);
    if (value !== undefined) return done(null, value);
    const err = new Error('request body is not valid JSON') as Error & { statusCode: number };
    err.statusCode = 400;
    done(err);
  };
  // Scoped to this plugin: the EAP relay type and plain JSON, both as JSON text; forms as key=value.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(['application/json', CONTENT_TYPE_EAP_RELAY], { parseAs: 'string', bodyLimit: TS43_BODY_LIMIT }, parseJsonBody);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: TS43_BODY_LIMIT }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // -------------------------------------------------------------------------
  // Activity

  /** The request's activity, every field present (activityFields): the path copies and sets, never spreads. */
  const baseActivity = (req: RequestLike, r: Partial<Ts43Request> | null): ActivityFields => {
    const ua = parseUserAgent(req.headers['user-agent']);
    // One object per request: the full-shape copy of a constant, its fields then set (not a literal copied again).
    const a = activityFields(ENTITLEMENT_QUERY);
    a.request_method = req.method;
    a.request_path = req.url;
    a.imsi = r?.imsi ?? null;
    a.terminal_id = r?.terminal_id ?? null;
    a.terminal_vendor = r?.terminal_vendor ?? ua.terminal_vendor;
    a.terminal_model = r?.terminal_model ?? ua.terminal_model;
    a.terminal_sw_version = r?.terminal_sw_version ?? null;
    a.client_ip = req.ip ?? null;
    a.user_agent = ua.raw || null;
    a.app_ids = r?.apps ?? [];
    a.request_headers = req.headers;
    return a;
  };

  const record = async (input: ActivityInput): Promise<void> => {
    if (metrics) {
      const type = input.request_type;
      const status = input.response_status ?? 200;
      metrics.requests.inc(`${type}\0${status}`, () => ({ type, status: String(status) }));
    }
    try {
      await ctx.activity.record(input);
    } catch (e) {
      ctx.logger?.error({ err: e }, 'ts43: activity record failed');
    }
  };

  const sendText = async (reply: ReplyLike, status: number, text: string, activity: ActivityInput, headers: Record<string, string> = {}) => {
    const done = activityFields(activity);
    done.response_status = status;
    done.response_code = status;
    done.response_body = text;
    done.response_summary = { ...(activity.response_summary ?? {}), error: text };
    await record(done);
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    return reply.code(status).type(TEXT_CT).send(text);
  };

  // ODSA (ap2006/ap2009 with an `operation`, docs/odsa.md): answered by daemon/http/ts43/odsa.ts.
  const odsaResponder = createOdsaResponder({ ctx, record, sendText });
  // ap2011 (an app server by requestor_id + access_token or TOKEN, docs/odsa.md § ap2011): daemon/http/ts43/odsa-enterprise.ts.
  const enterpriseResponder = createEnterpriseResponder({ config: ctx.config, clock: ctx.clock, enterprises: ctx.services.enterprises, record, sendText });
  // Push on change (TS.43 §2.6): an authenticated device's notif_token is kept; the phone never waits for it.
  const registerPush = (imsi: string, r: { terminal_id: string | null; app_name: string | null; apps: readonly string[]; notif_action: number | null; notif_token: string | null }) => {
    if (r.notif_token === null || r.notif_action === null) return;
    ctx.services.push.register({ imsi, terminal_id: r.terminal_id, app_name: r.app_name, apps: r.apps, notif_action: r.notif_action, notif_token: r.notif_token })
      .catch((e: unknown) => ctx.logger?.error({ err: e }, 'push: registration failed'));
  };

  // -------------------------------------------------------------------------
  // Documents

  // URLs sent to phones come from configuration (or a trusted proxy), never the raw Host header (docs/security.md).
  const websheetBase = (req: RequestLike): string => publicBaseUrl(cfg, req, '/websheet', (ctx as { listeners?: { http?: { port?: number } } }).listeners?.http?.port);

  const sendDocument = async (
    req: RequestLike,
    reply: ReplyLike,
    input: { imsi: string; apps: string[]; format: Ts43Format; token?: { value: string; validity: number }; vers: number },
    activity: ActivityInput,
    beforeSend?: () => Promise<void>,
  ) => {
    const { parts, vers } = await documents.renderParts(provisioningSources, {
      imsi: input.imsi,
      apps: input.apps,
      defaults: ctx.config.default_entitlements as Record<string, EntitlementData>, // read per request: SIGHUP reloads it in place
      token: input.token,
      versValidity: cfg.ts43.default_vers_validity,
      websheetBase: websheetBase(req),
      signingSecret: secret,
      nowMs: ctx.clock.now(),
      privateUserId: privateUserIdMode(ctx.config), // ap2013 (docs/odsa.md § ap2013); read per request: SIGHUP applies
    }, input.format);
    const done = activityFields(activity);
    done.imsi = input.imsi;
    done.app_ids = input.apps;
    done.response_status = 200;
    done.response_code = 200;
    done.response_body = null; // the summary says what was answered; whole documents would bloat an append-heavy log
    const summary = { format: input.format, vers, vers_held: input.vers, apps: input.apps, token_issued: !!input.token };
    done.response_summary = activity.response_summary === undefined ? summary : { ...activity.response_summary, ...summary };
    // The record's commit and the caller's last writes (a token's replaced ones) are waited for together.
    if (beforeSend) await Promise.all([record(done), beforeSend()]);
    else await record(done);
    reply.code(200).header('content-type', contentTypeOf(input.format)).header('cache-control', 'no-store');
    // The headers @fastify/compress would send (gzip, Content-Length, Vary), without a compressor per answer.
    const gz = precompressed(req, parts);
    if (gz) return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(gz);
    return reply.send(joinParts(parts));
  };

  const sendRelay = async (req: RequestLike, reply: ReplyLike, packet: Buffer, activity: ActivityInput, cookie?: Secret<string>) => {
    const body = encodeRelayBody(packet);
    if (cookie) {
      // Expires and no Max-Age: Android would send the value back quoted otherwise (TS43.md). Never rotated mid-exchange.
      reply.setCookie(SESSION_COOKIE, cookie.reveal(), {
        path: '/',
        httpOnly: true,
        secure: req.protocol === 'https',
        expires: new Date(ctx.clock.now() + cfg.eap_aka.session_timeout_ms),
      });
    }
    const done = activityFields(activity);
    done.response_status = 200;
    done.response_code = 200;
    done.response_body = null;
    done.response_summary = { ...(activity.response_summary ?? {}), eap_out: describeEap(packet) };
    await record(done);
    return reply.code(200).header('content-type', EAP_RELAY_CT).header('cache-control', 'no-store').send(body);
  };

  const sendFailure = async (reply: ReplyLike, r: Extract<EapStepResult, { kind: 'failed' | 'invalid' }>, activity: ActivityInput) => {
    const limited = r.kind === 'failed' && r.limit !== undefined; // not admitted: counted in omnisep_eap_sessions_refused_total
    if (r.kind === 'failed' && !limited) metrics?.eapOutcomes.inc({ backend: eap.backendName, outcome: r.status === 403 ? 'rejected' : r.status === 503 ? 'unavailable' : 'start_over' });
    const headers: Record<string, string> = {};
    if (r.kind === 'failed' && r.status === 503) headers['retry-after'] = String(r.retryAfter ?? RETRY_AFTER_SECONDS);
    const text = r.status === 403 ? 'Forbidden: authentication failed' : r.status === 511 ? 'Network authentication required'
      : limited ? 'Service unavailable: too many authentication attempts, retry later' : r.status === 503 ? 'Service unavailable: authentication back-end unreachable' : r.reason;
    // The AAA's Diameter result, when one came, names itself in the body and the activity record (docs/ts43.md § Diameter results).
    const dia = r.kind === 'failed' ? r.diameter : undefined;
    const body = dia ? `${text} (Diameter ${describeResultView(dia)})` : text;
    return sendText(reply, r.status, body, { ...activity, response_summary: { ...(activity.response_summary ?? {}), reason: r.reason, ...(dia ? { diameter_result: dia } : {}) } }, headers);
  };

  // -------------------------------------------------------------------------
  // Handlers

  /** The phone's POST of an EAP-Response on the bare URL, with the session cookie only. */
  const handleEapResponse = async (req: RequestLike, reply: ReplyLike, cookie: string | undefined, body: Record<string, unknown>, params: RawParams) => {
    const r = parseTs43Request(params);
    const activity = baseActivity(req, r);
    activity.request_type = 'eap_response';
    activity.auth_method = 'EAP-AKA';
    if (!cookie) return sendText(reply, 400, `Missing EAP session cookie ${SESSION_COOKIE}`, activity);
    const packet = decodeRelayPacket(body['eap-relay-packet']);
    if (!packet) return sendText(reply, 400, 'eap-relay-packet is not valid base64', activity);
    let described: unknown = null;
    try {
      described = describeEap(packet);
    } catch {
      described = { malformed: true };
    }
    activity.response_summary = { eap_in: described };
    const result = await eap.respond(cookie, packet, { user_agent: parseUserAgent(req.headers['user-agent']).raw || null, terminal_id: r.terminal_id });
    if (result.kind === 'invalid') return sendFailure(reply, result, activity);
    const s = result.kind === 'failed' ? result.session : result.session;
    if (s) {
      const c = s.context;
      activity.imsi = c.imsi || null;
      activity.terminal_id = c.terminal_id;
      activity.terminal_vendor = c.terminal_vendor ?? activity.terminal_vendor ?? null;
      activity.terminal_model = c.terminal_model ?? activity.terminal_model ?? null;
      activity.terminal_sw_version = c.terminal_sw_version;
      activity.app_ids = c.apps;
      activity.response_summary = { ...activity.response_summary, session_id: s.id };
    }
    if (result.kind === 'failed') return sendFailure(reply, result, activity);
    if (result.kind === 'challenge') return sendRelay(req, reply, result.packet, activity);
    // Success: the configuration document directly, never an EAP-Success packet (Android throws on it).
    // The context's IMSI is the permanent one the back-end authenticated (a pseudonym's is named by the AAA).
    const c = result.session.context;
    activity.imsi = c.imsi;
    if (result.reauth !== undefined) activity.response_summary = { ...activity.response_summary, fast_reauth: result.reauth };
    try {
      // The replaced tokens' deletes are waited for with the activity record's commit, before the answer goes.
      const issued = await tokens.issueAlong({ imsi: c.imsi, terminal_id: c.terminal_id, app_name: c.app_name, auth_method: 'EAP-AKA' });
      metrics?.eapOutcomes.inc({ backend: eap.backendName, outcome: 'success' });
      metrics?.tokensIssued.inc();
      if (c.notif) registerPush(c.imsi, { ...c, notif_action: c.notif.action, notif_token: c.notif.token });
      const odsaApp = c.odsa ? odsaAppOf(c.apps, c.odsa) : null;
      if (odsaApp !== null && c.odsa) {
        await issued.replaced;
        await eap.complete(result.session.id);
        // Through fastify, whose reply compresses a large answer: the lean path takes no session with an operation.
        return await odsaResponder.respond(req, reply, { app: odsaApp, terminal_id: c.terminal_id, params: c.odsa, auth: { imsi: c.imsi, method: 'EAP-AKA', token: { value: issued.token.reveal(), validity: tokens.validitySeconds } }, activity });
      }
      // The document is built and recorded: the session is completed before the phone sees the answer.
      return await sendDocument(req, reply, { imsi: c.imsi, apps: c.apps, format: negotiateFormat(req.headers.accept), vers: c.vers, token: { value: issued.token.reveal(), validity: tokens.validitySeconds } }, activity,
        async () => { await issued.replaced; await eap.complete(result.session.id); });
    } catch (e) {
      await eap.abandon(result.session.id, 'document failed');
      throw e;
    }
  };

  /** 400 or 406 for a query no answer can be given to (its text), else null. */
  const refusal = (r: Ts43Request): [status: number, text: string] | null => {
    const authOff = !cfg.eap_aka.enabled;
    const missing = missingParams(r, { authOptional: authOff });
    if (authOff && r.imsi === null && r.eap_id === null) missing.push('IMSI');
    if (missing.length) return [400, missingParamsMessage(missing)];
    if (!entitlementVersionSupported(r.entitlement_version!, cfg.ts43.entitlement_versions)) {
      return [406, `Protocol not supported: entitlement_version ${r.entitlement_version} (supported ${cfg.ts43.entitlement_versions.min}–${cfg.ts43.entitlement_versions.max})`];
    }
    return null;
  };

  /**
   * Fast re-authentication with a token this server issued (§2.8.5): 511 when it does not hold, else the document,
   * or what `odsa` answers (an ODSA app's operation, docs/odsa.md).
   */
  const answerToken = async (
    req: RequestLike, reply: ReplyLike, r: Ts43Request, auth: { imsi: string; token: string }, activity: ActivityInput, format: Ts43Format,
    odsa?: (token: { value: string; validity: number }, activity: ActivityInput) => Promise<unknown>,
  ) => {
    const tokenActivity = activityFields(activity);
    tokenActivity.request_type = 'token_auth';
    tokenActivity.auth_method = 'TOKEN';
    const check = await tokens.verify(auth.token, { imsi: auth.imsi, terminal_id: r.terminal_id, app_name: r.app_name });
    const result = check.ok ? 'ok' : check.reason;
    metrics?.tokenAuth.inc(result, () => ({ result }));
    if (!check.ok) return sendText(reply, 511, 'Network authentication required: token invalid, expired or revoked', { ...tokenActivity, response_summary: { reason: check.reason } });
    const token = { value: auth.token, validity: Math.max(0, check.record.expires_at - Math.floor(ctx.clock.now() / 1000)) };
    registerPush(auth.imsi, r);
    if (odsa) return odsa(token, tokenActivity);
    return sendDocument(req, reply, { imsi: auth.imsi, apps: r.apps, format, vers: r.vers, token }, tokenActivity);
  };

  const handleQuery = async (req: FastifyRequest, reply: FastifyReply, params: RawParams) => {
    const r = parseTs43Request(params);
    const activity = baseActivity(req, r);
    if (r.requestor_id !== null && isEnterpriseRequest(r, params)) return enterpriseResponder(req, reply, r, params, activity);
    const authOff = !cfg.eap_aka.enabled;
    const refused = refusal(r);
    if (refused) return sendText(reply, refused[0], refused[1], activity);
    const format = formatOf(req.headers.accept);

    if (r.token !== null && r.imsi !== null) {
      const imsi = r.imsi;
      const odsaApp = odsaAppOf(r.apps, params);
      return answerToken(req, reply, r, { imsi, token: r.token }, activity, format, odsaApp === null ? undefined
        : (token, tokenActivity) => odsaResponder.respond(req, reply, { app: odsaApp, terminal_id: r.terminal_id, params: odsaParamsOf(params), auth: { imsi, method: 'TOKEN', token }, activity: tokenActivity }));
    }

    // §2.8.6: a temporary token from AcquireTemporaryToken, sent alone (docs/odsa.md).
    if (r.temporary_token !== null && r.eap_id === null) return odsaResponder.respondTemporary(req, reply, r, params, activity);
    // §14.1.6: an operator token (ap2015), checked against the configured issuer (docs/odsa.md § Operator tokens).
    if (r.operator_token !== null && r.eap_id === null) return odsaResponder.respondOperator(req, reply, r, params, activity);

    const id = identityOf(r);
    if (typeof id === 'string') return sendText(reply, 400, id, activity);
    if (authOff) {
      // Development only (EAP-AKA.md): answer for the IMSI given.
      const imsi = id.imsi;
      registerPush(imsi, r);
      const odsaApp = odsaAppOf(r.apps, params);
      if (odsaApp !== null) return odsaResponder.respond(req, reply, { app: odsaApp, terminal_id: r.terminal_id, params: odsaParamsOf(params), auth: { imsi, method: 'NONE' }, activity: { ...activity, imsi } });
      return sendDocument(req, reply, { imsi, apps: r.apps, format, vers: r.vers }, { ...activity, imsi, auth_method: 'NONE' });
    }
    return startEap(req, reply, r, params, activity, id);
  };

  /**
   * Who a request without a token is, from its EAP_ID: the permanent identity, or (swm only) a pseudonym / fast
   * re-auth identity the AAA resolves, its IMSI '' until the AAA names it (docs/ts43.md § Requests); the IMSI
   * parameter without an EAP_ID. A string: the 400's text for an EAP_ID this daemon cannot take.
   */
  const identityOf = (r: Ts43Request): { eapId: ReturnType<typeof classifyEapId> | null; imsi: string } | string => {
    const eapId = r.eap_id !== null ? classifyEapId(r.eap_id) : null;
    if (eapId?.kind === 'invalid') return EAP_ID_NOT_PERMANENT;
    if (eapId?.kind === 'temporary' && (!cfg.eap_aka.enabled || eap.backendName !== 'swm')) {
      return temporaryEapIdMessage(eapId.identity, !cfg.eap_aka.enabled ? 'EAP-AKA is off (eap_aka.enabled false), so the IMSI must come from the EAP_ID'
        : `only the AAA that issued one can resolve it (eap_aka.backend swm); the ${eap.backendName} back-end issues none`);
    }
    return { eapId, imsi: eapId?.kind === 'permanent' ? eapId.imsi : eapId?.kind === 'temporary' ? '' : r.imsi! };
  };

  /** A first request with EAP_ID (EAP-AKA on): admit the session and answer its first challenge (or why not). */
  const startEap = async (
    req: RequestLike, reply: ReplyLike, r: Ts43Request, params: RawParams, activity: ActivityFields, { eapId, imsi }: Exclude<ReturnType<typeof identityOf>, string>,
  ) => {
    const challengeActivity = activityFields(activity);
    challengeActivity.imsi = imsi || null;
    challengeActivity.request_type = 'eap_challenge';
    challengeActivity.auth_method = 'EAP-AKA';
    const sessionRequest: SessionRequestContext = {
      eap_id: r.eap_id!,
      imsi,
      terminal_id: r.terminal_id,
      terminal_vendor: r.terminal_vendor,
      terminal_model: r.terminal_model,
      terminal_sw_version: r.terminal_sw_version,
      app_name: r.app_name,
      app_version: r.app_version,
      entitlement_version: r.entitlement_version,
      vers: r.vers,
      apps: r.apps,
      user_agent: parseUserAgent(req.headers['user-agent']).raw || null,
      client_ip: req.ip ?? null,
      // A tokenless ODSA request: its operation runs once EAP-AKA succeeds (ODSA.md § Authentication).
      ...(odsaAppOf(r.apps, params) !== null ? { odsa: odsaParamsOf(params) } : {}),
      ...(r.notif_token !== null && r.notif_action !== null ? { notif: { action: r.notif_action, token: r.notif_token } } : {}),
    };
    const result = await eap.start(sessionRequest);
    challengeActivity.response_summary = { session_id: result.kind === 'invalid' ? null : result.session?.id ?? null, backend: eap.backendName, ...(eapId?.kind === 'temporary' ? { eap_identity: eapId.identity } : {}) };
    if (result.kind === 'challenge') return sendRelay(req, reply, result.packet, challengeActivity, result.cookie);
    if (result.kind === 'failed' || result.kind === 'invalid') return sendFailure(reply, result, challengeActivity);
    // A back-end that succeeds without a challenge would skip the SIM: refuse.
    await eap.abandon(result.session.id, 'success without challenge');
    return sendText(reply, 403, 'Forbidden: authentication failed', challengeActivity);
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const query = foldParams(req.query);
    if (req.method === 'POST') {
      const body = req.body;
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
        return sendText(reply, 400, 'request body must be a JSON object', baseActivity(req, null));
      }
      const obj = (body ?? {}) as Record<string, unknown>;
      const key = relayPacketKey(obj);
      if (key !== undefined) return handleEapResponse(req, reply, unquote(req.cookies?.[SESSION_COOKIE]), { 'eap-relay-packet': obj[key] }, query);
      return handleQuery(req, reply, { ...query, ...foldParams(obj) });
    }
    return handleQuery(req, reply, query);
  };

  /** What a request that failed gets (fastify's error handler of this plugin, and the lean path's). */
  const answerError = async (err: Error & { statusCode?: number; code?: string }, req: RequestLike, reply: ReplyLike) => {
    // The database is unreachable (PostgreSQL restarting, fail-over): the phone retries after Retry-After.
    if (err instanceof StoreUnavailableError)
      return sendText(reply, 503, 'Service temporarily unavailable', baseActivity(req, null), { 'retry-after': String(err.retryAfterSeconds) });
    const status = err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) ctx.logger?.error({ err }, 'ts43: internal error');
    const text = status === 413 ? 'Request body too large' : status === 415 ? 'Unsupported Content-Type' : status === 500 ? 'Internal server error' : err.message;
    return sendText(reply, status, text, baseActivity(req, null));
  };
  app.setErrorHandler(answerError);

  // The lean path (../lean.ts): a token query, the first request of an EAP-AKA authentication (EAP_ID, EAP-AKA on)
  // and the EAP-Responses of a session this daemon started, answered before fastify the same way its route answers
  // them. Declined (fastify serves them): any other GET of `/?…` (ODSA operations and ap2011 requests: their
  // responders may answer more than @fastify/compress leaves uncompressed); compression other than absent or plain
  // gzip (@fastify/compress negotiates those); behind a trusted proxy (../lean.ts).
  const lean = ctx.leanPaths;
  if (lean) {
    // handleQuery's steps for the two kinds of GET the route takes (a token query; an EAP start, EAP-AKA on).
    const answerLean = async (req: RequestLike, reply: ReplyLike, r: Ts43Request, params: RawParams) => {
      const activity = baseActivity(req, r);
      const refused = refusal(r);
      if (refused) return sendText(reply, refused[0], refused[1], activity);
      if (r.token !== null && r.imsi !== null) return answerToken(req, reply, r, { imsi: r.imsi, token: r.token }, activity, formatOf(req.headers.accept));
      const id = identityOf(r);
      if (typeof id === 'string') return sendText(reply, 400, id, activity);
      return startEap(req, reply, r, params, activity, id);
    };
    lean.add((raw: IncomingMessage, res: ServerResponse, startedAt: number): boolean => {
      const url = raw.url!;
      if (raw.method !== 'GET' || url.charCodeAt(0) !== 47 /* / */ || url.charCodeAt(1) !== 63 /* ? */) return false;
      if (!leanEncoding(raw.headers)) return false;
      // The query as fastify's router parses it (find-my-way: fast-querystring on what follows the `?`).
      const params = foldParams(parseQueryString(url.slice(2)));
      const r = parseTs43Request(params);
      if (r.requestor_id !== null || odsaAppOf(r.apps, params) !== null) return false;
      const poll = r.token !== null && r.imsi !== null;
      // Or a phone's first request of an EAP-AKA authentication (EAP_ID, no token): its challenge and session cookie,
      // which leave at once (the exchange's next request waits on them).
      if (!poll && (r.token !== null || r.eap_id === null || !cfg.eap_aka.enabled)) return false;
      lean.answer(raw, res, '/', startedAt, (req, reply) => answerLean(req, reply, r, params), answerError, poll);
      return true;
    });
    // The EAP-Response POSTs of a session this daemon started (no ODSA operation after it): the bare URL, a JSON body
    // within the limit, its session cookie. A body that turns out to be anything else (no eap-relay-packet, not JSON)
    // goes to fastify with the request, which reads it from `leanBodyHook` and answers as ever.
    lean.addWithBody((raw: IncomingMessage) => {
      if (raw.method !== 'POST' || raw.url !== '/') return null;
      const h = raw.headers;
      if (!boundedBody(h, TS43_BODY_LIMIT)) return null;
      if (h['content-type'] === undefined || !LEAN_BODY_TYPES.has(h['content-type'].toLowerCase())) return null;
      if (!leanEncoding(h)) return null;
      // The cookie as @fastify/cookie's request hook reads it (its own parser).
      const cookie = h.cookie === undefined ? undefined : unquote(fastifyCookie.parse(h.cookie)[SESSION_COOKIE]);
      if (cookie === undefined || !eap.startedHerePlain(cookie)) return null;
      return (body: Buffer, res: ServerResponse, startedAt: number): boolean => {
        // As the plugin's JSON parser and `handler` read it; anything they would not pass to handleEapResponse, declined.
        const obj = jsonBodyOf(body.toString('utf8'));
        const key = relayPacketKey(obj);
        if (key === undefined) return false;
        const packet = (obj as Record<string, unknown>)[key];
        lean.answer(raw, res, '/', startedAt, (req, reply) => handleEapResponse(req, reply, cookie, { 'eap-relay-packet': packet }, {}), answerError, false);
        return true;
      };
    });
  }
  // A POST body the lean path read and declined: fastify's parser reads it from there (../lean.ts).
  app.addHook('preParsing', leanBodyHook);

  app.route({ method: ['GET', 'POST'], url: '/', bodyLimit: TS43_BODY_LIMIT, handler });
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: '/',
    handler: async (req, reply) => sendText(reply.header('allow', 'GET, POST'), 405, 'Method not allowed', baseActivity(req, null)),
  });

  await app.register(websheetRoutes, { ctx, secret, grants: websheetGrants });
}
