/**
 * The TS.43 client flow of a phone (TS43.md § Authentication; EAP-AKA.md
 * § UE simulator) as a declared transition table with a pure `step()`:
 *
 *   idle ──start──▶ eap_start_sent ──200 eap──▶ usim ──usim_send──▶ eap_response_sent
 *                                                 ▲                         │
 *                                                 └────────200 eap──────────┘
 *   eap_response_sent ──200 document──▶ token_sent (with a token) | done
 *   token_sent ──200 document──▶ done;   anything else ──▶ failed
 *
 * The flow never touches the network or the USIM: it asks for them with
 * actions (`request`, `usim`) and the driver (`simulate.ts`) answers with
 * events. Everything Android checks, the flow checks: the first answer must
 * carry an EAP-Request, cookies come from the first response only, at most
 * 1 + 3 challenges, an EAP-Success packet is an error (Android throws on it),
 * the configuration document comes directly in the 200 of the last POST.
 */
import type { EntitlementDocument } from './document.js';
import { parseServerAnswer } from './document.js';
import { cookiesFromSetCookie } from './cookies.js';
import { DecodeError } from '../codec/decode-error.js';
import { AkaSubtype, EapCode, EapType } from '../codec/eap/constants.js';
import { buildEapResponse, buildEapStart, buildTokenAuth, type ClientProfile, type HttpRequestSpec } from './request.js';


/** Android answers at most one challenge and three more after resync (TS43.md § Client contract). */
export const MAX_CHALLENGES = 4;

/**
 * Why a flow failed, for the exit code: `unreachable` = no answer (refused, DNS, timeout, TLS) or
 * the server said its back-end is unavailable (503); `rejected` = the network answered no (4xx
 * such as 403, 511, EAP-Failure); `error` = anything else (5xx, an answer the phone cannot read).
 */
export type UeFailureKind = 'unreachable' | 'rejected' | 'error';

export type UePhase = 'idle' | 'eap_start_sent' | 'usim' | 'eap_response_sent' | 'token_sent' | 'done' | 'failed';

export interface UeFlowConfig {
  profile: ClientProfile;
  imsi: string;
  eapId: string;
  /** After the EAP-AKA document, re-authenticate once with its token (`GET ?IMSI=&token=`). */
  tokenReauth: boolean;
  /**
   * The EAP_ID is a pseudonym or re-auth identity (`--fast-reauth`): the phone plays an RFC 4187 peer, which
   * Android's client is not, so an AKA-Identity or AKA-Reauthentication first is expected, not warned about.
   */
  temporaryIdentity?: boolean;
}

export interface UeFlowState {
  readonly phase: UePhase;
  readonly cfg: UeFlowConfig;
  /** The cookies of the first response, as `name=value`, one Cookie line each. */
  readonly cookies: readonly string[];
  /** EAP-Requests received (challenges, notifications). */
  readonly challenges: number;
  readonly document?: EntitlementDocument;
  readonly reauthDocument?: EntitlementDocument;
  readonly reason?: string;
  readonly failure?: UeFailureKind;
  /** What the USIM said about its last answer (e.g. "synchronization failure"), for failure reasons. */
  readonly lastUsimNote?: string;
  readonly warnings: readonly string[];
}

export type UeFlowEvent =
  | { type: 'start' }
  | { type: 'http'; status: number; contentType?: string; setCookie?: string | readonly string[]; body: string }
  | { type: 'transport_error'; message: string }
  | { type: 'usim_send'; packet: Buffer; note?: string }
  | { type: 'usim_failure'; reason: string };

export type UeFlowAction =
  | { type: 'request'; request: HttpRequestSpec }
  | { type: 'usim'; packet: Buffer }
  | { type: 'done'; document: EntitlementDocument; reauthDocument?: EntitlementDocument }
  | { type: 'failed'; reason: string; kind: UeFailureKind };

export type UeEventType = UeFlowEvent['type'];

