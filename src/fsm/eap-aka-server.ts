/**
 * EAP-AKA / EAP-AKA' server (authenticator back-end) as a pure state machine:
 * RFC 4187 §3 (full authentication), §4.1 (identity), §6 (notification),
 * §9.3-9.4 (challenge), §9.6 (sync failure), RFC 5448 §3 (EAP-AKA').
 *
 * step(state, event, now) → { state, actions }. It never sends, stores or
 * waits: it asks for vectors with `need_vector` (the caller runs Milenage or
 * SWx MAR and answers with a `vector` or `vector_error` event) and returns
 * the packets to relay. Time comes in as `now` (ms); `tick` events let the
 * caller expire the session without a packet.
 *
 * Resynchronisation: on AKA-Synchronization-Failure the server emits
 * need_vector { resync: { rand, auts } }. The CALLER verifies AUTS and moves
 * SQN: the local store with recoverSqnFromAuts() (MAC-S via f1*, AMF 0000)
 * then sqnAfterResync(); SWx by sending MAR with SIP-Authorization = RAND‖AUTS
 * to the HSS. A bad MAC-S is answered with vector_error 'resync_failed'.
 */
import { DecodeError } from '../codec/decode-error.js';
import { AkaNotification, AkaSubtype, EapAttr, EapCode, EapType } from '../codec/eap/constants.js';
import { attr, duplicateAttribute, hasAttr, read } from '../codec/eap/attributes.js';
import { computeCheckcode, signEap, verifyAtMac } from '../codec/eap/mac.js';
import { decodeEap, encodeEap, isAkaPacket, type EapAkaPacket, type EapAttribute } from '../codec/eap/packet.js';
import { parseIdentity } from '../aka/identity.js';
import type { AuthVector } from '../aka/types.js';
import { Secret } from '../util/secret.js';
import { timingSafeEqual } from 'node:crypto';
import { deriveSessionKeys, eapTypeOf, type AkaVariant, type Transition } from './eap-aka-common.js';

export interface EapServerConfig {
  variant: AkaVariant;
  /** AT_KDF_INPUT for EAP-AKA' (e.g. "WLAN"); required for aka-prime. */
  networkName?: string;
  /** Synchronization-Failure rounds allowed before giving up (Android retries 3 times). */
  maxResync: number;
  /** Session lifetime from start, ms (eap_aka.session_timeout_ms). */
  timeoutMs: number;
  /** When to run an AKA-Identity round (TS.43 needs 'never': the phone's first packet must be AKA-Challenge). */
  identityRound: 'never' | 'when-not-permanent' | 'always';
  /** Send AKA-Notification "General Failure" before EAP-Failure on a bad RES/MAC (RFC 4187 §6.3.1); default off. */
  failureNotification?: boolean;
  /** EAP-AKA only: put AT_BIDDING (D bit) in the challenge to say EAP-AKA' is supported (RFC 9048 §4). */
  bidding?: boolean;
  /**
   * Offer protected result indications (AT_RESULT_IND, RFC 4187 §6.2): when the peer echoes it,
   * success goes through AKA-Notification "Success" (with AT_MAC) before EAP-Success. Default off.
   */
  resultInd?: boolean;
}

export type EapServerPhase =
  | 'idle'
  | 'identity'
  | 'vector_wait'
  | 'challenge_sent'
  | 'resync_wait'
  | 'notification_sent'
  | 'success_notification_sent'
  | 'success'
  | 'failure';

export type VectorErrorReason = 'user_unknown' | 'unavailable' | 'resync_failed';

export type EapServerEvent =
  | { type: 'identity'; identity: string }
  | { type: 'vector'; vector: AuthVector; /** CK/IK are already CK'/IK' (EAP-AKA' vector from the HSS) */ ckIkArePrime?: boolean }
  | { type: 'vector_error'; reason: VectorErrorReason }
  | { type: 'eap'; packet: Buffer }
  | { type: 'tick' };

