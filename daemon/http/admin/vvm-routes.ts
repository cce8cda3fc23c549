/**
 * /api/vvm (ADMIN-API.md § VVM; docs/vvm-sms.md § API): accounts, deposits, greetings, the SMS backlog
 * and the SMS gateway's inbound hook for mobile-originated requests. Every route calls the owning
 * service (accounts, mailbox, OMTP flows); each change leaves a `vvm_*` activity record without secrets.
 * With `vvm.enabled` false every route answers 409 OMNISEP_VVM_DISABLED: nothing would send the SMS.
 *
 * The inbound hook is on the admin API, so a gateway authenticates with a bearer token of
 * `admin.api_keys` (TCP) like any admin client; it answers once the STATUS reply is queued and its first
 * gateway attempt made (bounded by vvm.sms_gateway_timeout_ms: well inside Android's 60 s).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { vvmRoutes as R, type VvmAccount, type VvmGreeting, type VvmSms } from '../../../src/contracts/vvm.js';
import { redactOmtp } from '../../../src/codec/omtp/sms.js';
import { OmtpMoError, OmtpSendError } from '../../../src/services/vvm/omtp-service.js';
import type { OutboxRecord } from '../../../src/services/vvm/sms-outbox.js';
import { VvmAccountError, VvmPinError, type VvmAccountView } from '../../../src/services/vvm/accounts.js';
import { VvmMailboxError, VvmQuotaError, type GreetingView } from '../../../src/services/vvm/mailbox.js';
import type { DaemonContext } from '../../context.js';
import { vvmMetrics } from '../../vvm/metrics.js';
import { AdminError, defineRoute, notFound } from './route-kit.js';
import type { Tally } from '../../../src/ports.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const accountJson = (a: VvmAccountView): VvmAccount => ({
  imsi: a.imsi, msisdn: a.msisdn, status: a.status, language: a.language, pin_set: a.pin_set, client_type: a.client_type,
  protocol_version: a.protocol_version, max_messages: a.max_messages, storage_limit_kb: a.storage_limit_kb,
  login_failures: a.login_failures, locked_until: iso(a.locked_until), created_at: iso(a.created_at)!, updated_at: iso(a.updated_at)!,
});

const greetingJson = (g: GreetingView): VvmGreeting => ({ kind: g.kind, uid: g.uid, bytes: g.bytes, duration_s: g.duration_s, active: g.active, created_at: iso(g.created_at)! });

export const smsJson = (r: OutboxRecord, state: VvmSms['state'] = r.state): VvmSms => ({
  id: r.id, imsi: r.imsi, to: r.to, type: r.type, reason: r.reason, state, attempts: r.attempts, created_at: iso(r.created_at)!,
  next_attempt_at: state === 'pending' ? iso(r.next_attempt_at) : null, last_error: r.last_error, text: r.text === null ? null : redactOmtp(r.text),
});

/** Maps the services' errors to admin answers (the PIN rule texts are the OMTP ones; never the PIN). */
function adminErrorOf(e: unknown): unknown {
  if (e instanceof VvmQuotaError) return new AdminError(409, e.code, e.message);
  if (e instanceof VvmPinError) return new AdminError(400, 'OMNISEP_VVM_BAD_PIN', `PIN refused: ${e.message}`);
  if (e instanceof VvmAccountError || e instanceof VvmMailboxError)
    return new AdminError(e.code === 'OMNISEP_VVM_NOT_FOUND' ? 404 : e.code === 'OMNISEP_VVM_EXISTS' ? 409 : 400, e.code, e.message);
  if (e instanceof OmtpSendError) return new AdminError(e.code === 'OMNISEP_VVM_NOT_FOUND' ? 404 : 409, e.code, e.message);
  if (e instanceof OmtpMoError) return new AdminError(400, 'OMNISEP_VVM_BAD_SMS', e.message);
  return e;
}

