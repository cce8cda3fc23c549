/**
 * EAP-AKA / EAP-AKA' peer (the UE with its USIM) as a pure state machine:
 * RFC 4187 §4 (identity), §9.3-9.4 (challenge), §6.4 (authentication reject),
 * §6.5 (sync failure), §6.3 (notification), RFC 5448 §3 (EAP-AKA'),
 * RFC 9048 §4 (bidding down), TS 33.102 §6.3.3 (USIM: MAC-A, SQN, AUTS).
 *
 * stepPeer(state, { type: 'eap', packet }) → { state, actions, decoded }.
 * Checks, in order, on an AKA-Challenge: required attributes → (AKA') KDF and
 * network name → MAC-A (bad → AKA-Authentication-Reject) → AMF separation
 * bit (AKA') → SQN range (out → AKA-Synchronization-Failure with AT_AUTS)
 * → the server's AT_MAC (bad → AKA-Client-Error) → AT_CHECKCODE → answer with
 * AT_RES and AT_MAC. SQN_MS is kept per IND (src/aka/sqn.ts).
 */
import { DecodeError } from '../codec/decode-error.js';
import { AkaClientError, AkaSubtype, EapAttr, EapCode, EapType, isSkippable } from '../codec/eap/constants.js';
import { attr, duplicateAttribute, hasAttr, read } from '../codec/eap/attributes.js';
import { computeCheckcode, signEap, verifyAtMac } from '../codec/eap/mac.js';
import { decodeEap, encodeEap, isAkaPacket, type EapAkaPacket, type EapAttribute, type EapPacket } from '../codec/eap/packet.js';
import { buildAuts, usimAuthenticate, type KeyInput } from '../crypto/milenage.js';
import { buildPermanentIdentity } from '../aka/identity.js';
import { acceptSqn, initSqnMs, sqnInRange, type SqnMsState, type SqnWindow } from '../aka/sqn.js';
import type { Secret } from '../util/secret.js';
import { deriveSessionKeys, eapTypeOf, type AkaVariant, type Transition } from './eap-aka-common.js';

export { describeEap } from '../codec/eap/describe.js';

export interface EapPeerConfig {
  imsi: string;
  k: Secret<Buffer>;
  opc: Secret<Buffer>;
  /** Highest SQN the USIM has accepted so far. */
  sqnMs: bigint;
  variant: AkaVariant;
  /** NAI realm; default nai.epc.mnc<MNC>.mcc<MCC>.3gppnetwork.org from the IMSI and mncLength. */
  realm?: string;
  /** Digits of MNC in the IMSI (default 2). */
  mncLength?: 2 | 3;
  /** The identity to present; default the permanent NAI (prefix 0 for AKA, 6 for AKA'). */
  identity?: string;
  /** EAP-AKA': the access network name the peer expects in AT_KDF_INPUT; unset = accept the server's. */
  networkName?: string;
  /** The peer also supports EAP-AKA': an AKA-Challenge with AT_BIDDING D set is refused (RFC 9048 §4). */
  supportsAkaPrime?: boolean;
  /** USIM freshness window (Δ, L) — TS 33.102 Annex C. */
  sqnWindow?: SqnWindow;
}

export type EapPeerPhase = 'idle' | 'identity' | 'challenge' | 'sync_failure' | 'rejected' | 'notification' | 'success' | 'failure';

export interface EapPeerState {
  readonly phase: EapPeerPhase;
  readonly cfg: Readonly<EapPeerConfig>;
  readonly identity: string;
  readonly sqn: SqnMsState;
  /** AKA-Identity requests/responses for AT_CHECKCODE. */
  readonly identityPackets: readonly Buffer[];
  /** Keys of the challenge answered, released on EAP-Success. */
  readonly pending?: { readonly msk: Secret<Buffer>; readonly emsk: Secret<Buffer>; readonly kAut: Secret<Buffer> };
  /** KDF list of the last AKA' negotiation we answered (RFC 5448 §3.2). */
  readonly negotiatedKdfs?: readonly number[];
  readonly failureReason?: string;
}

export type EapPeerEvent = { type: 'eap'; packet: Buffer };