export type EapServerAction =
  | { type: 'send'; packet: Buffer }
  | { type: 'need_vector'; imsi: string; resync?: { rand: Buffer; auts: Buffer } }
  | { type: 'success'; imsi: string; identity: string; msk: Secret<Buffer>; emsk: Secret<Buffer>; packet: Buffer }
  | { type: 'failure'; reason: string; packet: Buffer };

export interface EapServerState {
  readonly phase: EapServerPhase;
  readonly cfg: Readonly<EapServerConfig>;
  /** Identifier of the last EAP-Request sent. */
  readonly identifier: number;
  readonly imsi?: string;
  /** The identity keys are derived from (last AT_IDENTITY, else EAP-Response/Identity). */
  readonly identity?: string;
  readonly startedAt: number;
  readonly resyncCount: number;
  /** AKA-Identity requests/responses, in order, for AT_CHECKCODE. */
  readonly identityPackets: readonly Buffer[];
  readonly challenge?: { readonly rand: Buffer; readonly xres: Secret<Buffer>; readonly kAut: Secret<Buffer>; readonly msk: Secret<Buffer>; readonly emsk: Secret<Buffer> };
  readonly failureReason?: string;
}

export interface EapServerStep {
  state: EapServerState;
  actions: EapServerAction[];
  /** Set when the event is not declared for the phase: nothing happened. */
  refused?: string;
}

type EventType = EapServerEvent['type'];
const T = (from: EapServerPhase, event: EventType | '*', to: EapServerPhase, when: string) => ({ from, event, to, when }) as Transition<EapServerPhase, EventType | '*'>;
const LIVE: EapServerPhase[] = ['idle', 'identity', 'vector_wait', 'challenge_sent', 'resync_wait', 'notification_sent', 'success_notification_sent'];

/** The declared transitions. step() refuses anything else and asserts it never leaves this table. */
export const serverTransitions: readonly Transition<EapServerPhase, EventType | '*'>[] = [
  T('idle', 'identity', 'vector_wait', 'permanent identity and no identity round required → need_vector'),
  T('idle', 'identity', 'identity', 'identity round required → AKA-Identity with AT_PERMANENT_ID_REQ'),
  T('idle', 'identity', 'failure', 'no usable identity and identityRound = never'),
  T('identity', 'eap', 'vector_wait', 'AKA-Identity response with a permanent AT_IDENTITY → need_vector'),
  T('identity', 'eap', 'failure', 'malformed, client error, no permanent identity'),
  T('identity', 'eap', 'identity', 'Identifier mismatch: silently discarded (RFC 3748 §4.1)'),
  T('vector_wait', 'vector', 'challenge_sent', 'AKA-Challenge sent'),
  T('vector_wait', 'vector_error', 'failure', 'no vector (user unknown, back-end down)'),
  T('challenge_sent', 'eap', 'success', 'AT_MAC then RES verified → EAP-Success, MSK/EMSK'),
  T('challenge_sent', 'eap', 'resync_wait', 'AKA-Synchronization-Failure with AT_AUTS, attempts left → need_vector with resync'),
  T('challenge_sent', 'eap', 'notification_sent', 'bad RES/MAC with failureNotification → AKA-Notification General Failure'),
  T('challenge_sent', 'eap', 'failure', 'bad MAC, bad RES, authentication reject, client error, resync limit, unsupported KDF, malformed'),
  T('challenge_sent', 'eap', 'challenge_sent', 'Identifier mismatch: silently discarded'),
  T('challenge_sent', 'eap', 'success_notification_sent', 'verified, both sides use AT_RESULT_IND → AKA-Notification Success with AT_MAC'),
  T('success_notification_sent', 'eap', 'success', 'AKA-Notification response with a valid AT_MAC → EAP-Success, MSK/EMSK'),
  T('success_notification_sent', 'eap', 'failure', 'bad AT_MAC, wrong subtype, malformed'),
  T('success_notification_sent', 'eap', 'success_notification_sent', 'Identifier mismatch: silently discarded'),
  T('resync_wait', 'vector', 'challenge_sent', 'fresh AKA-Challenge after resync'),
  T('resync_wait', 'vector_error', 'failure', 'AUTS rejected (MAC-S) or back-end down'),
  T('notification_sent', 'eap', 'failure', 'AKA-Notification response (or anything) → EAP-Failure'),
  T('notification_sent', 'eap', 'notification_sent', 'Identifier mismatch: silently discarded'),
  ...LIVE.map((p) => T(p, 'tick', p, 'session still within timeoutMs')),
  ...LIVE.map((p) => T(p, '*', 'failure', 'session older than timeoutMs → EAP-Failure, reason timeout')),
  T('success', 'tick', 'success', 'terminal'),
  T('failure', 'tick', 'failure', 'terminal'),
];

