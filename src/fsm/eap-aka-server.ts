/**
 * EAP-AKA / EAP-AKA' server (authenticator back-end) as a pure state machine:
 * RFC 4187 §3 (full authentication), §4.1 (identity), §6 (notification),
 * §9.3-9.4 (challenge), §9.6 (sync failure), RFC 5448 §3 (EAP-AKA').
 *
 * step(state, event, now) → { state, actions, row }. It never sends, stores or
 * waits: it asks for vectors with `need_vector` (the caller answers with a
 * `vector` or `vector_error` event) and returns the packets to relay. Time
 * comes in as `now` (ms); `tick` events let the caller expire the session
 * without a packet. Callers do not loop over step() themselves: the one driver
 * is driveEapServer() in ./eap-aka-driver.ts.
 *
 * The dispatch is the typed table SERVER_TRANSITIONS (phase → event →
 * handler), in the style of ./diameter-peer.ts. Every outcome a handler can
 * produce is a declared row of SERVER_ROWS, one row per distinct reason, and a
 * handler's return type only admits the rows declared for its (phase, event)
 * pair. An event without a handler for the phase is refused: state unchanged,
 * no action.
 *
 * Resynchronisation: on AKA-Synchronization-Failure the server emits
 * need_vector { resync: { rand, auts } }. The vector source verifies AUTS and
 * moves SQN (local store: recoverSqnFromAuts() then sqnAfterResync(); SWx: MAR
 * with SIP-Authorization = RAND‖AUTS). A bad MAC-S is answered with
 * vector_error 'resync_failed'.
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
import { deriveSessionKeys, eapTypeOf, type AkaVariant } from './eap-aka-common.js';

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

export const LIVE_PHASES = ['idle', 'identity', 'vector_wait', 'challenge_sent', 'resync_wait', 'notification_sent', 'success_notification_sent'] as const;
export type LivePhase = (typeof LIVE_PHASES)[number];

/** Why a vector source gave no vector (the AuthVectorError kinds of src/ports.ts). */
export type VectorErrorReason = 'user_unknown' | 'unavailable' | 'resync_failed';

/** A response that cannot be processed at all (decodeResponse). */
type UnusableResponse = 'malformed' | 'unexpected_code' | 'unexpected_type' | 'nak';

/** Every reason an EAP-AKA session fails. Callers switch on it; nobody parses text. */
export type EapFailureReason =
  | UnusableResponse
  | VectorErrorReason
  | 'identity_not_permanent'
  | 'missing_identity'
  | 'unexpected_subtype'
  | 'client_error'
  | 'authentication_reject'
  | 'resync_limit'
  | 'kdf_unsupported'
  | 'bad_mac'
  | 'bad_res'
  | 'bad_checkcode'
  | 'bad_vector'
  | 'timeout';

/** What a failure means to the one asking: the peer was refused, the user is not known, or the back-end is down. */
export type FailureClass = 'rejected' | 'user_unknown' | 'unavailable';

export const FAILURE_CLASS: Readonly<Record<EapFailureReason, FailureClass>> = {
  malformed: 'rejected', unexpected_code: 'rejected', unexpected_type: 'rejected', nak: 'rejected',
  user_unknown: 'user_unknown', unavailable: 'unavailable', resync_failed: 'rejected',
  identity_not_permanent: 'rejected', missing_identity: 'rejected', unexpected_subtype: 'rejected',
  client_error: 'rejected', authentication_reject: 'rejected', resync_limit: 'rejected', kdf_unsupported: 'rejected',
  bad_mac: 'rejected', bad_res: 'rejected', bad_checkcode: 'rejected', bad_vector: 'unavailable', timeout: 'rejected',
};

export interface EapFailure {
  reason: EapFailureReason;
  /** AT_CLIENT_ERROR_CODE of an AKA-Client-Error (reason client_error; -1 when absent). */
  clientErrorCode?: number;
}

