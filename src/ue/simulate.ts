/**
 * The driver of one simulated phone: runs the pure TS.43 flow (`flow.ts`),
 * sends its requests (`http.ts`), feeds the EAP-Requests to the USIM
 * (`usim.ts`) and records every step with its timing for printing.
 */
import { performance } from 'node:perf_hooks';
import { startFlow, step, type UeFailureKind, type UeFlowAction, type UeFlowEvent, type UeFlowState } from './flow.js';
import { describeTransportError, sendRequest, type HttpAnswer, type HttpOptions } from './http.js';
import { redactUrl, type ClientProfile, type HttpRequestSpec } from './request.js';
import { displayApps, type EntitlementDocument, type JsonValue } from './document.js';
import type { EapDescription, Usim } from './usim.js';
import { formatExchange } from './transcript.js';

export interface SimulationInput {
  profile: ClientProfile;
  imsi: string;
  eapId: string;
  variant: 'aka' | 'aka-prime';
  tokenReauth: boolean;
}

/** What kind of authentication a run was, from the USIM's side (`--fast-reauth`). */
export interface AuthenticationSummary {
  /** full = AKA-Challenge (a vector spent), fast_reauth = AKA-Reauthentication (RFC 4187 §5). */
  kind: 'full' | 'fast_reauth';
  /** The identity presented as EAP_ID. */
  identity: 'permanent' | 'pseudonym' | 'reauth';
  /** A re-auth identity was presented but the server asked for a full authentication (AT_FULLAUTH_ID_REQ, counter too small, …). */
  fell_back: boolean;
  /** First request to document. */
  ms: number;
  /** The USIM kept a pseudonym / a re-auth identity for next time. */
  next: { pseudonym: boolean; reauth_id: boolean };
}

/** One HTTP exchange as printed (snake_case, JSON-ready, no secrets). */
export interface SimStep {
  n: number;
  purpose: HttpRequestSpec['purpose'];
  method: string;
  url: string;
  cookies_sent: number;
  /** The EAP packet the UE posted in this request. */
  sent_eap?: EapDescription;
  status?: number;
  content_type?: string;
  gzip?: boolean;
  wire_bytes?: number;
  retry_after?: string;
  ms: number;
  /** The EAP packet the server answered with. */
  received_eap?: EapDescription;
  /** What the USIM did with it (challenge accepted, sync failure, reject). */
  usim?: { action: string; sqn_ms: string };
  /** A configuration document came back. */
  document?: { format: 'xml' | 'json'; vers?: string; token: boolean; apps: string[] };
  error?: string;
}

export interface SimulationReport {
  ok: boolean;
  reason?: string;
  /** Why it failed: unreachable (exit 69), rejected by the network (exit 3), error (exit 1). */
  failure?: UeFailureKind;
  imsi: string;
  eap_id: string;
  variant: 'aka' | 'aka-prime';
  url: string;
  steps: SimStep[];
  /** EAP requests answered (1 = one challenge; more after a resync). */
  challenges: number;
  sqn_ms: { start: string; end: string };
  vers?: { version: string; validity?: string };
  /** Presence and validity only: the token value is a credential and never printed. */
  token?: { present: true; validity?: string };
  entitlements?: Record<string, Record<string, JsonValue>>;
  reauth?: { ok: boolean; status?: number; ms?: number; vers?: string };
  /** Each EAP authentication of the run and its kind (one; two with --fast-reauth). Absent without EAP. */
  authentications?: AuthenticationSummary[];
  warnings: string[];
  timings: { total_ms: number; eap_ms?: number; reauth_ms?: number };
}

function documentSummary(d: EntitlementDocument): SimStep['document'] {
  return { format: d.format, vers: d.vers?.version, token: Boolean(d.token), apps: Object.keys(d.apps) };
}

/** `transcript`: called with each raw exchange, redacted (`-v`, transcript.ts). */
export interface SimulationHttp extends HttpOptions {
  transcript?: (text: string) => void;
  /** Added to the exchange numbers the transcript prints (the second run of --fast-reauth goes on from the first). */
  stepOffset?: number;
  /**
   * The load mode reads only ok / reason / failure and `authentications`: the steps are not described (no EAP
   * packet decoded a second time for `sent_eap` / `received_eap`) and `entitlements` is left out (no masked copy
   * of the document). The flow, the USIM and every check on the answers are the same.
   */
  lean?: boolean;
}