/** The declared table: every (phase, event) pair the flow accepts. Anything else is refused. */
export const ueTransitions: readonly { from: UePhase; event: UeEventType; to: readonly UePhase[] }[] = [
  { from: 'idle', event: 'start', to: ['eap_start_sent'] },
  { from: 'eap_start_sent', event: 'http', to: ['usim', 'token_sent', 'done', 'failed'] },
  { from: 'eap_start_sent', event: 'transport_error', to: ['failed'] },
  { from: 'usim', event: 'usim_send', to: ['eap_response_sent'] },
  { from: 'usim', event: 'usim_failure', to: ['failed'] },
  { from: 'eap_response_sent', event: 'http', to: ['usim', 'token_sent', 'done', 'failed'] },
  { from: 'eap_response_sent', event: 'transport_error', to: ['failed'] },
  { from: 'token_sent', event: 'http', to: ['done', 'failed'] },
  { from: 'token_sent', event: 'transport_error', to: ['failed'] },
];

export function startFlow(cfg: UeFlowConfig): UeFlowState {
  return { phase: 'idle', cfg, cookies: [], challenges: 0, warnings: [] };
}

export interface UeStepResult {
  state: UeFlowState;
  actions: UeFlowAction[];
}

function fail(state: UeFlowState, reason: string, kind: UeFailureKind = 'error'): UeStepResult {
  return { state: { ...state, phase: 'failed', reason, failure: kind }, actions: [{ type: 'failed', reason, kind }] };
}

/**
 * 4xx: the server refused (403 = authentication rejected); 511 (TS.43: the token or the
 * authentication was not accepted) too; 503: its back-end is unavailable; other 5xx: a server error.
 */
export function httpFailureKind(status: number): UeFailureKind {
  if ((status >= 400 && status < 500) || status === 511) return 'rejected';
  if (status === 503) return 'unreachable';
  return 'error';
}

/** Status texts for the failures TS.43 defines (Table 7, §2.8.5). */
function httpFailure(status: number, state: UeFlowState, body: string): string {
  const meaning: Record<number, string> = {
    400: 'bad request',
    403: 'authentication rejected (wrong keys, unknown IMSI or rejected by the AAA)',
    406: 'entitlement_version not supported',
    500: 'server error',
    503: 'authentication back-end unavailable',
    511: 'network authentication required (token invalid, or AAA unreachable)',
  };
  const after = state.lastUsimNote ? ` after the UE sent ${state.lastUsimNote}` : '';
  const text = body.trim() && body.length < 200 && !body.trim().startsWith('<') ? `: ${body.trim()}` : '';
  return `HTTP ${status} ${meaning[status] ?? 'unexpected status'}${after}${text}`;
}

export function step(state: UeFlowState, event: UeFlowEvent): UeStepResult {
  const declared = ueTransitions.some((t) => t.from === state.phase && t.event === event.type);
  if (!declared) throw new Error(`ue flow: event ${event.type} not allowed in phase ${state.phase}`);
  const { cfg } = state;

  switch (event.type) {
    case 'start':
      return {
        state: { ...state, phase: 'eap_start_sent' },
        actions: [{ type: 'request', request: buildEapStart(cfg.profile, cfg.eapId) }],
      };

    case 'transport_error':
      return fail(state, `cannot reach ${cfg.profile.url}: ${event.message}`, 'unreachable');

    case 'usim_failure':
      return fail(state, `the USIM could not answer: ${event.reason}`);

    case 'usim_send':
      return {
        state: { ...state, phase: 'eap_response_sent', lastUsimNote: event.note },
        actions: [{ type: 'request', request: buildEapResponse(cfg.profile, event.packet, state.cookies) }],
      };

    case 'http':
      return onHttp(state, event);
  }
}