export type EapPeerAction =
  | { type: 'send'; packet: Buffer }
  | { type: 'success'; identity: string; msk: Secret<Buffer>; emsk: Secret<Buffer> }
  | { type: 'failure'; reason: string };

export interface EapPeerStep {
  state: EapPeerState;
  actions: EapPeerAction[];
  /** The packet that came in, decoded, for display (undefined if it did not decode). */
  decoded?: EapPacket;
  /** What the peer did, in words (e.g. "sync_failure: SQN out of range"). */
  note?: string;
}

type In = 'identity_req' | 'aka_identity' | 'aka_challenge' | 'aka_notification' | 'eap_success' | 'eap_failure' | 'other';
const ALL: EapPeerPhase[] = ['idle', 'identity', 'challenge', 'sync_failure', 'rejected', 'notification'];
const P = (from: EapPeerPhase, event: In, to: EapPeerPhase, when: string) => ({ from, event, to, when }) as Transition<EapPeerPhase, In>;

/** The declared transitions of the peer (events are the kinds of packet received). */
export const peerTransitions: readonly Transition<EapPeerPhase, In>[] = [
  ...ALL.map((p) => P(p, 'identity_req', 'identity', 'EAP-Request/Identity → EAP-Response/Identity')),
  ...ALL.map((p) => P(p, 'aka_identity', 'identity', 'AKA-Identity → AT_IDENTITY (permanent)')),
  ...ALL.map((p) => P(p, 'aka_identity', 'rejected', 'malformed AKA-Identity → AKA-Client-Error')),
  ...ALL.map((p) => P(p, 'aka_challenge', 'challenge', 'AUTN and AT_MAC verified → AT_RES, AT_MAC')),
  ...ALL.map((p) => P(p, 'aka_challenge', p, "AKA' KDF negotiation: AT_KDF 1 proposed back")),
  ...ALL.map((p) => P(p, 'aka_challenge', 'sync_failure', 'SQN out of range → AKA-Synchronization-Failure with AT_AUTS')),
  ...ALL.map((p) => P(p, 'aka_challenge', 'rejected', 'bad MAC-A, network name, KDF, AMF or bidding → AKA-Authentication-Reject; bad AT_MAC or malformed → AKA-Client-Error')),
  ...ALL.map((p) => P(p, 'aka_notification', 'notification', 'failure AKA-Notification answered; EAP-Failure expected next')),
  ...ALL.map((p) => P(p, 'aka_notification', p, 'success AKA-Notification (S bit) answered')),
  ...ALL.map((p) => P(p, 'aka_notification', 'rejected', 'bad AT_MAC or malformed notification → AKA-Client-Error')),
  P('challenge', 'eap_success', 'success', 'EAP-Success after our challenge response → MSK/EMSK'),
  ...ALL.map((p) => P(p, 'eap_success', 'failure', 'EAP-Success without an authenticated challenge (RFC 4187 §6.3)')),
  ...ALL.map((p) => P(p, 'eap_failure', 'failure', 'EAP-Failure')),
  ...ALL.map((p) => P(p, 'other', 'rejected', 'unknown AKA subtype or unsupported method → Client-Error / Nak')),
  ...ALL.map((p) => P(p, 'other', p, 'a Response (not a Request) is dropped')),
];

export function startPeer(cfg: EapPeerConfig): EapPeerState {
  const identity = cfg.identity ?? buildPermanentIdentity(cfg.imsi, { variant: cfg.variant, mncLength: cfg.mncLength ?? 2, realm: cfg.realm });
  return { phase: 'idle', cfg: { ...cfg }, identity, sqn: initSqnMs(cfg.sqnMs), identityPackets: [] };
}

/** The highest SQN the simulated USIM has accepted (persist it between runs). */
export const peerSqnMs = (s: EapPeerState): bigint => s.sqn.highest;

// ---------------------------------------------------------------- helpers

const response = (s: EapPeerState, p: EapAkaPacket, subtype: number, attributes: EapAttribute[]): Buffer =>
  encodeEap({ code: EapCode.RESPONSE, identifier: p.identifier, type: p.type, subtype, attributes } as EapAkaPacket);