/** Text for logs and the admin API's failure_reason (e.g. "client_error:0"); never parsed back. */
export const describeFailure = (f: EapFailure): string => (f.reason === 'client_error' ? `client_error:${f.clientErrorCode ?? -1}` : f.reason);

export type EapServerEvent =
  | { type: 'identity'; identity: string }
  | { type: 'vector'; vector: AuthVector; /** CK/IK are already CK'/IK' (EAP-AKA' vector from the HSS) */ ckIkArePrime?: boolean }
  | { type: 'vector_error'; reason: VectorErrorReason }
  | { type: 'eap'; packet: Buffer }
  | { type: 'tick' };
type EventType = EapServerEvent['type'];
type EventOf<K extends EventType> = Extract<EapServerEvent, { type: K }>;

export type EapServerAction =
  | { type: 'send'; packet: Buffer }
  | { type: 'need_vector'; imsi: string; resync?: { rand: Buffer; auts: Buffer } }
  | { type: 'success'; imsi: string; identity: string; msk: Secret<Buffer>; emsk: Secret<Buffer>; packet: Buffer }
  | ({ type: 'failure'; packet: Buffer } & EapFailure);

export interface EapChallenge {
  readonly rand: Buffer;
  readonly xres: Secret<Buffer>;
  readonly kAut: Secret<Buffer>;
  readonly msk: Secret<Buffer>;
  readonly emsk: Secret<Buffer>;
}

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
  readonly challenge?: EapChallenge;
  /** notification_sent: the failure the AKA-Notification announced. */
  readonly notified?: 'bad_mac' | 'bad_res';
  readonly failure?: EapFailure;
}

// ---------------------------------------------------------------- the declared rows

interface RowShape {
  readonly from: EapServerPhase;
  /** 'any' = whichever event is declared for the phase (the session timeout). */
  readonly event: EventType | 'any';
  readonly to: EapServerPhase;
  /** Set on the rows that end in failure (and on the notifying rows: the failure announced). */
  readonly reason?: EapFailureReason;
  readonly when: string;
}

const timeoutRows = <P extends LivePhase>(p: P) =>
  ({
    [`${p}:tick`]: { from: p, event: 'tick', to: p, when: 'session still within timeoutMs' },
    [`${p}:timeout`]: { from: p, event: 'any', to: 'failure', reason: 'timeout', when: 'a declared event (tick included) after timeoutMs → EAP-Failure' },
  }) as { readonly [K in `${P}:tick`]: { from: P; event: 'tick'; to: P; when: string } } & {
    readonly [K in `${P}:timeout`]: { from: P; event: 'any'; to: 'failure'; reason: 'timeout'; when: string };
  };

const unusable = <P extends 'identity' | 'challenge_sent' | 'success_notification_sent'>(p: P) =>
  Object.fromEntries(
    (['malformed', 'unexpected_code', 'unexpected_type', 'nak'] as const).map((r) => [`${p}:${r}`, { from: p, event: 'eap', to: 'failure', reason: r, when: `response ${r.replace('_', ' ')}` }]),
  ) as { readonly [R in UnusableResponse as `${P}:${R}`]: { from: P; event: 'eap'; to: 'failure'; reason: R; when: string } };

const vectorErrors = <P extends 'vector_wait' | 'resync_wait'>(p: P) =>
  Object.fromEntries(
    (['user_unknown', 'unavailable', 'resync_failed'] as const).map((r) => [`${p}:${r}`, { from: p, event: 'vector_error', to: 'failure', reason: r, when: `vector source: ${r}` }]),
  ) as { readonly [R in VectorErrorReason as `${P}:${R}`]: { from: P; event: 'vector_error'; to: 'failure'; reason: R; when: string } };

