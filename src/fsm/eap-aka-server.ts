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
 *
 * Identities and fast re-authentication (RFC 4187 §4.1, §5; RFC 5448 §3.3):
 * with `resolveIdentities` a pseudonym or re-auth identity is handed to the
 * caller (`resolve_identity`), who answers `identity_resolved` with the IMSI
 * (full authentication), a re-auth context (AKA-Reauthentication with
 * AT_COUNTER, AT_NONCE_S and the next re-auth id in AT_ENCR_DATA) or
 * `unknown` (the next, more specific AKA-Identity request). New identities
 * to issue come in with the `vector` event (`issue`) and go out in the
 * challenge's AT_ENCR_DATA; the success action hands back what was issued
 * so the caller can keep it. The caller owns the counters and their storage.
 */
import { DecodeError } from '../codec/decode-error.js';
import { AkaNotification, AkaSubtype, EapAttr, EapCode, EapType } from '../codec/eap/constants.js';
import { attr, duplicateAttribute, hasAttr, read, readInner } from '../codec/eap/attributes.js';
import { computeCheckcode, signEap, verifyAtMac } from '../codec/eap/mac.js';
import { decodeEap, encodeEap, isAkaPacket, type EapAkaPacket, type EapAttribute } from '../codec/eap/packet.js';
import { parseIdentity } from '../aka/identity.js';
import type { AuthVector } from '../aka/types.js';
import { Secret } from '../util/secret.js';
import { timingSafeEqual } from 'node:crypto';
import { decryptAttributes, encryptAttributes } from '../codec/eap/encr.js';
import { deriveReauthSessionKeys, deriveSessionKeys, eapTypeOf, type AkaVariant, type ReauthKeys } from './eap-aka-common.js';

/** Which identity an AKA-Identity request asks for (RFC 4187 §4.1.4-4.1.6). */
export type IdRequest = 'any' | 'fullauth' | 'permanent';

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
  /**
   * Hand pseudonyms and fast re-authentication identities to the caller (`resolve_identity`) instead of
   * refusing them. Without it only permanent identities authenticate. Default off.
   */
  resolveIdentities?: boolean;
  /** The ID request of the first AKA-Identity round when identityRound is 'always' (default 'permanent'). */
  firstIdRequest?: IdRequest;
}

/** What the caller found for a non-permanent identity (the answer to resolve_identity). */
export type IdentityResolution =
  /** A known pseudonym (or a re-auth identity the caller will not re-authenticate): full authentication for this IMSI. */
  | { kind: 'full'; imsi: string }
  /**
   * A live re-auth identity, already consumed by the caller (single use): `counter` is the value to send (above
   * every value sent before), `nonceS` and `iv` fresh random, `nextReauthId` the identity to issue, if any.
   */
  | { kind: 'reauth'; imsi: string; counter: number; keys: ReauthKeys; nonceS: Buffer; iv: Buffer; nextReauthId?: string }
  /** Not known, expired or used: ask for a more specific identity (RFC 4187 §4.1.5). */
  | { kind: 'unknown' };

/** Identities to issue in the challenge's AT_ENCR_DATA (RFC 4187 §4.1.1.7, §5.1); iv is 16 random bytes. */
export interface IssueIdentities {
  pseudonym?: string;
  reauthId?: string;
  iv: Buffer;
}

/** What a successful session issued, for the caller to keep: the next pseudonym and the next re-auth context. */
export interface IssuedIdentities {
  pseudonym?: string;
  /** counter = the last counter used with these keys (0 after a full authentication). */
  reauth?: { id: string; counter: number; keys: ReauthKeys };
}

export type EapServerPhase =
  | 'idle'
  | 'identity'
  | 'resolve_wait'
  | 'vector_wait'
  | 'challenge_sent'
  | 'resync_wait'
  | 'reauth_sent'
  | 'notification_sent'
  | 'success_notification_sent'
  | 'success'
  | 'failure';

export const LIVE_PHASES = ['idle', 'identity', 'resolve_wait', 'vector_wait', 'challenge_sent', 'resync_wait', 'reauth_sent', 'notification_sent', 'success_notification_sent'] as const;
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
  | 'identity_unknown'
  | 'bad_counter'
  | 'bad_kdf'
  | 'timeout';