function clientError(s: EapPeerState, p: EapAkaPacket, reason: string): EapPeerStep {
  const packet = response(s, p, AkaSubtype.AKA_CLIENT_ERROR, [attr.clientErrorCode(AkaClientError.UNABLE_TO_PROCESS_PACKET)]);
  return { state: { ...s, phase: 'rejected', failureReason: reason, pending: undefined }, actions: [{ type: 'send', packet }], note: `client_error: ${reason}` };
}

function authReject(s: EapPeerState, p: EapAkaPacket, reason: string): EapPeerStep {
  const packet = response(s, p, AkaSubtype.AKA_AUTHENTICATION_REJECT, []);
  return { state: { ...s, phase: 'rejected', failureReason: reason, pending: undefined }, actions: [{ type: 'send', packet }], note: `authentication_reject: ${reason}` };
}

/** RFC 4187 §8.1: an unknown non-skippable attribute cannot be processed. */
const unknownNonSkippable = (p: EapAkaPacket) => p.attributes.some((a) => !isSkippable(a.type) && !KNOWN.has(a.type));
const KNOWN = new Set<number>(Object.values(EapAttr));

function onAkaIdentity(s: EapPeerState, p: EapAkaPacket, raw: Buffer): EapPeerStep {
  if (!read.idReq(p)) return clientError(s, p, 'AKA-Identity without an ID request');
  const packet = response(s, p, AkaSubtype.AKA_IDENTITY, [attr.identity(s.identity)]);
  const identityPackets = [...s.identityPackets, Buffer.from(raw.subarray(0, raw.readUInt16BE(2))), packet];
  return { state: { ...s, phase: 'identity', identityPackets }, actions: [{ type: 'send', packet }], note: 'AT_IDENTITY sent' };
}