/** Every transition the server can take, one row per distinct outcome. step() reports the row it took. */
export const SERVER_ROWS = {
  'idle:need_vector': { from: 'idle', event: 'identity', to: 'vector_wait', when: 'permanent identity, no identity round → need_vector' },
  'idle:identity_round': { from: 'idle', event: 'identity', to: 'identity', when: 'identity round required → AKA-Identity with AT_PERMANENT_ID_REQ' },
  'idle:identity_not_permanent': { from: 'idle', event: 'identity', to: 'failure', reason: 'identity_not_permanent', when: 'no permanent identity and no identity round' },
  ...timeoutRows('idle'),

  'identity:need_vector': { from: 'identity', event: 'eap', to: 'vector_wait', when: 'AKA-Identity response with a permanent AT_IDENTITY → need_vector' },
  'identity:discard': { from: 'identity', event: 'eap', to: 'identity', when: 'Identifier mismatch: silently discarded (RFC 3748 §4.1)' },
  ...unusable('identity'),
  'identity:client_error': { from: 'identity', event: 'eap', to: 'failure', reason: 'client_error', when: 'AKA-Client-Error' },
  'identity:unexpected_subtype': { from: 'identity', event: 'eap', to: 'failure', reason: 'unexpected_subtype', when: 'not an AKA-Identity response' },
  'identity:missing_identity': { from: 'identity', event: 'eap', to: 'failure', reason: 'missing_identity', when: 'AKA-Identity without AT_IDENTITY' },
  'identity:identity_not_permanent': { from: 'identity', event: 'eap', to: 'failure', reason: 'identity_not_permanent', when: 'AT_IDENTITY is not a permanent identity' },
  ...timeoutRows('identity'),

  'vector_wait:challenge': { from: 'vector_wait', event: 'vector', to: 'challenge_sent', when: 'AKA-Challenge sent' },
  'vector_wait:bad_vector': { from: 'vector_wait', event: 'vector', to: 'failure', reason: 'bad_vector', when: 'RAND/AUTN/XRES of the wrong length' },
  ...vectorErrors('vector_wait'),
  ...timeoutRows('vector_wait'),

  'challenge_sent:success': { from: 'challenge_sent', event: 'eap', to: 'success', when: 'AT_MAC then RES verified → EAP-Success, MSK/EMSK' },
  'challenge_sent:success_notification': { from: 'challenge_sent', event: 'eap', to: 'success_notification_sent', when: 'verified, both sides use AT_RESULT_IND → AKA-Notification Success with AT_MAC' },
  'challenge_sent:resync': { from: 'challenge_sent', event: 'eap', to: 'resync_wait', when: 'AKA-Synchronization-Failure with AT_AUTS, attempts left → need_vector with resync' },
  'challenge_sent:discard': { from: 'challenge_sent', event: 'eap', to: 'challenge_sent', when: 'Identifier mismatch: silently discarded' },
  'challenge_sent:notify_bad_mac': { from: 'challenge_sent', event: 'eap', to: 'notification_sent', reason: 'bad_mac', when: 'bad AT_MAC with failureNotification → AKA-Notification General Failure' },
  'challenge_sent:notify_bad_res': { from: 'challenge_sent', event: 'eap', to: 'notification_sent', reason: 'bad_res', when: 'bad RES with failureNotification → AKA-Notification General Failure' },
  ...unusable('challenge_sent'),
  'challenge_sent:authentication_reject': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'authentication_reject', when: 'AKA-Authentication-Reject' },
  'challenge_sent:client_error': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'client_error', when: 'AKA-Client-Error' },
  'challenge_sent:sync_without_auts': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'malformed', when: 'AKA-Synchronization-Failure without AT_AUTS' },
  'challenge_sent:resync_limit': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'resync_limit', when: 'AKA-Synchronization-Failure after maxResync rounds' },
  'challenge_sent:kdf_unsupported': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'kdf_unsupported', when: "EAP-AKA' KDF counter-proposal (only KDF 1 is offered)" },
  'challenge_sent:bad_mac': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'bad_mac', when: 'AT_MAC does not verify' },
  'challenge_sent:bad_res': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'bad_res', when: 'RES absent or not XRES' },
  'challenge_sent:bad_checkcode': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'bad_checkcode', when: 'AT_CHECKCODE does not match the identity round' },
  'challenge_sent:unexpected_subtype': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'unexpected_subtype', when: 'any other subtype' },
  ...timeoutRows('challenge_sent'),

  'resync_wait:challenge': { from: 'resync_wait', event: 'vector', to: 'challenge_sent', when: 'fresh AKA-Challenge after resync' },
  'resync_wait:bad_vector': { from: 'resync_wait', event: 'vector', to: 'failure', reason: 'bad_vector', when: 'RAND/AUTN/XRES of the wrong length' },
  ...vectorErrors('resync_wait'),
  ...timeoutRows('resync_wait'),

  'notification_sent:discard': { from: 'notification_sent', event: 'eap', to: 'notification_sent', when: 'Identifier mismatch: silently discarded' },
  'notification_sent:bad_mac': { from: 'notification_sent', event: 'eap', to: 'failure', reason: 'bad_mac', when: 'response to the notification of a bad AT_MAC → EAP-Failure' },
  'notification_sent:bad_res': { from: 'notification_sent', event: 'eap', to: 'failure', reason: 'bad_res', when: 'response to the notification of a bad RES → EAP-Failure' },
  ...timeoutRows('notification_sent'),

  'success_notification_sent:success': { from: 'success_notification_sent', event: 'eap', to: 'success', when: 'AKA-Notification response with a valid AT_MAC → EAP-Success, MSK/EMSK' },
  'success_notification_sent:discard': { from: 'success_notification_sent', event: 'eap', to: 'success_notification_sent', when: 'Identifier mismatch: silently discarded' },
  ...unusable('success_notification_sent'),
  'success_notification_sent:unexpected_subtype': { from: 'success_notification_sent', event: 'eap', to: 'failure', reason: 'unexpected_subtype', when: 'not an AKA-Notification response' },
  'success_notification_sent:bad_mac': { from: 'success_notification_sent', event: 'eap', to: 'failure', reason: 'bad_mac', when: 'AT_MAC missing or wrong' },
  ...timeoutRows('success_notification_sent'),

  'success:tick': { from: 'success', event: 'tick', to: 'success', when: 'terminal' },
  'failure:tick': { from: 'failure', event: 'tick', to: 'failure', when: 'terminal' },
} as const satisfies Record<string, RowShape>;