/** Run the whole flow once: EAP-AKA, document, optional token re-authentication. Never throws for a server's fault. */
export async function simulateOnce(input: SimulationInput, usim: Usim, http: SimulationHttp = {}, capture?: { document?: EntitlementDocument }): Promise<SimulationReport> {
  const t0 = performance.now();
  const sqnStart = usim.sqnMs.toString();
  const steps: SimStep[] = [];
  let state: UeFlowState = startFlow({
    profile: input.profile,
    imsi: input.imsi,
    eapId: input.eapId,
    tokenReauth: input.tokenReauth,
    ...(usim.identityKind !== 'permanent' ? { temporaryIdentity: true } : {}),
  });
  let pending: UeFlowEvent | undefined = { type: 'start' };
  let final: Extract<UeFlowAction, { type: 'done' | 'failed' }> | undefined;
  let sentEap: EapDescription | undefined;
  let eapEnd: number | undefined;
  // The last exchange, printed once the flow has read it (so the token it carried is known and redacted).
  let unprinted: { n: number; req: HttpRequestSpec; answer: HttpAnswer } | undefined;

  while (pending) {
    const ev: UeFlowEvent = pending;
    pending = undefined;
    const answered = ev.type === 'http' ? steps.at(-1) : undefined;
    const before = state;
    const r = step(state, ev);
    state = r.state;
    if (unprinted && http.transcript) {
      const secrets = [state.document?.token?.token.reveal(), state.reauthDocument?.token?.token.reveal()].filter((s): s is string => Boolean(s));
      http.transcript(formatExchange(unprinted.n + (http.stepOffset ?? 0), unprinted.req, { answer: unprinted.answer }, secrets));
    }
    unprinted = undefined;
    if (answered) {
      // A configuration document just arrived: note it on the step that fetched it.
      const doc = before.phase === 'token_sent' ? state.reauthDocument : state.document !== before.document ? state.document : undefined;
      if (doc) answered.document = documentSummary(doc);
    }
    for (const action of r.actions) {
      if (action.type === 'done' || action.type === 'failed') {
        final = action;
        continue;
      }
      if (action.type === 'usim') {
        const answer = usim.answer(action.packet);
        const last = http.lean ? undefined : steps.at(-1);
        if (last) {
          last.received_eap = usim.describe(action.packet);
          last.usim = { action: answer.type === 'send' ? answer.note : `failure: ${answer.reason}`, sqn_ms: usim.sqnMs.toString() };
        }
        if (answer.type === 'send') {
          if (!http.lean) sentEap = usim.describe(answer.packet);
          pending = { type: 'usim_send', packet: answer.packet, note: answer.note };
        } else pending = { type: 'usim_failure', reason: answer.reason };
        continue;
      }
      // action.type === 'request'
      const req = action.request;
      if (req.purpose === 'token_auth' && eapEnd === undefined) eapEnd = performance.now();
      const s: SimStep = {
        n: steps.length + 1,
        purpose: req.purpose,
        method: req.method,
        url: redactUrl(req.url),
        cookies_sent: req.headers.filter(([k]) => k.toLowerCase() === 'cookie').length,
        sent_eap: req.purpose === 'eap_response' ? sentEap : undefined,
        ms: 0,
      };
      steps.push(s);
      const sent = performance.now();
      try {
        const res = await sendRequest(req, http);
        Object.assign(s, {
          status: res.status,
          content_type: res.contentType,
          gzip: res.gzip,
          wire_bytes: res.wireBytes,
          ms: res.ms,
        });
        unprinted = { n: s.n, req, answer: res };
        const retry = res.headers['retry-after'];
        if (retry !== undefined) s.retry_after = String(retry);
        pending = { type: 'http', status: res.status, contentType: res.contentType, setCookie: res.setCookie, body: res.body };
      } catch (err) {
        s.ms = performance.now() - sent;
        s.error = describeTransportError(err);
        http.transcript?.(formatExchange(s.n + (http.stepOffset ?? 0), req, { error: s.error }));
        pending = { type: 'transport_error', message: s.error };
      }
    }
  }

  const total = performance.now() - t0;
  const doc = state.document;
  if (capture && doc) capture.document = doc; // simulate odsa (odsa.ts) goes on with its token
  const reauthStep = steps.find((s) => s.purpose === 'token_auth');
  const report: SimulationReport = {
    ok: final?.type === 'done',
    reason: final?.type === 'failed' ? final.reason : undefined,
    failure: final?.type === 'failed' ? final.kind : undefined,
    imsi: input.imsi,
    eap_id: input.eapId,
    variant: input.variant,
    url: input.profile.url,
    steps,
    challenges: state.challenges,
    sqn_ms: { start: sqnStart, end: usim.sqnMs.toString() },
    vers: doc?.vers,
    token: doc?.token ? { present: true, validity: doc.token.validity } : undefined,
    entitlements: doc && !http.lean ? displayApps(doc.apps) : undefined,
    reauth: reauthStep
      ? { ok: Boolean(state.reauthDocument), status: reauthStep.status, ms: reauthStep.ms, vers: state.reauthDocument?.vers?.version }
      : undefined,
    warnings: [...new Set(state.warnings)],
    timings: {
      total_ms: total,
      eap_ms: (eapEnd ?? performance.now()) - t0,
      reauth_ms: reauthStep?.ms,
    },
  };
  if (!reauthStep) report.timings.eap_ms = total;
  // The document stands for EAP-Success (TS.43): the USIM keeps what the server issued, and says what kind it was.
  const done = final?.type === 'done' && state.challenges > 0 ? usim.succeed() : null;
  if (done) {
    const next = usim.carry();
    report.authentications = [{
      kind: done.reauth ? 'fast_reauth' : 'full',
      identity: usim.identityKind,
      fell_back: usim.identityKind === 'reauth' && !done.reauth,
      ms: report.timings.eap_ms ?? total,
      next: { pseudonym: next.pseudonym !== undefined, reauth_id: next.reauth !== undefined },
    }];
  }
  return report;
}