export function startServer(cfg: EapServerConfig, now: number, opts: { identifier?: number } = {}): EapServerState {
  if (cfg.variant === 'aka-prime' && !cfg.networkName) throw new RangeError("EAP-AKA' server needs networkName (AT_KDF_INPUT)");
  if (!Number.isInteger(cfg.maxResync) || cfg.maxResync < 0) throw new RangeError('maxResync must be an integer >= 0');
  return { phase: 'idle', cfg: { ...cfg }, identifier: (opts.identifier ?? 0) & 0xff, startedAt: now, resyncCount: 0, identityPackets: [] };
}

// ---------------------------------------------------------------- builders

const nextId = (s: EapServerState) => (s.identifier + 1) & 0xff;

function request(s: EapServerState, identifier: number, subtype: number, attributes: EapAttribute[]): Buffer {
  return encodeEap({ code: EapCode.REQUEST, identifier, type: eapTypeOf(s.cfg.variant), subtype, attributes } as EapAkaPacket);
}

function fail(s: EapServerState, reason: string): EapServerStep {
  const packet = encodeEap({ code: EapCode.FAILURE, identifier: s.identifier });
  return { state: { ...s, phase: 'failure', failureReason: reason, challenge: undefined }, actions: [{ type: 'failure', reason, packet }] };
}

function notifyFailure(s: EapServerState, reason: string): EapServerStep {
  const identifier = nextId(s);
  // P bit set (16384): no AT_MAC (RFC 4187 §6.1, §10.19)
  const packet = request(s, identifier, AkaSubtype.AKA_NOTIFICATION, [attr.notification(AkaNotification.GENERAL_FAILURE)]);
  return { state: { ...s, phase: 'notification_sent', identifier, failureReason: reason, challenge: undefined }, actions: [{ type: 'send', packet }] };
}

function sendChallenge(s: EapServerState, ev: Extract<EapServerEvent, { type: 'vector' }>): EapServerStep {
  const v = ev.vector;
  if (v.rand.length !== 16 || v.autn.length !== 16 || v.xres.length < 4 || v.xres.length > 16) return fail(s, 'bad_vector');
  const keys = deriveSessionKeys({
    variant: s.cfg.variant, identity: s.identity!, ck: v.ck, ik: v.ik, autn: v.autn, networkName: s.cfg.networkName, ckIkArePrime: ev.ckIkArePrime,
  });
  const identifier = nextId(s);
  const attributes: EapAttribute[] = [attr.rand(v.rand), attr.autn(v.autn)];
  if (s.cfg.variant === 'aka-prime') attributes.push(attr.kdfInput(s.cfg.networkName!), attr.kdf(1));
  else if (s.cfg.bidding) attributes.push(attr.bidding(true));
  if (s.identityPackets.length > 0) attributes.push(attr.checkcode(computeCheckcode(s.cfg.variant, s.identityPackets)));
  if (s.cfg.resultInd) attributes.push(attr.resultInd());
  attributes.push(attr.mac());
  const packet = signEap(request(s, identifier, AkaSubtype.AKA_CHALLENGE, attributes), keys.kAut);
  return {
    state: {
      ...s, phase: 'challenge_sent', identifier,
      challenge: { rand: Buffer.from(v.rand), xres: new Secret(Buffer.from(v.xres)), kAut: keys.kAut, msk: keys.msk, emsk: keys.emsk },
    },
    actions: [{ type: 'send', packet }],
  };
}

function acceptIdentity(s: EapServerState, identity: string): EapServerStep | undefined {
  const p = parseIdentity(identity);
  if (p.kind !== 'permanent' || !p.imsi) return undefined;
  return { state: { ...s, phase: 'vector_wait', identity, imsi: p.imsi }, actions: [{ type: 'need_vector', imsi: p.imsi }] };
}