export type ServerRowId = keyof typeof SERVER_ROWS;
type Rows = typeof SERVER_ROWS;
/** The rows a handler for (P, K) may return. */
type RowFor<P extends EapServerPhase, K extends EventType> = { [I in ServerRowId]: Rows[I] extends { from: P; event: K } ? I : never }[ServerRowId];
type FailureRow = { [I in ServerRowId]: Rows[I] extends { to: 'failure'; reason: EapFailureReason } ? I : never }[ServerRowId];

export interface EapServerStep<I extends ServerRowId = ServerRowId> {
  state: EapServerState;
  actions: EapServerAction[];
  /** The declared row taken; absent when refused. */
  row?: I;
  /** Set when the event is not declared for the phase: nothing happened. */
  refused?: string;
}
type Taken<I extends ServerRowId> = EapServerStep<I> & { row: I };

type Handler<P extends EapServerPhase, K extends EventType> = (s: EapServerState, e: EventOf<K>) => Taken<RowFor<P, K>>;
type Table = { readonly [P in EapServerPhase]: { readonly [K in EventType]?: Handler<P, K> } };

export function startServer(cfg: EapServerConfig, now: number, opts: { identifier?: number } = {}): EapServerState {
  if (cfg.variant === 'aka-prime' && !cfg.networkName) throw new RangeError("EAP-AKA' server needs networkName (AT_KDF_INPUT)");
  if (!Number.isInteger(cfg.maxResync) || cfg.maxResync < 0) throw new RangeError('maxResync must be an integer >= 0');
  return { phase: 'idle', cfg: { ...cfg }, identifier: (opts.identifier ?? 0) & 0xff, startedAt: now, resyncCount: 0, identityPackets: [] };
}