function onChallenge(s: EapPeerState, p: EapAkaPacket, raw: Buffer): EapPeerStep {
  const cfg = s.cfg;
  const rand = read.rand(p);
  const autn = read.autn(p);
  if (!rand || !autn || !hasAttr(p, EapAttr.AT_MAC)) return clientError(s, p, 'challenge without AT_RAND, AT_AUTN or AT_MAC');
  let networkName: string | undefined;
  if (p.type === EapType.AKA_PRIME) {
    networkName = read.kdfInput(p);
    const kdfs = read.kdfs(p);
    // RFC 5448 §3.1-3.2: no (or an empty) network name, or no KDF, fails as if AUTN were wrong.
    if (networkName === undefined || networkName.length === 0) return authReject(s, p, "AKA' challenge without a non-empty AT_KDF_INPUT");
    if (kdfs.length === 0) return authReject(s, p, "AKA' challenge without AT_KDF");
    if (s.negotiatedKdfs) {
      // After our proposal only that change may appear: our KDF prepended to the earlier list.
      if (kdfs[0] !== 1 || !(kdfs.length === s.negotiatedKdfs.length + 1 && s.negotiatedKdfs.every((k, i) => kdfs[i + 1] === k))) {
        return clientError(s, p, 'KDF list changed after negotiation (bidding down)');
      }
    }
    const offered = s.negotiatedKdfs ? kdfs.slice(1) : kdfs;
    if (new Set(offered).size !== offered.length) return authReject(s, p, 'duplicated KDF in AT_KDF list');
    if (kdfs[0] !== 1) {
      // RFC 5448 §3.2: propose the one we support if offered, else give up.
      if (!kdfs.includes(1)) return authReject(s, p, 'no supported KDF');
      const packet = response(s, p, AkaSubtype.AKA_CHALLENGE, [attr.kdf(1)]);
      return { state: { ...s, negotiatedKdfs: kdfs }, actions: [{ type: 'send', packet }], note: 'KDF negotiation: proposed KDF 1' };
    }
    if (cfg.networkName !== undefined && cfg.networkName !== networkName) return authReject(s, p, `network name "${networkName}" not expected`);
  } else if ((cfg.supportsAkaPrime || cfg.variant === 'aka-prime') && read.bidding(p) === true) {
    return authReject(s, p, "AT_BIDDING: server supports EAP-AKA', refusing EAP-AKA");
  }
  // USIM (TS 33.102 §6.3.3)
  const u = usimAuthenticate({ k: cfg.k, opc: cfg.opc, rand, autn });
  if (!u.macOk) return authReject(s, p, 'MAC-A mismatch');
  if (p.type === EapType.AKA_PRIME && (u.amf[0]! & 0x80) === 0) return authReject(s, p, 'AMF separation bit not set');
  if (!sqnInRange(u.sqn, s.sqn, cfg.sqnWindow)) {
    const auts = buildAuts({ k: cfg.k, opc: cfg.opc, rand, sqnMs: s.sqn.highest });
    // RFC 9048 §3.2: an EAP-AKA' Synchronization-Failure repeats the request's AT_KDF list, in order.
    const kdfs = p.type === EapType.AKA_PRIME ? read.kdfs(p).map((k) => attr.kdf(k)) : [];
    const packet = response(s, p, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, [attr.auts(auts), ...kdfs]);
    return { state: { ...s, phase: 'sync_failure', pending: undefined }, actions: [{ type: 'send', packet }], note: `sync_failure: SQN ${u.sqn} out of range` };
  }
  const sqn = acceptSqn(s.sqn, u.sqn); // the USIM has run: SQN_MS moves now
  const keys = deriveSessionKeys({ variant: p.type === EapType.AKA_PRIME ? 'aka-prime' : 'aka', identity: s.identity, ck: u.ck, ik: u.ik, autn, networkName });
  if (!verifyAtMac(raw, keys.kAut)) return clientError({ ...s, sqn }, p, 'server AT_MAC does not verify');
  const checkcode = read.checkcode(p);
  const expected = computeCheckcode(p.type === EapType.AKA_PRIME ? 'aka-prime' : 'aka', s.identityPackets);
  if (checkcode !== undefined && !checkcode.equals(expected)) return clientError({ ...s, sqn }, p, 'AT_CHECKCODE mismatch');
  const attributes: EapAttribute[] = [attr.res(u.res)];
  if (checkcode !== undefined) attributes.push(attr.checkcode(expected));
  if (read.resultInd(p)) attributes.push(attr.resultInd());
  attributes.push(attr.mac());
  const packet = signEap(response(s, p, AkaSubtype.AKA_CHALLENGE, attributes), keys.kAut);
  return {
    state: { ...s, phase: 'challenge', sqn, pending: { msk: keys.msk, emsk: keys.emsk, kAut: keys.kAut } },
    actions: [{ type: 'send', packet }],
    note: 'challenge answered',
  };
}

function onNotification(s: EapPeerState, p: EapAkaPacket, raw: Buffer): EapPeerStep {
  const code = read.notification(p);
  if (code === undefined) return clientError(s, p, 'AKA-Notification without AT_NOTIFICATION');
  const beforeChallenge = (code & 0x4000) !== 0; // P bit
  const attributes: EapAttribute[] = [];
  if (!beforeChallenge) {
    // After the challenge the notification carries AT_MAC; we answer with one (RFC 4187 §6.1).
    if (!s.pending || !verifyAtMac(raw, s.pending.kAut)) return clientError(s, p, 'AKA-Notification AT_MAC does not verify');
    attributes.push(attr.mac());
  }
  let packet = response(s, p, AkaSubtype.AKA_NOTIFICATION, attributes);
  if (!beforeChallenge) packet = signEap(packet, s.pending!.kAut);
  const success = (code & 0x8000) !== 0; // S bit
  return {
    state: { ...s, phase: success ? s.phase : 'notification', failureReason: success ? s.failureReason : `notification:${code}` },
    actions: [{ type: 'send', packet }],
    note: `notification ${code}`,
  };
}

/** The AKA type this peer answers: its own variant (an AKA' peer also does plain AKA, with bidding-down protection). */
const classifyType = (p: EapAkaPacket, s: EapPeerState): boolean =>
  p.type === eapTypeOf(s.cfg.variant) || (p.type === EapType.AKA && s.cfg.variant === 'aka-prime');