// ---------------------------------------------------------------- handlers

function onIdentity(s: EapServerState, identity: string): EapServerStep {
  const permanent = parseIdentity(identity).kind === 'permanent';
  const round = s.cfg.identityRound === 'always' || (s.cfg.identityRound === 'when-not-permanent' && !permanent);
  if (!round) return acceptIdentity({ ...s, identity }, identity) ?? fail({ ...s, identity }, 'identity_not_permanent');
  const identifier = nextId(s);
  const packet = request(s, identifier, AkaSubtype.AKA_IDENTITY, [attr.permanentIdReq()]);
  return { state: { ...s, phase: 'identity', identity, identifier, identityPackets: [packet] }, actions: [{ type: 'send', packet }] };
}

/** Decode a response for this session; `discard` for a stale Identifier. */
function decodeResponse(s: EapServerState, raw: Buffer): EapAkaPacket | 'discard' | string {
  let p;
  try {
    p = decodeEap(raw);
  } catch (e) {
    if (e instanceof DecodeError) return 'malformed';
    throw e;
  }
  if (p.code !== EapCode.RESPONSE) return 'unexpected_code';
  if (p.identifier !== s.identifier) return 'discard';
  if (!isAkaPacket(p)) return p.type === EapType.NAK ? 'nak' : 'unexpected_type';
  if (p.type !== eapTypeOf(s.cfg.variant)) return 'unexpected_type';
  if (duplicateAttribute(p) !== undefined) return 'malformed';
  return p;
}

function onIdentityResponse(s: EapServerState, raw: Buffer): EapServerStep {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return { state: s, actions: [] };
  if (typeof p === 'string') return fail(s, p);
  if (p.subtype === AkaSubtype.AKA_CLIENT_ERROR) return fail(s, `client_error:${read.clientErrorCode(p) ?? -1}`);
  if (p.subtype !== AkaSubtype.AKA_IDENTITY) return fail(s, 'unexpected_subtype');
  const identity = read.identity(p);
  if (identity === undefined) return fail(s, 'missing_identity');
  const next = { ...s, identityPackets: [...s.identityPackets, Buffer.from(raw.subarray(0, raw.readUInt16BE(2)))] };
  return acceptIdentity({ ...next, identity }, identity) ?? fail(next, 'identity_not_permanent');
}

function onChallengeResponse(s: EapServerState, raw: Buffer): EapServerStep {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return { state: s, actions: [] };
  if (typeof p === 'string') return fail(s, p);
  const ch = s.challenge!;
  switch (p.subtype) {
    case AkaSubtype.AKA_AUTHENTICATION_REJECT:
      return fail(s, 'authentication_reject');
    case AkaSubtype.AKA_CLIENT_ERROR:
      return fail(s, `client_error:${read.clientErrorCode(p) ?? -1}`);
    case AkaSubtype.AKA_SYNCHRONIZATION_FAILURE: {
      const auts = read.auts(p);
      if (!auts) return fail(s, 'malformed');
      if (s.resyncCount >= s.cfg.maxResync) return fail(s, 'resync_limit');
      return {
        state: { ...s, phase: 'resync_wait', resyncCount: s.resyncCount + 1, challenge: undefined },
        actions: [{ type: 'need_vector', imsi: s.imsi!, resync: { rand: Buffer.from(ch.rand), auts: Buffer.from(auts) } }],
      };
    }
    case AkaSubtype.AKA_CHALLENGE: {
      // EAP-AKA' KDF negotiation (RFC 5448 §3.2): we offer only KDF 1, so a counter-proposal ends it.
      if (s.cfg.variant === 'aka-prime' && hasAttr(p, EapAttr.AT_KDF) && !hasAttr(p, EapAttr.AT_RES)) return fail(s, 'kdf_unsupported');
      // MAC first (RFC 4187 §9.4): a response whose MAC does not verify fails whatever its RES.
      if (!verifyAtMac(raw, ch.kAut)) return s.cfg.failureNotification ? notifyFailure(s, 'bad_mac') : fail(s, 'bad_mac');
      const res = read.res(p);
      const xres = ch.xres.reveal();
      if (!res || res.bits !== xres.length * 8 || res.res.length !== xres.length || !timingSafeEqual(res.res, xres)) {
        return s.cfg.failureNotification ? notifyFailure(s, 'bad_res') : fail(s, 'bad_res');
      }
      const checkcode = read.checkcode(p);
      if (checkcode !== undefined && !checkcode.equals(computeCheckcode(s.cfg.variant, s.identityPackets))) return fail(s, 'bad_checkcode');
      if (s.cfg.resultInd && read.resultInd(p)) {
        // RFC 4187 §6.2: protected success indication, S bit set and P bit clear → AT_MAC required
        const identifier = nextId(s);
        const n = request(s, identifier, AkaSubtype.AKA_NOTIFICATION, [attr.notification(AkaNotification.SUCCESS), attr.mac()]);
        return { state: { ...s, phase: 'success_notification_sent', identifier }, actions: [{ type: 'send', packet: signEap(n, ch.kAut) }] };
      }
      return succeed(s);
    }
    default:
      return fail(s, 'unexpected_subtype');
  }
}