// ---------------------------------------------------------------- builders

const nextId = (s: EapServerState) => (s.identifier + 1) & 0xff;

/** Move along a declared row: the next phase is the row's `to`, never chosen by the handler. */
function go<I extends ServerRowId>(row: I, s: EapServerState, actions: EapServerAction[], patch: Partial<Omit<EapServerState, 'phase'>> = {}): Taken<I> {
  return { state: { ...s, ...patch, phase: SERVER_ROWS[row].to }, actions, row };
}

const stay = <I extends ServerRowId>(row: I, s: EapServerState): Taken<I> => ({ state: s, actions: [], row });

function request(s: EapServerState, identifier: number, subtype: number, attributes: EapAttribute[]): Buffer {
  return encodeEap({ code: EapCode.REQUEST, identifier, type: eapTypeOf(s.cfg.variant), subtype, attributes } as EapAkaPacket);
}

function fail<I extends FailureRow>(row: I, s: EapServerState, clientErrorCode?: number): Taken<I> {
  const failure: EapFailure = { reason: SERVER_ROWS[row].reason, ...(clientErrorCode !== undefined ? { clientErrorCode } : {}) };
  const packet = encodeEap({ code: EapCode.FAILURE, identifier: s.identifier });
  return go(row, s, [{ type: 'failure', packet, ...failure }], { failure, challenge: undefined, notified: undefined });
}

function notifyFailure<I extends 'challenge_sent:notify_bad_mac' | 'challenge_sent:notify_bad_res'>(row: I, s: EapServerState): Taken<I> {
  const identifier = nextId(s);
  // P bit set (16384): no AT_MAC (RFC 4187 §6.1, §10.19)
  const packet = request(s, identifier, AkaSubtype.AKA_NOTIFICATION, [attr.notification(AkaNotification.GENERAL_FAILURE)]);
  return go(row, s, [{ type: 'send', packet }], { identifier, notified: SERVER_ROWS[row].reason, challenge: undefined });
}

const vectorIsWellFormed = (v: AuthVector) => v.rand.length === 16 && v.autn.length === 16 && v.xres.length >= 4 && v.xres.length <= 16;

function sendChallenge<I extends 'vector_wait:challenge' | 'resync_wait:challenge'>(row: I, s: EapServerState, ev: EventOf<'vector'>): Taken<I> {
  const v = ev.vector;
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
  return go(row, s, [{ type: 'send', packet }], {
    identifier,
    challenge: { rand: Buffer.from(v.rand), xres: new Secret(Buffer.from(v.xres)), kAut: keys.kAut, msk: keys.msk, emsk: keys.emsk },
  });
}

