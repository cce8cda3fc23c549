/**
 * The XCAP server on the public HTTP listener (XCAP.md, RFC 4825): the
 * simservs documents under `{xcap.root}/simservs.ngn.etsi.org/users/{xui}/
 * simservs.xml[/~~/{node}]` and `{xcap.root}/xcap-caps/global/index`.
 * This plugin does HTTP only — methods, content types, headers, identity,
 * activity; the XCAP semantics live in src/services/xcap/.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DecodeError } from '../../../src/codec/decode-error.js';
import { buildXcapCaps } from '../../../src/codec/xcap/caps.js';
import { buildXcapError, XCAP_ERROR_CONTENT_TYPE } from '../../../src/codec/xcap/error-doc.js';
import { parseXcapUri, SIMSERVS_AUID, SIMSERVS_USERS_PATH, type XcapTarget } from '../../../src/codec/xcap/uri.js';
import { CONTENT_TYPE } from '../../../src/services/xcap/operations.js';
import { type XcapResult, type XcapService } from '../../../src/services/xcap/service.js';
import type { DaemonContext } from '../../context.js';
import { proxyList, XcapAuthenticator, type AuthOutcome } from './identity.js';
import { digestLockout } from '../../security/lockouts.js';
import { StoreUnavailableError } from '../../../src/ports.js';
import { boundedBody, leanBodyHook, type LeanLog, type ReplyLike, type RequestLike } from '../lean.js';

/** What the handler reads of a request: fastify's, or the lean path's (../lean.ts). */
type XcapRequest = RequestLike & { readonly raw: IncomingMessage; readonly body?: unknown; readonly log: LeanLog };

/** Request bodies above this are refused with 413 before parsing (docs/xcap.md § Limits). */
export const XCAP_BODY_LIMIT = 256 * 1024;

const DOC_ALLOW = 'GET, PUT, DELETE, HEAD';
const CAPS_ALLOW = 'GET, HEAD';
const ALL_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS'] as const;
/** The methods a simservs document answers (DOC_ALLOW). */
const DOC_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Request media types accepted per resource kind (XCAP.md § Operations; lenient with the generic XML types). */
const ACCEPTED_TYPES: Record<'document' | 'element' | 'attribute', string[]> = {
  document: [CONTENT_TYPE.document, 'application/vnd.etsi.simservs+xml', 'application/xml', 'text/xml'],
  element: [CONTENT_TYPE.element, 'application/xml', 'text/xml'],
  attribute: [CONTENT_TYPE.attribute, 'text/plain'],
};
/** The Content-Types a PUT on the lean path may carry: any kind's, as written there (the handler still checks the kind's). */
const LEAN_PUT_TYPES = new Set(Object.values(ACCEPTED_TYPES).flat());

function resourceKind(t: Exclude<XcapTarget, { kind: 'caps' }>): 'document' | 'element' | 'attribute' {
  return t.kind === 'document' ? 'document' : t.selector.attribute ? 'attribute' : 'element';
}