function succeed(s: EapServerState): EapServerStep {
  const ch = s.challenge!;
  const packet = encodeEap({ code: EapCode.SUCCESS, identifier: s.identifier });
  return {
    state: { ...s, phase: 'success', challenge: undefined },
    actions: [{ type: 'success', imsi: s.imsi!, identity: s.identity!, msk: ch.msk, emsk: ch.emsk, packet }],
  };
}

function onSuccessNotificationResponse(s: EapServerState, raw: Buffer): EapServerStep {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return { state: s, actions: [] };
  if (typeof p === 'string') return fail(s, p);
  if (p.subtype !== AkaSubtype.AKA_NOTIFICATION) return fail(s, 'unexpected_subtype');
  if (!verifyAtMac(raw, s.challenge!.kAut)) return fail(s, 'bad_mac');
  return succeed(s);
}

function onNotificationResponse(s: EapServerState, raw: Buffer): EapServerStep {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return { state: s, actions: [] };
  return fail(s, s.failureReason ?? 'notification');
}

function handle(s: EapServerState, ev: EapServerEvent, now: number): EapServerStep | undefined {
  const live = LIVE.includes(s.phase);
  if (live && now - s.startedAt >= s.cfg.timeoutMs) return fail(s, 'timeout');
  if (ev.type === 'tick') return { state: s, actions: [] };
  switch (`${s.phase}:${ev.type}`) {
    case 'idle:identity':
      return onIdentity(s, (ev as { identity: string }).identity);
    case 'identity:eap':
      return onIdentityResponse(s, (ev as { packet: Buffer }).packet);
    case 'vector_wait:vector':
    case 'resync_wait:vector':
      return sendChallenge(s, ev as Extract<EapServerEvent, { type: 'vector' }>);
    case 'vector_wait:vector_error':
    case 'resync_wait:vector_error':
      return fail(s, (ev as { reason: string }).reason);
    case 'challenge_sent:eap':
      return onChallengeResponse(s, (ev as { packet: Buffer }).packet);
    case 'notification_sent:eap':
      return onNotificationResponse(s, (ev as { packet: Buffer }).packet);
    case 'success_notification_sent:eap':
      return onSuccessNotificationResponse(s, (ev as { packet: Buffer }).packet);
    default:
      return undefined;
  }
}

/** One step of the server. Pure: same state, event and now give the same result. */
export function step(state: EapServerState, event: EapServerEvent, now: number): EapServerStep {
  const out = handle(state, event, now);
  if (!out) return { state, actions: [], refused: `event ${event.type} not declared in phase ${state.phase}` };
  const declared = serverTransitions.some(
    (t) => t.from === state.phase && t.to === out.state.phase && (t.event === event.type || t.event === '*'),
  );
  if (!declared) throw new Error(`eap-aka-server: undeclared transition ${state.phase} --${event.type}--> ${out.state.phase}`);
  return out;
}