/** Decode a response for this session; `discard` for a stale Identifier. */
function decodeResponse(s: EapServerState, raw: Buffer): EapAkaPacket | 'discard' | UnusableResponse {
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

function succeed<I extends 'challenge_sent:success' | 'success_notification_sent:success'>(row: I, s: EapServerState): Taken<I> {
  const ch = s.challenge!;
  const packet = encodeEap({ code: EapCode.SUCCESS, identifier: s.identifier });
  return go(row, s, [{ type: 'success', imsi: s.imsi!, identity: s.identity!, msk: ch.msk, emsk: ch.emsk, packet }], { challenge: undefined });
}

// ---------------------------------------------------------------- handlers

const onIdentity: Handler<'idle', 'identity'> = (s, { identity }) => {
  const p = parseIdentity(identity);
  const permanent = p.kind === 'permanent' && p.imsi !== undefined;
  const round = s.cfg.identityRound === 'always' || (s.cfg.identityRound === 'when-not-permanent' && !permanent);
  if (round) {
    const identifier = nextId(s);
    const packet = request(s, identifier, AkaSubtype.AKA_IDENTITY, [attr.permanentIdReq()]);
    return go('idle:identity_round', s, [{ type: 'send', packet }], { identity, identifier, identityPackets: [packet] });
  }
  if (!permanent) return fail('idle:identity_not_permanent', { ...s, identity });
  return go('idle:need_vector', s, [{ type: 'need_vector', imsi: p.imsi! }], { identity, imsi: p.imsi! });
};

const onIdentityResponse: Handler<'identity', 'eap'> = (s, { packet: raw }) => {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return stay('identity:discard', s);
  if (typeof p === 'string') return fail(`identity:${p}` as const, s);
  if (p.subtype === AkaSubtype.AKA_CLIENT_ERROR) return fail('identity:client_error', s, read.clientErrorCode(p) ?? -1);
  if (p.subtype !== AkaSubtype.AKA_IDENTITY) return fail('identity:unexpected_subtype', s);
  const identity = read.identity(p);
  if (identity === undefined) return fail('identity:missing_identity', s);
  const next = { ...s, identity, identityPackets: [...s.identityPackets, Buffer.from(raw.subarray(0, raw.readUInt16BE(2)))] };
  const id = parseIdentity(identity);
  if (id.kind !== 'permanent' || !id.imsi) return fail('identity:identity_not_permanent', next);
  return go('identity:need_vector', next, [{ type: 'need_vector', imsi: id.imsi }], { imsi: id.imsi });
};

const onChallengeResponse: Handler<'challenge_sent', 'eap'> = (s, { packet: raw }) => {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return stay('challenge_sent:discard', s);
  if (typeof p === 'string') return fail(`challenge_sent:${p}` as const, s);
  const ch = s.challenge!;
  switch (p.subtype) {
    case AkaSubtype.AKA_AUTHENTICATION_REJECT:
      return fail('challenge_sent:authentication_reject', s);
    case AkaSubtype.AKA_CLIENT_ERROR:
      return fail('challenge_sent:client_error', s, read.clientErrorCode(p) ?? -1);
    case AkaSubtype.AKA_SYNCHRONIZATION_FAILURE: {
      const auts = read.auts(p);
      if (!auts) return fail('challenge_sent:sync_without_auts', s);
      if (s.resyncCount >= s.cfg.maxResync) return fail('challenge_sent:resync_limit', s);
      return go('challenge_sent:resync', s, [{ type: 'need_vector', imsi: s.imsi!, resync: { rand: Buffer.from(ch.rand), auts: Buffer.from(auts) } }], {
        resyncCount: s.resyncCount + 1, challenge: undefined,
      });
    }
    case AkaSubtype.AKA_CHALLENGE: {
      // EAP-AKA' KDF negotiation (RFC 5448 §3.2): we offer only KDF 1, so a counter-proposal ends it.
      if (s.cfg.variant === 'aka-prime' && hasAttr(p, EapAttr.AT_KDF) && !hasAttr(p, EapAttr.AT_RES)) return fail('challenge_sent:kdf_unsupported', s);
      // MAC first (RFC 4187 §9.4): a response whose MAC does not verify fails whatever its RES.
      if (!verifyAtMac(raw, ch.kAut)) return s.cfg.failureNotification ? notifyFailure('challenge_sent:notify_bad_mac', s) : fail('challenge_sent:bad_mac', s);
      const res = read.res(p);
      const xres = ch.xres.reveal();
      if (!res || res.bits !== xres.length * 8 || res.res.length !== xres.length || !timingSafeEqual(res.res, xres)) {
        return s.cfg.failureNotification ? notifyFailure('challenge_sent:notify_bad_res', s) : fail('challenge_sent:bad_res', s);
      }
      const checkcode = read.checkcode(p);
      if (checkcode !== undefined && !checkcode.equals(computeCheckcode(s.cfg.variant, s.identityPackets))) return fail('challenge_sent:bad_checkcode', s);
      if (s.cfg.resultInd && read.resultInd(p)) {
        // RFC 4187 §6.2: protected success indication, S bit set and P bit clear → AT_MAC required
        const identifier = nextId(s);
        const n = request(s, identifier, AkaSubtype.AKA_NOTIFICATION, [attr.notification(AkaNotification.SUCCESS), attr.mac()]);
        return go('challenge_sent:success_notification', s, [{ type: 'send', packet: signEap(n, ch.kAut) }], { identifier });
      }
      return succeed('challenge_sent:success', s);
    }
    default:
      return fail('challenge_sent:unexpected_subtype', s);
  }
};

const onSuccessNotificationResponse: Handler<'success_notification_sent', 'eap'> = (s, { packet: raw }) => {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return stay('success_notification_sent:discard', s);
  if (typeof p === 'string') return fail(`success_notification_sent:${p}` as const, s);
  if (p.subtype !== AkaSubtype.AKA_NOTIFICATION) return fail('success_notification_sent:unexpected_subtype', s);
  if (!verifyAtMac(raw, s.challenge!.kAut)) return fail('success_notification_sent:bad_mac', s);
  return succeed('success_notification_sent:success', s);
};

const onNotificationResponse: Handler<'notification_sent', 'eap'> = (s, { packet }) => {
  if (decodeResponse(s, packet) === 'discard') return stay('notification_sent:discard', s);
  return fail(s.notified === 'bad_mac' ? 'notification_sent:bad_mac' : 'notification_sent:bad_res', s);
};

const onVector =
  <P extends 'vector_wait' | 'resync_wait'>(p: P): Handler<P, 'vector'> =>
  (s, e) => (vectorIsWellFormed(e.vector) ? sendChallenge(`${p}:challenge`, s, e) : fail(`${p}:bad_vector`, s)) as Taken<RowFor<P, 'vector'>>;
const onVectorError =
  <P extends 'vector_wait' | 'resync_wait'>(p: P): Handler<P, 'vector_error'> =>
  (s, e) => fail(`${p}:${e.reason}`, s) as Taken<RowFor<P, 'vector_error'>>;
const tick = <P extends EapServerPhase>(p: P): Handler<P, 'tick'> => (s) => stay(`${p}:tick` as RowFor<P, 'tick'>, s);

/** The dispatch: phase → event → handler. Anything not here is refused. */
export const SERVER_TRANSITIONS: Table = {
  idle: { identity: onIdentity, tick: tick('idle') },
  identity: { eap: onIdentityResponse, tick: tick('identity') },
  vector_wait: { vector: onVector('vector_wait'), vector_error: onVectorError('vector_wait'), tick: tick('vector_wait') },
  challenge_sent: { eap: onChallengeResponse, tick: tick('challenge_sent') },
  resync_wait: { vector: onVector('resync_wait'), vector_error: onVectorError('resync_wait'), tick: tick('resync_wait') },
  notification_sent: { eap: onNotificationResponse, tick: tick('notification_sent') },
  success_notification_sent: { eap: onSuccessNotificationResponse, tick: tick('success_notification_sent') },
  success: { tick: tick('success') },
  failure: { tick: tick('failure') },
};

const isLive = (p: EapServerPhase): p is LivePhase => (LIVE_PHASES as readonly string[]).includes(p);

/** One step of the server. Pure: same state, event and now give the same result. */
export function step(state: EapServerState, event: EapServerEvent, now: number): EapServerStep {
  const h = (SERVER_TRANSITIONS[state.phase] as Record<EventType, ((s: EapServerState, e: EapServerEvent) => EapServerStep) | undefined>)[event.type];
  if (!h) return { state, actions: [], refused: `event ${event.type} not declared in phase ${state.phase}` };
  if (isLive(state.phase) && now - state.startedAt >= state.cfg.timeoutMs) return fail(`${state.phase}:timeout`, state);
  return h(state, event);
}
