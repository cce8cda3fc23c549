/**
 * `omnisep simulate odsa`: a phone playing the ODSA flows of TS.43 §6–8 against a server (docs/odsa.md,
 * docs/simulate.md). First EAP-AKA with the app (the same driver as `simulate eap-aka`), then the
 * operations with `IMSI` + `token`, each a GET as AOSP's Ts43Operation sends it.
 *
 *   companion (ap2006, §7.1–7.4): CheckEligibility → AcquireConfiguration → ManageSubscription 0
 *     → AcquireConfiguration (the watch reports the profile's ICCID) → ManageService 10
 *   transfer (ap2009, §8.7, §8.9): on the old phone CheckEligibility → AcquireTemporaryToken; on the
 *     new device, with the temporary token alone: ManageSubscription 3 → AcquireConfiguration (reports
 *     the ICCID)
 *
 * Or one operation (`--operation`), with its parameters. Which request comes next is decided from the
 * answers (the ICCID downloaded, the temporary token); the token and the temporary token are never
 * printed, nor is an activation code.
 */
import { performance } from 'node:perf_hooks';
import { Secret } from '../util/secret.js';
import { parseServerAnswer, type EntitlementDocument, type JsonValue } from './document.js';
import { createDispatcher, sendRequest } from './http.js';
import { buildTokenAuth, documentAccept, userAgent, type ClientProfile, type HttpRequestSpec } from './request.js';
import { simulateEapAka, type SimulateOptions } from './run.js';

export type OdsaApp = 'ap2006' | 'ap2009';
export type OdsaFlow = 'companion' | 'transfer' | 'single';

export interface OdsaSimulateOptions {
  /** The phone (SIM keys, URL, terminal…) as for `simulate eap-aka`; `apps` is ignored. */
  base: SimulateOptions;
  app: OdsaApp;
  /** An operation name, or `flow` (companion for ap2006, transfer for ap2009). */
  operation: string;
  /** Extra parameters of a single operation (`operation_type` included), names as on the wire. */
  params: Record<string, string>;
  /** The companion device (ap2006) or the new device of a transfer (ap2009). */
  device: { id: string; eid: string; vendor: string; model: string; friendlyName: string };
}

export interface OdsaStepReport {
  n: number;
  /** Which device sent it: the phone with the SIM, or the new device of a transfer. */
  device: 'phone' | 'new_device';
  auth: 'token' | 'temporary_token';
  operation: string;
  operation_type?: string;
  status?: number;
  ms: number;
  operation_result?: string;
  subscription_result?: string;
  service_status?: string;
  iccid?: string;
  /** The APPLICATION as answered, TemporaryToken and ProfileActivationCode masked. */
  answer?: Record<string, JsonValue>;
  error?: string;
}

export interface OdsaSimulationReport {
  ok: boolean;
  reason?: string;
  app: OdsaApp;
  flow: OdsaFlow;
  url: string;
  eap: { ok: boolean; reason?: string; challenges: number; ms: number };
  steps: OdsaStepReport[];
  /** The device's subscription as the last answer left it. */
  result?: { iccid?: string; service_status?: string };
  timings: { total_ms: number; operations_ms: number };
}

const SECRET_PARMS = /^(TemporaryToken|ProfileActivationCode)$/i;
function mask(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(mask);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_PARMS.test(k) && typeof x === 'string' ? '[REDACTED]' : mask(x)]));
  return v;
}