/** What a failure means to the one asking: the peer was refused, the user is not known, or the back-end is down. */
export type FailureClass = 'rejected' | 'user_unknown' | 'unavailable';

export const FAILURE_CLASS: Readonly<Record<EapFailureReason, FailureClass>> = {
  malformed: 'rejected', unexpected_code: 'rejected', unexpected_type: 'rejected', nak: 'rejected',
  user_unknown: 'user_unknown', unavailable: 'unavailable', resync_failed: 'rejected',
  identity_not_permanent: 'rejected', missing_identity: 'rejected', unexpected_subtype: 'rejected',
  client_error: 'rejected', authentication_reject: 'rejected', resync_limit: 'rejected', kdf_unsupported: 'rejected',
  bad_mac: 'rejected', bad_res: 'rejected', bad_checkcode: 'rejected', bad_vector: 'unavailable', timeout: 'rejected',
  identity_unknown: 'rejected', bad_counter: 'rejected', bad_kdf: 'rejected',
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
  | { type: 'vector'; vector: AuthVector; /** CK/IK are already CK'/IK' (EAP-AKA' vector from the HSS) */ ckIkArePrime?: boolean; issue?: IssueIdentities }
  | { type: 'identity_resolved'; result: IdentityResolution }
  | { type: 'vector_error'; reason: VectorErrorReason }
  | { type: 'eap'; packet: Buffer }
  | { type: 'tick' };
type EventType = EapServerEvent['type'];
type EventOf<K extends EventType> = Extract<EapServerEvent, { type: K }>;

export type EapServerAction =
  | { type: 'send'; packet: Buffer }
  | { type: 'need_vector'; imsi: string; resync?: { rand: Buffer; auts: Buffer } }
  /** Look up a pseudonym / re-auth identity; a re-auth identity may only be used when allowReauth (RFC 4187 §4.1.5). */
  | { type: 'resolve_identity'; identity: string; allowReauth: boolean }
  | { type: 'success'; imsi: string; identity: string; msk: Secret<Buffer>; emsk: Secret<Buffer>; packet: Buffer; reauth: boolean; issued?: IssuedIdentities }
  | ({ type: 'failure'; packet: Buffer } & EapFailure);

export interface EapChallenge {
  readonly rand: Buffer;
  readonly xres: Secret<Buffer>;
  readonly kAut: Secret<Buffer>;
  readonly msk: Secret<Buffer>;
  readonly emsk: Secret<Buffer>;
  /** Identities sent in this challenge's AT_ENCR_DATA, with the keys a re-auth identity needs. */
  readonly issued?: { pseudonym?: string; reauthId?: string; kEncr?: Secret<Buffer>; reauthKey?: Secret<Buffer> };
}

/** An AKA-Reauthentication round in flight (RFC 4187 §5). */
export interface EapReauthRound {
  readonly counter: number;
  readonly nonceS: Buffer;
  readonly keys: ReauthKeys;
  readonly msk: Secret<Buffer>;
  readonly emsk: Secret<Buffer>;
  readonly nextReauthId?: string;
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
  /** reauth_sent: the re-authentication round. */
  readonly reauth?: EapReauthRound;
  /** The ID request of the last AKA-Identity sent, and how many were sent (at most 3, RFC 4187 §4.1.6). */
  readonly idRequest?: IdRequest;
  readonly idRounds?: number;
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

const unusable = <P extends 'identity' | 'challenge_sent' | 'reauth_sent' | 'success_notification_sent'>(p: P) =>
  Object.fromEntries(
    (['malformed', 'unexpected_code', 'unexpected_type', 'nak'] as const).map((r) => [`${p}:${r}`, { from: p, event: 'eap', to: 'failure', reason: r, when: `response ${r.replace('_', ' ')}` }]),
  ) as { readonly [R in UnusableResponse as `${P}:${R}`]: { from: P; event: 'eap'; to: 'failure'; reason: R; when: string } };

/** The rows every phase waiting for one AKA response shares: stale Identifier, unusable, Client-Error, another subtype. */
const responseRows = <P extends 'identity' | 'reauth_sent'>(p: P, expected: string) =>
  ({
    [`${p}:discard`]: { from: p, event: 'eap', to: p, when: 'Identifier mismatch: silently discarded (RFC 3748 §4.1)' },
    ...unusable(p),
    [`${p}:client_error`]: { from: p, event: 'eap', to: 'failure', reason: 'client_error', when: 'AKA-Client-Error' },
    [`${p}:unexpected_subtype`]: { from: p, event: 'eap', to: 'failure', reason: 'unexpected_subtype', when: `not an ${expected} response` },
  }) as { readonly [K in `${P}:discard`]: { from: P; event: 'eap'; to: P; when: string } } & ReturnType<typeof unusable<P>> & {
    readonly [K in `${P}:client_error`]: { from: P; event: 'eap'; to: 'failure'; reason: 'client_error'; when: string };
  } & { readonly [K in `${P}:unexpected_subtype`]: { from: P; event: 'eap'; to: 'failure'; reason: 'unexpected_subtype'; when: string } };

const vectorErrors = <P extends 'vector_wait' | 'resync_wait'>(p: P) =>
  Object.fromEntries(
    (['user_unknown', 'unavailable', 'resync_failed'] as const).map((r) => [`${p}:${r}`, { from: p, event: 'vector_error', to: 'failure', reason: r, when: `vector source: ${r}` }]),
  ) as { readonly [R in VectorErrorReason as `${P}:${R}`]: { from: P; event: 'vector_error'; to: 'failure'; reason: R; when: string } };

/** Every transition the server can take, one row per distinct outcome. step() reports the row it took. */
export const SERVER_ROWS = {
  'idle:need_vector': { from: 'idle', event: 'identity', to: 'vector_wait', when: 'permanent identity, no identity round → need_vector' },
  'idle:identity_round': { from: 'idle', event: 'identity', to: 'identity', when: 'identity round required → AKA-Identity with AT_PERMANENT_ID_REQ' },
  'idle:identity_not_permanent': { from: 'idle', event: 'identity', to: 'failure', reason: 'identity_not_permanent', when: 'no permanent identity and no identity round' },
  'idle:resolve': { from: 'idle', event: 'identity', to: 'resolve_wait', when: 'pseudonym or re-auth identity, resolveIdentities → resolve_identity' },
  ...timeoutRows('idle'),

  'resolve_wait:need_vector': { from: 'resolve_wait', event: 'identity_resolved', to: 'vector_wait', when: 'known pseudonym (or re-auth refused by the caller) → full authentication' },
  'resolve_wait:reauth': { from: 'resolve_wait', event: 'identity_resolved', to: 'reauth_sent', when: 'live re-auth context → AKA-Reauthentication (RFC 4187 §5.4)' },
  'resolve_wait:identity_round': { from: 'resolve_wait', event: 'identity_resolved', to: 'identity', when: 'unknown identity → AKA-Identity with a more specific ID request (RFC 4187 §4.1.5)' },
  'resolve_wait:identity_unknown': { from: 'resolve_wait', event: 'identity_resolved', to: 'failure', reason: 'identity_unknown', when: 'unknown identity and no identity round left' },
  ...timeoutRows('resolve_wait'),

  'identity:need_vector': { from: 'identity', event: 'eap', to: 'vector_wait', when: 'AKA-Identity response with a permanent AT_IDENTITY → need_vector' },
  ...responseRows('identity', 'AKA-Identity'),
  'identity:missing_identity': { from: 'identity', event: 'eap', to: 'failure', reason: 'missing_identity', when: 'AKA-Identity without AT_IDENTITY' },
  'identity:identity_not_permanent': { from: 'identity', event: 'eap', to: 'failure', reason: 'identity_not_permanent', when: 'AT_IDENTITY is not a permanent identity (and may not be, or cannot be resolved)' },
  'identity:resolve': { from: 'identity', event: 'eap', to: 'resolve_wait', when: 'AT_IDENTITY a pseudonym (ANY/FULLAUTH request) or re-auth identity (ANY request) → resolve_identity' },
  ...timeoutRows('identity'),

  'vector_wait:challenge': { from: 'vector_wait', event: 'vector', to: 'challenge_sent', when: 'AKA-Challenge sent' },
  'vector_wait:bad_vector': { from: 'vector_wait', event: 'vector', to: 'failure', reason: 'bad_vector', when: 'RAND/AUTN/XRES of the wrong length' },
  ...vectorErrors('vector_wait'),
  ...timeoutRows('vector_wait'),

  'challenge_sent:success': { from: 'challenge_sent', event: 'eap', to: 'success', when: 'AT_MAC then RES verified → EAP-Success, MSK/EMSK' },
  'challenge_sent:success_notification': { from: 'challenge_sent', event: 'eap', to: 'success_notification_sent', when: 'verified, both sides use AT_RESULT_IND → AKA-Notification Success with AT_MAC' },
  'challenge_sent:resync': { from: 'challenge_sent', event: 'eap', to: 'resync_wait', when: 'AKA-Synchronization-Failure with AT_AUTS (EAP-AKA\': with or without the AT_KDF copy, RFC 9048 §3.2), attempts left → need_vector with resync' },
  'challenge_sent:resync_bad_kdf': { from: 'challenge_sent', event: 'eap', to: 'failure', reason: 'bad_kdf', when: "EAP-AKA' Synchronization-Failure whose AT_KDF list is not the one offered" },
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

  'reauth_sent:success': { from: 'reauth_sent', event: 'eap', to: 'success', when: 'AT_MAC (over packet ‖ NONCE_S) and AT_COUNTER verified → EAP-Success, re-auth MSK/EMSK' },
  'reauth_sent:counter_too_small': { from: 'reauth_sent', event: 'eap', to: 'vector_wait', when: 'verified response with AT_COUNTER_TOO_SMALL → full authentication (RFC 4187 §5.5)' },
  ...responseRows('reauth_sent', 'AKA-Reauthentication'),
  'reauth_sent:bad_mac': { from: 'reauth_sent', event: 'eap', to: 'failure', reason: 'bad_mac', when: 'AT_MAC missing or not over packet ‖ NONCE_S' },
  'reauth_sent:bad_counter': { from: 'reauth_sent', event: 'eap', to: 'failure', reason: 'bad_counter', when: 'AT_COUNTER missing or not the value sent' },
  ...timeoutRows('reauth_sent'),

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
  return go(row, s, [{ type: 'failure', packet, ...failure }], { failure, challenge: undefined, reauth: undefined, notified: undefined });
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
  // RFC 4187 §4.1.1.7 / §5.1: the next pseudonym and re-auth identity travel encrypted under K_encr.
  const issue = ev.issue;
  const inner: EapAttribute[] = [];
  if (issue?.pseudonym !== undefined) inner.push(attr.nextPseudonym(issue.pseudonym));
  if (issue?.reauthId !== undefined) inner.push(attr.nextReauthId(issue.reauthId));
  if (inner.length > 0) attributes.push(...encryptAttributes(keys.kEncr, issue!.iv, inner));
  attributes.push(attr.mac());
  const packet = signEap(request(s, identifier, AkaSubtype.AKA_CHALLENGE, attributes), keys.kAut);
  const issued = inner.length === 0 ? undefined : {
    ...(issue!.pseudonym !== undefined ? { pseudonym: issue!.pseudonym } : {}),
    ...(issue!.reauthId !== undefined ? { reauthId: issue!.reauthId, kEncr: keys.kEncr, reauthKey: keys.reauthKey } : {}),
  };
  return go(row, s, [{ type: 'send', packet }], {
    identifier,
    challenge: { rand: Buffer.from(v.rand), xres: new Secret(Buffer.from(v.xres)), kAut: keys.kAut, msk: keys.msk, emsk: keys.emsk, ...(issued ? { issued } : {}) },
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
  const i = ch.issued;
  const issued: IssuedIdentities | undefined = i && {
    ...(i.pseudonym !== undefined ? { pseudonym: i.pseudonym } : {}),
    ...(i.reauthId !== undefined ? { reauth: { id: i.reauthId, counter: 0, keys: { variant: s.cfg.variant, kEncr: i.kEncr!, kAut: ch.kAut, reauthKey: i.reauthKey! } } } : {}),
  };
  return go(row, s, [{ type: 'success', imsi: s.imsi!, identity: s.identity!, msk: ch.msk, emsk: ch.emsk, packet, reauth: false, ...(issued ? { issued } : {}) }], { challenge: undefined });
}

/** The AKA-Identity request that asks for `want` (RFC 4187 §10.2-10.4). */
function identityRequest(s: EapServerState, want: IdRequest): { packet: Buffer; identifier: number } {
  const identifier = nextId(s);
  const a = want === 'any' ? attr.anyIdReq() : want === 'fullauth' ? attr.fullauthIdReq() : attr.permanentIdReq();
  return { identifier, packet: request(s, identifier, AkaSubtype.AKA_IDENTITY, [a]) };
}

/** The next, more specific ID request after `last` (RFC 4187 §4.1.6: at most three rounds, each narrower). */
function narrower(s: EapServerState, identity: string): IdRequest | undefined {
  if (s.cfg.identityRound === 'never' || (s.idRounds ?? 0) >= 3) return undefined;
  const kind = parseIdentity(identity).kind;
  const first: IdRequest = kind === 'reauth' ? 'fullauth' : 'permanent';
  if (s.idRequest === undefined) return first;
  if (s.idRequest === 'any') return first;
  if (s.idRequest === 'fullauth') return 'permanent';
  return undefined;
}

/** AKA-Reauthentication (RFC 4187 §5.4, §9.7): AT_IV, AT_ENCR_DATA{AT_COUNTER, AT_NONCE_S, AT_NEXT_REAUTH_ID}, AT_MAC. */
function sendReauth(s: EapServerState, r: Extract<IdentityResolution, { kind: 'reauth' }>): Taken<'resolve_wait:reauth'> {
  const identifier = nextId(s);
  const inner: EapAttribute[] = [attr.counter(r.counter), attr.nonceS(r.nonceS)];
  if (r.nextReauthId !== undefined) inner.push(attr.nextReauthId(r.nextReauthId));
  const body = request(s, identifier, AkaSubtype.AKA_REAUTHENTICATION, [...encryptAttributes(r.keys.kEncr, r.iv, inner), attr.mac()]);
  const packet = signEap(body, r.keys.kAut);
  // Keys for this round: RFC 4187 §7 / RFC 5448 §3.3, over the re-auth identity the peer presented.
  const k = deriveReauthSessionKeys(r.keys, s.identity!, r.counter, r.nonceS);
  const reauth: EapReauthRound = {
    counter: r.counter, nonceS: Buffer.from(r.nonceS), keys: r.keys, msk: k.msk, emsk: k.emsk,
    ...(r.nextReauthId !== undefined ? { nextReauthId: r.nextReauthId } : {}),
  };
  return go('resolve_wait:reauth', s, [{ type: 'send', packet }], { identifier, imsi: r.imsi, reauth });
}

// ---------------------------------------------------------------- handlers

const onIdentity: Handler<'idle', 'identity'> = (s, { identity }) => {
  const p = parseIdentity(identity);
  const permanent = p.kind === 'permanent' && p.imsi !== undefined;
  if (!permanent && s.cfg.resolveIdentities && s.cfg.identityRound !== 'always') {
    return go('idle:resolve', s, [{ type: 'resolve_identity', identity, allowReauth: true }], { identity });
  }
  const round = s.cfg.identityRound === 'always' || (s.cfg.identityRound === 'when-not-permanent' && !permanent);
  if (round) {
    const want = s.cfg.identityRound === 'always' ? s.cfg.firstIdRequest ?? 'permanent' : 'permanent';
    const { identifier, packet } = identityRequest(s, want);
    return go('idle:identity_round', s, [{ type: 'send', packet }], { identity, identifier, identityPackets: [packet], idRequest: want, idRounds: 1 });
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
  if (id.kind === 'permanent' && id.imsi) return go('identity:need_vector', next, [{ type: 'need_vector', imsi: id.imsi }], { imsi: id.imsi });
  // RFC 4187 §4.1.4-4.1.6: AT_PERMANENT_ID_REQ admits only the permanent identity, AT_FULLAUTH_ID_REQ also a
  // pseudonym, AT_ANY_ID_REQ also a re-auth identity.
  const allowed = s.cfg.resolveIdentities && s.idRequest !== 'permanent' && !(s.idRequest === 'fullauth' && id.kind === 'reauth');
  if (!allowed) return fail('identity:identity_not_permanent', next);
  return go('identity:resolve', next, [{ type: 'resolve_identity', identity, allowReauth: s.idRequest === 'any' }]);
};

const onResolved: Handler<'resolve_wait', 'identity_resolved'> = (s, { result: r }) => {
  if (r.kind === 'full') return go('resolve_wait:need_vector', s, [{ type: 'need_vector', imsi: r.imsi }], { imsi: r.imsi });
  if (r.kind === 'reauth') return sendReauth(s, r);
  const want = narrower(s, s.identity!);
  if (want === undefined) return fail('resolve_wait:identity_unknown', s);
  const { identifier, packet } = identityRequest(s, want);
  return go('resolve_wait:identity_round', s, [{ type: 'send', packet }], {
    identifier, identityPackets: [...s.identityPackets, packet], idRequest: want, idRounds: (s.idRounds ?? 0) + 1,
  });
};

const onReauthResponse: Handler<'reauth_sent', 'eap'> = (s, { packet: raw }) => {
  const p = decodeResponse(s, raw);
  if (p === 'discard') return stay('reauth_sent:discard', s);
  if (typeof p === 'string') return fail(`reauth_sent:${p}` as const, s);
  if (p.subtype === AkaSubtype.AKA_CLIENT_ERROR) return fail('reauth_sent:client_error', s, read.clientErrorCode(p) ?? -1);
  if (p.subtype !== AkaSubtype.AKA_REAUTHENTICATION) return fail('reauth_sent:unexpected_subtype', s);
  const r = s.reauth!;
  // RFC 4187 §10.15: the response's AT_MAC covers the packet followed by NONCE_S.
  if (!verifyAtMac(raw, r.keys.kAut, { extra: r.nonceS })) return fail('reauth_sent:bad_mac', s);
  let inner: EapAttribute[];
  try {
    const iv = read.iv(p);
    const data = read.encrData(p);
    if (!iv || !data) return fail('reauth_sent:malformed', s);
    inner = decryptAttributes(r.keys.kEncr, iv, data);
    if (readInner.duplicate(inner) !== undefined) return fail('reauth_sent:malformed', s);
    if (readInner.counter(inner) !== r.counter) return fail('reauth_sent:bad_counter', s);
  } catch (e) {
    if (e instanceof DecodeError) return fail('reauth_sent:malformed', s);
    throw e;
  }
  if (readInner.counterTooSmall(inner)) {
    // RFC 4187 §5.5: the peer refused our counter; no keys from this round, full authentication now.
    return go('reauth_sent:counter_too_small', s, [{ type: 'need_vector', imsi: s.imsi! }], { reauth: undefined });
  }
  const packet = encodeEap({ code: EapCode.SUCCESS, identifier: s.identifier });
  const issued: IssuedIdentities | undefined = r.nextReauthId !== undefined ? { reauth: { id: r.nextReauthId, counter: r.counter, keys: r.keys } } : undefined;
  return go('reauth_sent:success', s, [{ type: 'success', imsi: s.imsi!, identity: s.identity!, msk: r.msk, emsk: r.emsk, packet, reauth: true, ...(issued ? { issued } : {}) }], { reauth: undefined });
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
      // EAP-AKA' comes in two forms: AT_AUTS alone (RFC 5448 as published) or AT_AUTS with the request's
      // AT_KDF list repeated in order (RFC 9048 §3.2). Both resync; a KDF list that is not ours fails.
      const kdfs = read.kdfs(p);
      if (s.cfg.variant === 'aka-prime' && kdfs.length > 0 && !(kdfs.length === 1 && kdfs[0] === 1)) return fail('challenge_sent:resync_bad_kdf', s);
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
  resolve_wait: { identity_resolved: onResolved, tick: tick('resolve_wait') },
  vector_wait: { vector: onVector('vector_wait'), vector_error: onVectorError('vector_wait'), tick: tick('vector_wait') },
  challenge_sent: { eap: onChallengeResponse, tick: tick('challenge_sent') },
  resync_wait: { vector: onVector('resync_wait'), vector_error: onVectorError('resync_wait'), tick: tick('resync_wait') },
  reauth_sent: { eap: onReauthResponse, tick: tick('reauth_sent') },
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