function classify(p: EapPacket, s: EapPeerState): In {
  if (p.code === EapCode.SUCCESS) return 'eap_success';
  if (p.code === EapCode.FAILURE) return 'eap_failure';
  if (p.code !== EapCode.REQUEST) return 'other';
  if (!isAkaPacket(p)) return p.type === EapType.IDENTITY ? 'identity_req' : 'other';
  if (!classifyType(p, s)) return 'other';
  switch (p.subtype) {
    case AkaSubtype.AKA_IDENTITY:
      return 'aka_identity';
    case AkaSubtype.AKA_CHALLENGE:
      return 'aka_challenge';
    case AkaSubtype.AKA_NOTIFICATION:
      return 'aka_notification';
    default:
      return 'other';
  }
}

function handle(s: EapPeerState, kind: In, p: EapPacket, raw: Buffer): EapPeerStep {
  switch (kind) {
    case 'identity_req': {
      const packet = encodeEap({ code: EapCode.RESPONSE, identifier: p.identifier, type: EapType.IDENTITY, data: Buffer.from(s.identity, 'utf8') });
      return { state: { ...s, phase: 'identity' }, actions: [{ type: 'send', packet }], note: 'identity sent' };
    }
    case 'eap_success':
      if (s.phase === 'challenge' && s.pending) {
        return {
          state: { ...s, phase: 'success', pending: undefined },
          actions: [{ type: 'success', identity: s.identity, msk: s.pending.msk, emsk: s.pending.emsk }],
          note: 'authenticated',
        };
      }
      return { state: { ...s, phase: 'failure', failureReason: 'unexpected EAP-Success' }, actions: [{ type: 'failure', reason: 'unexpected EAP-Success' }] };
    case 'eap_failure': {
      const reason = s.failureReason ?? 'EAP-Failure';
      return { state: { ...s, phase: 'failure', failureReason: reason, pending: undefined }, actions: [{ type: 'failure', reason }] };
    }
    case 'other': {
      if (isAkaPacket(p) && p.code === EapCode.REQUEST && classifyType(p, s)) return clientError(s, p, `unsupported subtype ${p.subtype}`);
      if (p.code !== EapCode.REQUEST) return { state: s, actions: [], note: 'dropped: not a request' };
      // Any other method: Nak with the type we do (RFC 3748 §5.3.1)
      const packet = encodeEap({ code: EapCode.RESPONSE, identifier: p.identifier, type: EapType.NAK, data: Buffer.from([eapTypeOf(s.cfg.variant)]) });
      return { state: { ...s, phase: 'rejected', failureReason: 'unsupported method' }, actions: [{ type: 'send', packet }], note: 'nak' };
    }
  }
  const a = p as EapAkaPacket;
  if (duplicateAttribute(a) !== undefined || unknownNonSkippable(a)) return clientError(s, a, 'duplicate or unknown non-skippable attribute');
  if (kind === 'aka_identity') return onAkaIdentity(s, a, raw);
  if (kind === 'aka_challenge') return onChallenge(s, a, raw);
  return onNotification(s, a, raw);
}

/** One step of the peer. Pure. A packet that does not decode is silently dropped (RFC 3748 §4.1 / RFC 4187 §8.1). */
export function stepPeer(state: EapPeerState, event: EapPeerEvent): EapPeerStep {
  let p: EapPacket;
  try {
    p = decodeEap(event.packet);
  } catch (e) {
    if (e instanceof DecodeError) return { state, actions: [], note: `dropped: ${e.message}` };
    throw e;
  }
  if (state.phase === 'success' || state.phase === 'failure') {
    return { state, actions: [], decoded: p, note: `ignored in phase ${state.phase}` };
  }
  const kind = classify(p, state);
  const out = handle(state, kind, p, event.packet);
  if (!peerTransitions.some((t) => t.from === state.phase && t.event === kind && t.to === out.state.phase)) {
    throw new Error(`eap-aka-peer: undeclared transition ${state.phase} --${kind}--> ${out.state.phase}`);
  }
  return { ...out, decoded: p };
}

export type { KeyInput };