/** The first value of a parameter anywhere in an answer (XML nests characteristics, JSON wraps list items). */
export function findParm(v: JsonValue | undefined, name: string): string | undefined {
  if (v === null || v === undefined || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    for (const x of v) {
      const f = findParm(x, name);
      if (f !== undefined) return f;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) if (k.toLowerCase() === name.toLowerCase() && typeof x === 'string') return x;
  for (const x of Object.values(v)) {
    const f = findParm(x, name);
    if (f !== undefined) return f;
  }
  return undefined;
}

/** An ODSA GET: the token request plus the operation's parameters (AOSP Ts43Operation). */
function withParams(spec: HttpRequestSpec, params: Record<string, string>): HttpRequestSpec {
  const u = new URL(spec.url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return { ...spec, url: u.toString() };
}

/** A request authenticated by a temporary token alone (§2.8.6), from another device. */
function temporaryTokenRequest(profile: ClientProfile, temporaryToken: Secret<string>, app: string, params: Record<string, string>): HttpRequestSpec {
  const u = new URL(profile.url);
  for (const [k, v] of Object.entries({ temporary_token: temporaryToken.reveal(), terminal_id: profile.terminal.id, app, entitlement_version: profile.entitlementVersion, ...params })) u.searchParams.set(k, v);
  return { method: 'GET', url: u.toString(), headers: [['Accept', documentAccept(profile.accept)], ['User-Agent', userAgent(profile.terminal)]], purpose: 'token_auth' };
}

interface Ctx {
  iccid?: string;
  temporaryToken?: Secret<string>;
}

interface Planned {
  device: 'phone' | 'new_device';
  operation: string;
  params: (c: Ctx) => Record<string, string>;
  /** Stop here unless this holds (e.g. the ICCID came back). */
  needs?: (c: Ctx) => string | null;
}

/** The requests of a flow, each decided from what came back before (pure). */
export function odsaPlan(o: Pick<OdsaSimulateOptions, 'app' | 'operation' | 'params' | 'device'>, phoneId: string): { flow: OdsaFlow; steps: Planned[] } {
  const d = o.device;
  if (o.operation !== 'flow') return { flow: 'single', steps: [{ device: 'phone', operation: o.operation, params: () => o.params }] };
  if (o.app === 'ap2006') {
    const watch = { companion_terminal_id: d.id, companion_terminal_eid: d.eid, companion_terminal_vendor: d.vendor, companion_terminal_model: d.model, companion_terminal_friendly_name: d.friendlyName, companion_terminal_service: 'SharedNumber' };
    return {
      flow: 'companion',
      steps: [
        { device: 'phone', operation: 'CheckEligibility', params: () => ({ companion_terminal_id: d.id, companion_terminal_vendor: d.vendor, companion_terminal_model: d.model }) },
        { device: 'phone', operation: 'AcquireConfiguration', params: () => ({ companion_terminal_id: d.id }) },
        { device: 'phone', operation: 'ManageSubscription', params: () => ({ operation_type: '0', ...watch }) },
        { device: 'phone', operation: 'AcquireConfiguration', params: (c) => ({ companion_terminal_id: d.id, companion_terminal_iccid: c.iccid! }), needs: (c) => (c.iccid ? null : 'no profile was downloaded (no ProfileIccid)') },
        { device: 'phone', operation: 'ManageService', params: () => ({ operation_type: '10', companion_terminal_id: d.id }) },
      ],
    };
  }
  return {
    flow: 'transfer',
    steps: [
      { device: 'phone', operation: 'CheckEligibility', params: () => ({}) },
      // The old phone needs a subscription of its own to hand over: this simulated one gets one first.
      { device: 'phone', operation: 'ManageSubscription', params: () => ({ operation_type: '0' }) },
      { device: 'phone', operation: 'AcquireTemporaryToken', params: () => ({ operation_targets: 'ManageSubscription,AcquireConfiguration' }) },
      { device: 'new_device', operation: 'ManageSubscription', params: () => ({ operation_type: '3', old_terminal_id: phoneId, target_terminal_id: d.id, target_terminal_eid: d.eid, MSG_btn: '1' }), needs: (c) => (c.temporaryToken ? null : 'no TemporaryToken in the answer') },
      { device: 'new_device', operation: 'AcquireConfiguration', params: (c) => ({ target_terminal_id: d.id, terminal_iccid: c.iccid! }), needs: (c) => (c.iccid ? null : 'no profile was downloaded (no ProfileIccid)') },
    ],
  };
}

export async function simulateOdsa(o: OdsaSimulateOptions): Promise<OdsaSimulationReport> {
  const t0 = performance.now();
  const captured: { document?: EntitlementDocument } = {};
  const eap = await simulateEapAka({ ...o.base, apps: [o.app], tokenReauth: false }, captured);
  const eapMs = performance.now() - t0;
  const plan = odsaPlan(o, o.base.terminal.id);
  const report: OdsaSimulationReport = {
    ok: false,
    app: o.app,
    flow: plan.flow,
    url: o.base.url,
    eap: { ok: eap.ok, ...(eap.reason ? { reason: eap.reason } : {}), challenges: eap.challenges, ms: eapMs },
    steps: [],
    timings: { total_ms: 0, operations_ms: 0 },
  };
  const token = captured.document?.token?.token;
  if (!eap.ok || !token) {
    report.reason = eap.ok ? 'EAP-AKA gave no TOKEN' : `EAP-AKA failed: ${eap.reason ?? 'no reason'}`;
    report.timings.total_ms = performance.now() - t0;
    return report;
  }
  const profile: ClientProfile = { url: o.base.url, terminal: o.base.terminal, apps: [o.app], entitlementVersion: o.base.entitlementVersion, vers: '0', post: false, accept: o.base.accept };
  const newDevice: ClientProfile = { ...profile, terminal: { ...o.base.terminal, id: o.device.id } };
  const ctx: Ctx = {};
  const dispatcher = createDispatcher({ connections: 2, insecure: o.base.insecure });
  const t1 = performance.now();
  try {
    for (const p of plan.steps) {
      const missing = p.needs?.(ctx);
      if (missing) {
        report.reason = `${p.operation}: ${missing}`;
        break;
      }
      const params: Record<string, string> = { operation: p.operation, ...p.params(ctx) };
      const spec = p.device === 'phone' ? withParams(buildTokenAuth(profile, o.base.imsi, token), params) : temporaryTokenRequest(newDevice, ctx.temporaryToken!, o.app, params);
      const s: OdsaStepReport = { n: report.steps.length + 1, device: p.device, auth: p.device === 'phone' ? 'token' : 'temporary_token', operation: p.operation, ...(params.operation_type ? { operation_type: params.operation_type } : {}), ms: 0 };
      report.steps.push(s);
      try {
        const res = await sendRequest(spec, { dispatcher, timeoutMs: o.base.timeoutMs });
        s.status = res.status;
        s.ms = res.ms;
        if (res.status !== 200) {
          report.reason = `${p.operation}: HTTP ${res.status} ${res.body.slice(0, 200)}`;
          break;
        }
        const answer = parseServerAnswer(res.contentType, res.body);
        const app = answer.kind === 'document' ? answer.document.apps[o.app] : undefined;
        if (!app) {
          report.reason = `${p.operation}: no ${o.app} APPLICATION in the answer`;
          break;
        }
        s.answer = mask(app) as Record<string, JsonValue>;
        s.operation_result = findParm(app, 'OperationResult');
        s.subscription_result = findParm(app, 'SubscriptionResult');
        s.service_status = findParm(app, 'ServiceStatus');
        s.iccid = findParm(app, 'ProfileIccid') ?? findParm(app, 'ICCID');
        if (s.iccid) ctx.iccid = s.iccid;
        const temp = findParm(app, 'TemporaryToken');
        if (temp) ctx.temporaryToken = new Secret(temp);
        if (s.operation_result !== '1') {
          report.reason = `${p.operation}: OperationResult ${s.operation_result ?? 'missing'}${typeof app.GeneralErrorText === 'string' ? ` (${app.GeneralErrorText})` : ''}`;
          break;
        }
      } catch (e) {
        s.error = e instanceof Error ? e.message : String(e);
        report.reason = `${p.operation}: ${s.error}`;
        break;
      }
    }
  } finally {
    await dispatcher.close();
  }
  report.ok = report.reason === undefined;
  const last = [...report.steps].reverse().find((s) => s.iccid !== undefined || s.service_status !== undefined);
  if (last) report.result = { ...(ctx.iccid ? { iccid: ctx.iccid } : {}), ...(last.service_status ? { service_status: last.service_status } : {}) };
  report.timings = { total_ms: performance.now() - t0, operations_ms: performance.now() - t1 };
  return report;
}