/** Whether the path part of `url` percent-decodes (find-my-way, fastify's router, refuses the request when not). */
function decodablePath(url: string): boolean {
  const end = url.search(/[?#]/);
  try {
    decodeURI(end < 0 ? url : url.slice(0, end));
    return true;
  } catch {
    return false;
  }
}

const headerOf = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

export default async function xcapPlugin(app: FastifyInstance, opts: { ctx: DaemonContext }): Promise<void> {
  const { ctx } = opts;
  const service: XcapService = ctx.services.xcap;
  const root = ctx.config.xcap.root.replace(/\/+$/, '');
  let trustedKey = '';
  let trusted = proxyList([]);
  const auth = new XcapAuthenticator(
    service,
    () => {
      // Re-read per request: a SIGHUP reload may change xcap.trusted_proxies.
      const key = ctx.config.xcap.trusted_proxies.join(',');
      if (key !== trustedKey) { trusted = proxyList(ctx.config.xcap.trusted_proxies); trustedKey = key; }
      return trusted;
    },
    () => ctx.clock.now(),
    ctx.random.bytes(32),
    digestLockout(ctx),
  );

  // xcap.hss_sync: Sh pushes that failed are retried every 30 s while the listener runs (DIAMETER.md § Sh).
  if (ctx.config.xcap.hss_sync) {
    const timer = setInterval(() => {
      service.retryHss().then(
        (pending) => { if (pending) ctx.logger.warn({ pending }, 'xcap: Sh pushes still pending'); },
        (err: unknown) => ctx.logger.warn({ err }, 'xcap: Sh retry failed'),
      );
    }, 30_000);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  // Bodies arrive as raw bytes whatever their type: the XML codec decides (UTF-8, well-formedness).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: XCAP_BODY_LIMIT }, (_req, body, done) => done(null, body));

  /** What a request that failed gets (fastify's error handler of this plugin, and the lean path's). */
  function answerError(err: Error & { statusCode?: number; code?: string }, req: XcapRequest, reply: ReplyLike) {
    if (err instanceof StoreUnavailableError) {
      reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.code(503).type('text/plain; charset=utf-8').send('storage temporarily unavailable\n');
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'xcap: request failed');
    void record(req, status, null, { error: err.code ?? 'internal' });
    return reply.code(status).type('text/plain; charset=utf-8').send(status === 413 ? 'request body too large\n' : status >= 500 ? 'internal error\n' : `${err.message}\n`);
  }
  app.setErrorHandler((err: FastifyError, req, reply) => answerError(err, req, reply));

  /** The request's activity record; its IMSI from `known` (the request's lookup) when given, else read here. */
  function record(req: XcapRequest, status: number, msisdn: string | null, summary: Record<string, unknown>, authMethod: string | null = null, known?: { imsi: string | null }): Promise<unknown> {
    if (known || !msisdn) return recordAs(req, status, msisdn, summary, authMethod, known ? known.imsi : null);
    return service.imsiOf(msisdn).catch(() => null).then((imsi) => recordAs(req, status, msisdn, summary, authMethod, imsi));
  }

  function recordAs(req: XcapRequest, status: number, msisdn: string | null, summary: Record<string, unknown>, authMethod: string | null, imsi: string | null): Promise<unknown> {
    const body = Buffer.isBuffer(req.body) ? req.body : null;
    return ctx.activity
      .record({
        request_type: 'xcap',
        request_method: req.method,
        request_path: req.raw.url ?? req.url,
        msisdn,
        imsi,
        client_ip: req.ip,
        user_agent: headerOf(req.headers['user-agent']) ?? null,
        auth_method: authMethod,
        response_status: status,
        response_code: status,
        request_headers: req.headers,
        request_body: body && body.length ? body.subarray(0, 4096).toString('utf8') : null,
        response_summary: summary,
      })
      .catch((e: unknown) => req.log.warn({ err: e }, 'xcap: activity record failed'));
  }

  function sendResult(req: XcapRequest, reply: ReplyLike, r: XcapResult, msisdn: string, authMethod: string, kind: string, known?: { imsi: string | null }) {
    if (r.etag) reply.header('etag', r.etag);
    // Set, not spread in: a spread in an object literal copies generically (docs/performance.md § Twentieth round).
    const summary: Record<string, unknown> = { resource: kind, etag: r.etag ?? null };
    if (r.error) summary.error = r.error.condition;
    else if (r.reason && r.status >= 400) summary.reason = r.reason;
    void record(req, r.status, msisdn, summary, authMethod, known);
    reply.code(r.status);
    if (r.error) return reply.type(XCAP_ERROR_CONTENT_TYPE).send(buildXcapError(r.error));
    if (r.status === 304) return reply.send();
    if (r.body !== undefined) {
      reply.type(r.contentType!);
      return reply.send(req.method === 'HEAD' ? undefined : r.body);
    }
    if (r.status >= 400) return reply.type('text/plain; charset=utf-8').send(`${r.reason ?? 'error'}\n`);
    return reply.send();
  }

  function plain(req: XcapRequest, reply: ReplyLike, status: number, text: string, msisdn: string | null = null, extra: Record<string, string | string[]> = {}) {
    for (const [k, v] of Object.entries(extra)) reply.header(k, v);
    void record(req, status, msisdn, { reason: text });
    return reply.code(status).type('text/plain; charset=utf-8').send(`${text}\n`);
  }

  const handler = async (req: XcapRequest, reply: ReplyLike) => {
    const raw = req.raw.url ?? req.url;
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? '' : raw.slice(q + 1);
    let target: XcapTarget | null;
    try {
      target = parseXcapUri(path, query, root);
    } catch (e) {
      if (e instanceof DecodeError) return plain(req, reply, 400, `malformed XCAP URI: ${e.reason}`);
      throw e;
    }
    if (!target) return plain(req, reply, 404, 'no such XCAP resource');
    if (target.kind === 'caps') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(req, reply, 405, 'method not allowed', null, { allow: CAPS_ALLOW });
      void record(req, 200, null, { resource: 'xcap-caps' });
      return reply.type(CONTENT_TYPE.caps).send(req.method === 'HEAD' ? undefined : buildXcapCaps());
    }
    if (!DOC_METHODS.has(req.method)) return plain(req, reply, 405, 'method not allowed', null, { allow: DOC_ALLOW });
    const msisdn = service.msisdnOf(target.xui);
    if (!msisdn) return plain(req, reply, 404, 'the XUI carries no telephone number');
    // Authenticate before saying whether a document exists (no probing of who is provisioned).
    const who: AuthOutcome = auth.asserted(req, msisdn) ?? (await auth.digest(req, msisdn));
    if (!who.ok) return plain(req, reply, who.status, who.reason, msisdn, who.wwwAuthenticate ? { 'www-authenticate': who.wwwAuthenticate } : who.retryAfterSeconds ? { 'retry-after': String(who.retryAfterSeconds) } : {});
    const found = await service.lookup(msisdn);
    if (!found.provisioned) return plain(req, reply, 404, 'no such subscriber', msisdn);
    const kind = resourceKind(target);
    const pre = { ifMatch: headerOf(req.headers['if-match']), ifNoneMatch: headerOf(req.headers['if-none-match']) };
    // The document's URI, which a write's Sh push and error documents name: not built for a read.
    const docUri = () => {
      const xuiRaw = path.slice(root.length + SIMSERVS_USERS_PATH.length).split('/')[0]!;
      return `${req.protocol}://${req.headers.host ?? 'localhost'}${root}${SIMSERVS_USERS_PATH}${xuiRaw}/simservs.xml`;
    };
    let r: XcapResult;
    if (req.method === 'GET' || req.method === 'HEAD') r = await service.get(msisdn, target, pre, found.profile);
    else if (req.method === 'DELETE') r = await service.delete(msisdn, target, pre, docUri(), found);
    else {
      const ctype = (headerOf(req.headers['content-type']) ?? '').split(';')[0]!.trim().toLowerCase();
      if (ctype && !ACCEPTED_TYPES[kind].includes(ctype)) {
        return plain(req, reply, 415, `a PUT of an ${kind} takes ${ACCEPTED_TYPES[kind][0]}`, msisdn, { accept: ACCEPTED_TYPES[kind].join(', ') });
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      r = await service.put(msisdn, target, body, pre, docUri(), found);
    }
    // The IMSI `lookup` read serves the write and the record: an XCAP write never changes it (the stored
    // profile keeps its IMSI, else takes this one), so it is not read twice more per PUT.
    return sendResult(req, reply, r, msisdn, who.method, kind, found);
  };

  // A PUT body the lean path read and then left to fastify (a route that threw): fastify's parser reads it from there.
  app.addHook('preParsing', leanBodyHook);

  const documents = `${root}/${SIMSERVS_AUID}/*`;
  for (const url of [documents, `${root}/xcap-caps/*`]) {
    app.route({ method: [...ALL_METHODS], url, exposeHeadRoute: false, handler });
  }

  // The lean path (../lean.ts): a GET or a PUT of a simservs document or part of one, answered before fastify by the
  // same handler. Declined (fastify serves them): other methods, a path whose percent-escapes do not decode (fastify's
  // router answers 400 before any route), a trusted proxy as for every lean route (../lean.ts); of a PUT, a body
  // fastify would refuse or read otherwise: no Content-Length or one past XCAP_BODY_LIMIT (413), chunked, a
  // Content-Encoding, a media type other than the ones a PUT takes, written as the list has it (no parameters).
  const lean = ctx.leanPaths;
  if (lean) {
    const prefix = `${root}/${SIMSERVS_AUID}/`;
    const ours = (url: string) => url.startsWith(prefix) && (!url.includes('%') || decodablePath(url));
    lean.add((raw: IncomingMessage, res: ServerResponse, startedAt: number): boolean => {
      if (raw.method !== 'GET' || !ours(raw.url!)) return false;
      lean.answer(raw, res, documents, startedAt, handler, answerError);
      return true;
    });
    lean.addWithBody((raw: IncomingMessage) => {
      if (raw.method !== 'PUT' || !ours(raw.url!)) return null;
      const h = raw.headers;
      if (!boundedBody(h, XCAP_BODY_LIMIT) || h['content-encoding'] !== undefined || h['content-type'] === undefined || !LEAN_PUT_TYPES.has(h['content-type'].toLowerCase())) return null;
      return (body: Buffer, res: ServerResponse, startedAt: number): boolean => {
        // A PUT's answer gates the client's next write (an ETag chain): it leaves at once, not at the turn's end.
        lean.answer(raw, res, documents, startedAt, handler, answerError, false, body);
        return true;
      };
    });
  }
}