function onHttp(state: UeFlowState, ev: Extract<UeFlowEvent, { type: 'http' }>): UeStepResult {
  const first = state.phase === 'eap_start_sent';
  // Android keeps the cookies of the first response only; later Set-Cookie lines are ignored.
  const cookies = first ? cookiesFromSetCookie(ev.setCookie) : state.cookies;
  let s: UeFlowState = { ...state, cookies };
  if (ev.status !== 200) return fail(s, httpFailure(ev.status, s, ev.body), httpFailureKind(ev.status));

  let answer;
  try {
    answer = parseServerAnswer(ev.contentType, ev.body);
  } catch (err) {
    if (err instanceof DecodeError) return fail(s, `unreadable answer: ${err.reason}`);
    throw err;
  }

  if (s.phase === 'token_sent') {
    if (answer.kind !== 'document') return fail(s, 'token re-authentication answered without a configuration document');
    const warnings = [...s.warnings, ...answer.document.warnings];
    return {
      state: { ...s, phase: 'done', reauthDocument: answer.document, warnings },
      actions: [{ type: 'done', document: s.document!, reauthDocument: answer.document }],
    };
  }

  if (answer.kind === 'empty') return fail(s, 'HTTP 200 with an empty body');

  if (answer.kind === 'eap') {
    const code = answer.packet[0]; // RFC 3748 §4: Code
    s = { ...s, warnings: [...s.warnings, ...answer.warnings] };
    if (code === EapCode.SUCCESS) return fail(s, 'server sent an EAP-Success packet (TS.43: the document must come directly; Android throws)');
    if (code === EapCode.FAILURE) return fail(s, `server sent EAP-Failure${s.lastUsimNote ? ` after the UE sent ${s.lastUsimNote}` : ''}`, 'rejected');
    if (code !== EapCode.REQUEST) return fail(s, `eap-relay-packet with EAP code ${code}, expected a Request`);
    if (s.challenges >= MAX_CHALLENGES) return fail(s, `more than ${MAX_CHALLENGES} EAP requests in one exchange (Android gives up)`);
    s = { ...s, warnings: [...s.warnings, ...androidPacketWarnings(answer.packet, s.challenges === 0 && !s.cfg.temporaryIdentity)] };
    return { state: { ...s, phase: 'usim', challenges: s.challenges + 1 }, actions: [{ type: 'usim', packet: answer.packet }] };
  }

  // A configuration document.
  const document = answer.document;
  s = { ...s, document, warnings: [...s.warnings, ...document.warnings] };
  if (first) {
    // No EAP at all: a server with SIM authentication off (eap_aka.enabled false) answers directly.
    s = { ...s, warnings: [...s.warnings, 'the server answered without EAP-AKA authentication'] };
  }
  if (s.cfg.tokenReauth && document.token) {
    return {
      state: { ...s, phase: 'token_sent' },
      actions: [{ type: 'request', request: buildTokenAuth(s.cfg.profile, s.cfg.imsi, document.token.token) }],
    };
  }
  return { state: { ...s, phase: 'done' }, actions: [{ type: 'done', document }] };
}

/**
 * What Android's EAP-AKA parser would trip on (TS43.md § Client contract):
 * a first packet other than an AKA-Challenge (it parses nothing else: no
 * AKA-Identity, no AKA'), and a zero-length attribute (its client loops).
 */
export function androidPacketWarnings(packet: Buffer, first: boolean): string[] {
  const out: string[] = [];
  // RFC 4187 §8.1: Code, Identifier, Length, Type, Subtype, 2 reserved, then attributes (Type, Length in 4-byte units).
  if (first && (packet[4] !== EapType.AKA || packet[5] !== AkaSubtype.AKA_CHALLENGE)) {
    out.push('the first EAP request is not an EAP-AKA AKA-Challenge (Android parses nothing else: no AKA-Identity, no AKA\')');
  }
  if (packet[4] === EapType.AKA || packet[4] === EapType.AKA_PRIME) {
    const end = Math.min(packet.length, packet.length >= 4 ? packet.readUInt16BE(2) : 0);
    for (let off = 8; off + 1 < end; off += packet[off + 1]! * 4) {
      if (packet[off + 1] === 0) {
        out.push(`zero-length attribute ${packet[off]} at offset ${off} (Android's client loops on it)`);
        break;
      }
    }
  }
  return out;
}