/** `total_estimated: true` beside a total that is the database's estimate (src/ports.ts Tally); nothing beside an exact one. */
const estimatedTotal = (t: Tally): { total_estimated?: true } => (t.estimated ? { total_estimated: true } : {});

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const { accounts, mailbox } = ctx.services.vvm;
  const sms = ctx.services.vvmSms;
  const metrics = vvmMetrics(ctx.metrics);

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/vvm')) return;
    if (!ctx.config.vvm.enabled) throw new AdminError(409, 'OMNISEP_VVM_DISABLED', 'visual voicemail is disabled (vvm.enabled: false): enable it in the configuration and restart');
  });

  const audit = (req: FastifyRequest, type: string, imsi: string | null, status: number, summary: Record<string, unknown>) =>
    ctx.activity.record({
      request_type: type, request_method: req.method, request_path: req.url.split('?')[0]!, imsi, client_ip: req.ip || 'control-socket',
      user_agent: req.headers['user-agent'] ?? null, auth_method: req.server.omnisepTransport === 'tcp' ? 'BEARER' : 'SOCKET',
      response_status: status, response_code: status, response_summary: summary,
    });

  /** Runs a service call, mapping its errors; counts account operations. */
  const guard = async <T>(fn: () => Promise<T>, count?: 'create' | 'update' | 'deactivate' | 'activate'): Promise<T> => {
    try {
      const out = await fn();
      if (count) metrics.accounts.inc({ operation: count, result: 'success' });
      return out;
    } catch (e) {
      if (count) metrics.accounts.inc({ operation: count, result: 'error' });
      throw adminErrorOf(e);
    }
  };

  /** Waits for the first gateway attempt of a queued SMS (bounded), then says where it stands. */
  const afterFirstAttempt = async (rec: OutboxRecord): Promise<VvmSms> => {
    const until = Date.now() + ctx.config.vvm.sms_gateway_timeout_ms + 2000;
    for (;;) {
      const cur = await sms.outbox.get(rec.id);
      if (!cur) return smsJson(rec, 'sent');
      if (cur.attempts > 0 || cur.state === 'failed' || Date.now() > until) return smsJson(cur);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const mustGet = async (imsi: string) => {
    const a = await accounts.get(imsi);
    if (!a) throw notFound('OMNISEP_VVM_NOT_FOUND', `no VVM account for ${imsi}`);
    return a;
  };

  defineRoute(app, R.listAccounts, async (req) => {
    const limit = req.query.limit ?? 100;
    // A tally: past 100,000 accounts PostgreSQL's estimate, said so, instead of a count(*) of every row per page.
    const [page, total] = await Promise.all([accounts.list({ ...(req.query.after ? { after: req.query.after } : {}), limit }), accounts.tally()]);
    return { count: page.length, total: total.n, ...estimatedTotal(total), next: page.length === limit ? page[page.length - 1]!.imsi : null, accounts: page.map(accountJson) };
  });

  defineRoute(app, R.createAccount, async (req) => {
    const b = req.body;
    const a = await guard(() => accounts.create(b.imsi, { ...(b.msisdn ? { msisdn: b.msisdn } : {}), ...(b.language ? { language: b.language } : {}), ...(b.pin !== undefined ? { pin: b.pin } : {}), ...(b.status ? { status: b.status } : {}) }), 'create');
    await audit(req, 'vvm_account', a.imsi, 201, { action: 'create', status: a.status, msisdn: a.msisdn, pin_set: a.pin_set });
    return accountJson(a);
  });

  defineRoute(app, R.getAccount, async (req) => {
    const a = await mustGet(req.params.imsi);
    const [summary, greetings] = await guard(() => Promise.all([mailbox.summary(a.imsi), mailbox.listGreetings(a.imsi)]));
    return { account: accountJson(a), mailbox: summary, greetings: greetings.map(greetingJson) };
  });

  defineRoute(app, R.removeAccount, async (req) => {
    const imsi = req.params.imsi;
    await mustGet(imsi);
    const removed = await mailbox.removeAll(imsi);
    const gone = await accounts.remove(imsi);
    await audit(req, 'vvm_account', imsi, 200, { action: 'remove', messages_removed: removed });
    return { deleted: gone, imsi, messages_removed: removed };
  });

  defineRoute(app, R.setAccountStatus, async (req) => {
    const { imsi } = req.params;
    const status = req.body.status;
    const a = await guard(() => accounts.setStatus(imsi, status), status === 'deactivated' ? 'deactivate' : status === 'ready' ? 'activate' : 'update');
    await audit(req, 'vvm_account', imsi, 200, { action: 'status', status });
    return accountJson(a);
  });

  defineRoute(app, R.setAccountPin, async (req) => {
    const { imsi } = req.params;
    const a = await guard(() => accounts.setPin(imsi, req.body.pin), 'update');
    await audit(req, 'vvm_account', imsi, 200, { action: 'set_pin' });
    return accountJson(a);
  });

  defineRoute(app, R.deposit, async (req, reply) => {
    const { imsi } = req.params;
    const b = req.body;
    const audio = Buffer.from(b.audio_base64, 'base64');
    if (audio.length === 0 || audio.toString('base64').replace(/=+$/, '') !== b.audio_base64.replace(/\s+/g, '').replace(/=+$/, ''))
      throw new AdminError(400, 'OMNISEP_VVM_INVALID', 'audio_base64 is not base64');
    await mustGet(imsi);
    let out: { uid: number; messageId: string };
    try {
      out = await mailbox.deposit(imsi, { from: b.from, audio, contentType: b.content_type, ...(b.duration_s !== undefined ? { durationS: b.duration_s } : {}) });
    } catch (e) {
      await audit(req, 'vvm_deposit', imsi, e instanceof VvmQuotaError ? 409 : 400, { result: 'refused', error: e instanceof Error ? e.message : String(e) });
      throw adminErrorOf(e);
    }
    // vvm_messages_total{operation="deposit"} is counted by the mailbox service, and the SYNC ev=NM queued by
    // the OMTP side for every deposit (OmtpService.attach); the answer says how that SYNC went.
    const queued = await sms.omtp.depositSync(imsi, out.uid);
    const sync = queued ? await afterFirstAttempt(queued) : null;
    await audit(req, 'vvm_deposit', imsi, 201, { uid: out.uid, bytes: audio.length, duration_s: b.duration_s ?? null, sync: sync ? { id: sync.id, state: sync.state } : null });
    reply.code(201);
    return { imsi, uid: out.uid, message_id: out.messageId, sync };
  });

  defineRoute(app, R.listGreetings, async (req) => {
    const g = await guard(() => mailbox.listGreetings(req.params.imsi));
    return { imsi: req.params.imsi, greetings: g.map(greetingJson) };
  });

  defineRoute(app, R.setGreeting, async (req) => {
    const { imsi, kind } = req.params;
    const audio = Buffer.from(req.body.audio_base64, 'base64');
    if (audio.length === 0) throw new AdminError(400, 'OMNISEP_VVM_INVALID', 'audio_base64 is empty or not base64');
    const g = await guard(() => mailbox.setGreeting(imsi, kind, audio, req.body.content_type, req.body.duration_s));
    await audit(req, 'vvm_greeting', imsi, 200, { action: 'set', kind, bytes: audio.length });
    return greetingJson(g);
  });

  defineRoute(app, R.removeGreeting, async (req) => {
    const { imsi, kind } = req.params;
    const gone = await guard(() => mailbox.removeGreeting(imsi, kind));
    if (!gone) throw notFound('OMNISEP_VVM_NOT_FOUND', `no ${kind} greeting for ${imsi}`);
    await audit(req, 'vvm_greeting', imsi, 200, { action: 'remove', kind });
    return { deleted: true, imsi, kind };
  });

  defineRoute(app, R.sendStatus, async (req) => {
    const rec = await guard(() => sms.omtp.status(req.params.imsi));
    return afterFirstAttempt(rec);
  });

  defineRoute(app, R.sendSync, async (req) => {
    const { imsi } = req.params;
    const a = await mustGet(imsi);
    if (!a.msisdn) throw new AdminError(409, 'OMNISEP_VVM_NO_MSISDN', `the VVM account ${imsi} has no MSISDN to send an SMS to`);
    if (a.status !== 'ready') throw new AdminError(409, 'OMNISEP_VVM_NOT_READY', `the VVM account ${imsi} is ${a.status}: a phone acts on SYNC only once activated (ready)`);
    const ev = req.body?.ev ?? 'MBU';
    const rec = await guard(() => sms.omtp.sync(imsi, ev, req.body?.uid, 'operator'));
    if (!rec) throw new AdminError(409, 'OMNISEP_VVM_NOT_READY', `no SYNC for ${imsi}`);
    return afterFirstAttempt(rec);
  });

  defineRoute(app, R.listSms, async (req) => {
    const limit = req.query.limit ?? 100;
    const [page, total] = await Promise.all([sms.outbox.list({ ...(req.query.after ? { after: req.query.after } : {}), limit }), sms.outbox.tally()]);
    return { gateway: ctx.config.vvm.sms_gateway || null, count: page.length, total: total.n, ...estimatedTotal(total), next: page.length === limit ? page[page.length - 1]!.id : null, sms: page.map((r) => smsJson(r)) };
  });

  defineRoute(app, R.retrySms, async (req) => {
    const { id, all } = req.body;
    if ((id === undefined) === (all !== true)) throw new AdminError(400, 'OMNISEP_VVM_INVALID', 'give either id (one SMS of the backlog) or all: true');
    let retried: OutboxRecord[];
    if (id !== undefined) {
      const rec = await sms.outbox.retryNow(id);
      if (!rec) throw notFound('OMNISEP_VVM_NOT_FOUND', `no SMS ${id} in the backlog (sent, or dropped after vvm.sms_failed_retention_seconds)`);
      retried = [rec];
    } else {
      retried = await sms.outbox.retryAll();
    }
    if (retried.length) sms.worker?.kick();
    await audit(req, 'vvm_sms_retry', retried.length === 1 ? retried[0]!.imsi : null, 200, { ids: retried.slice(0, 20).map((r) => r.id), count: retried.length });
    const total = await sms.outbox.tally();
    return { gateway: ctx.config.vvm.sms_gateway || null, count: retried.length, total: total.n, ...estimatedTotal(total), next: null, sms: retried.map((r) => smsJson(r)) };
  });

  defineRoute(app, R.inboundSms, async (req) => {
    const b = req.body;
    let res;
    try {
      res = await sms.omtp.handleMo({ from: b.from, text: b.text, ...(b.imsi ? { imsi: b.imsi } : {}) });
    } catch (e) {
      await audit(req, 'vvm_mo', null, 400, { from: b.from, error: e instanceof Error ? e.message : String(e) });
      throw adminErrorOf(e);
    }
    if (res.request !== 'status') metrics.sms.inc({ type: res.request, result: res.outcome === 'activated' || res.outcome === 'deactivated' ? 'success' : 'failed' });
    if (res.sms_id) {
      const rec = await sms.outbox.get(res.sms_id);
      if (rec) await afterFirstAttempt(rec);
    }
    return res;
  });
}
