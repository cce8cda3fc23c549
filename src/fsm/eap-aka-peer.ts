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
 *
 * Identities (RFC 4187 §4.1): AT_NEXT_PSEUDONYM / AT_NEXT_REAUTH_ID from the
 * challenge's AT_ENCR_DATA are kept once EAP-Success arrives; an AKA-Identity
 * round is answered with the identity its ID request admits. Fast
 * re-authentication (RFC 4187 §5): the AKA-Reauthentication request's AT_MAC
 * and AT_ENCR_DATA are checked with the kept K_aut/K_encr, a counter not above
 * the last one accepted is answered with AT_COUNTER_TOO_SMALL (no new keys),
 * otherwise MSK/EMSK come from RFC 4187 §7 / RFC 5448 §3.3. A re-auth identity
 * is used once. peerCarry()/startPeer(cfg, carry) move them between runs.
 */
import { DecodeError } from '../codec/decode-error.js';
import { randomBytes } from 'node:crypto';
import { AkaClientError, AkaSubtype, EapAttr, EapCode, EapType, isSkippable } from '../codec/eap/constants.js';
import { attr, duplicateAttribute, hasAttr, read, readInner } from '../codec/eap/attributes.js';
import { decryptAttributes, encryptAttributes } from '../codec/eap/encr.js';
import { computeCheckcode, signEap, verifyAtMac } from '../codec/eap/mac.js';
import { decodeEap, encodeEap, isAkaPacket, type EapAkaPacket, type EapAttribute, type EapPacket } from '../codec/eap/packet.js';
import { buildAuts, usimAuthenticate, type KeyInput } from '../crypto/milenage.js';
import { buildPermanentIdentity, parseIdentity } from '../aka/identity.js';
import { acceptSqn, initSqnMs, sqnInRange, type SqnMsState, type SqnWindow } from '../aka/sqn.js';
import type { Secret } from '../util/secret.js';
import { deriveReauthSessionKeys, deriveSessionKeys, eapTypeOf, type AkaVariant, type ReauthKeys, type Transition } from './eap-aka-common.js';

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

export type EapPeerPhase = 'idle' | 'identity' | 'challenge' | 'reauth' | 'counter_too_small' | 'sync_failure' | 'rejected' | 'notification' | 'success' | 'failure';

/** A fast re-authentication identity and the keys it re-authenticates with; counter = the last one accepted. */
export interface PeerReauth {
  readonly id: string;
  readonly counter: number;
  readonly keys: ReauthKeys;
}

/** What a peer keeps from one run to the next besides SQN: its pseudonym and re-auth context (RFC 4187 §4.1.1.7). */
export interface PeerCarry {
  readonly pseudonym?: string;
  readonly reauth?: PeerReauth;
}

interface PendingKeys {
  readonly msk: Secret<Buffer>;
  readonly emsk: Secret<Buffer>;
  readonly kAut: Secret<Buffer>;
  /** Identities from AT_ENCR_DATA, kept only once EAP-Success arrives. */
  readonly pseudonym?: string;
  readonly reauth?: PeerReauth;
}

export interface EapPeerState {
  readonly phase: EapPeerPhase;
  readonly cfg: Readonly<EapPeerConfig>;
  readonly identity: string;
  readonly sqn: SqnMsState;
  /** AKA-Identity requests/responses for AT_CHECKCODE. */
  readonly identityPackets: readonly Buffer[];
  /** Keys of the challenge answered, released on EAP-Success. */
  readonly pending?: PendingKeys;
  /** The permanent identity (AT_PERMANENT_ID_REQ is answered with it). */
  readonly permanent: string;
  readonly pseudonym?: string;
  readonly reauth?: PeerReauth;
  /** KDF list of the last AKA' negotiation we answered (RFC 5448 §3.2). */
  readonly negotiatedKdfs?: readonly number[];
  readonly failureReason?: string;
}

/** `iv`: 16 random bytes for an AT_ENCR_DATA this step may send (fast re-authentication); default node:crypto randomBytes. */
export type EapPeerEvent = { type: 'eap'; packet: Buffer; iv?: Buffer };

export type EapPeerAction =
  | { type: 'send'; packet: Buffer }
  | { type: 'success'; identity: string; msk: Secret<Buffer>; emsk: Secret<Buffer>; reauth: boolean }
  | { type: 'failure'; reason: string };

export interface EapPeerStep {
  state: EapPeerState;
  actions: EapPeerAction[];
  /** The packet that came in, decoded, for display (undefined if it did not decode). */
  decoded?: EapPacket;
  /** What the peer did, in words (e.g. "sync_failure: SQN out of range"). */
  note?: string;
}

type In = 'identity_req' | 'aka_identity' | 'aka_challenge' | 'aka_reauth' | 'aka_notification' | 'eap_success' | 'eap_failure' | 'other';
const ALL: EapPeerPhase[] = ['idle', 'identity', 'challenge', 'reauth', 'counter_too_small', 'sync_failure', 'rejected', 'notification'];
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
  ...ALL.map((p) => P(p, 'aka_reauth', 'reauth', 'AT_MAC, AT_ENCR_DATA verified, counter fresh → AT_COUNTER, AT_MAC over packet ‖ NONCE_S')),
  ...ALL.map((p) => P(p, 'aka_reauth', 'counter_too_small', 'counter not above the last accepted → AT_COUNTER_TOO_SMALL (RFC 4187 §5.5)')),
  ...ALL.map((p) => P(p, 'aka_reauth', 'rejected', 'no re-auth context, bad AT_MAC or AT_ENCR_DATA → AKA-Client-Error')),
  ...ALL.map((p) => P(p, 'aka_notification', 'notification', 'failure AKA-Notification answered; EAP-Failure expected next')),
  ...ALL.map((p) => P(p, 'aka_notification', p, 'success AKA-Notification (S bit) answered')),
  ...ALL.map((p) => P(p, 'aka_notification', 'rejected', 'bad AT_MAC or malformed notification → AKA-Client-Error')),
  P('challenge', 'eap_success', 'success', 'EAP-Success after our challenge response → MSK/EMSK'),
  P('reauth', 'eap_success', 'success', 'EAP-Success after our re-authentication response → re-auth MSK/EMSK'),
  ...ALL.map((p) => P(p, 'eap_success', 'failure', 'EAP-Success without an authenticated challenge (RFC 4187 §6.3)')),
  ...ALL.map((p) => P(p, 'eap_failure', 'failure', 'EAP-Failure')),
  ...ALL.map((p) => P(p, 'other', 'rejected', 'unknown AKA subtype or unsupported method → Client-Error / Nak')),
  ...ALL.map((p) => P(p, 'other', p, 'a Response (not a Request) is dropped')),
];

/**
 * A peer for one run. With `carry` (identities kept from an earlier run) it presents its re-auth identity,
 * else its pseudonym, else the permanent identity (cfg.identity overrides).
 */
export function startPeer(cfg: EapPeerConfig, carry: PeerCarry = {}): EapPeerState {
  const permanent = buildPermanentIdentity(cfg.imsi, { variant: cfg.variant, mncLength: cfg.mncLength ?? 2, realm: cfg.realm });
  const identity = cfg.identity ?? carry.reauth?.id ?? carry.pseudonym ?? permanent;
  return {
    phase: 'idle', cfg: { ...cfg }, identity, permanent, sqn: initSqnMs(cfg.sqnMs), identityPackets: [],
    ...(carry.pseudonym !== undefined ? { pseudonym: carry.pseudonym } : {}),
    ...(carry.reauth ? { reauth: carry.reauth } : {}),
  };
}

/** The identities to carry into the next run (startPeer's second argument). */
export const peerCarry = (s: EapPeerState): PeerCarry => ({
  ...(s.pseudonym !== undefined ? { pseudonym: s.pseudonym } : {}),
  ...(s.reauth ? { reauth: s.reauth } : {}),
});

/** The realm of the permanent identity, appended to a pseudonym (RFC 4187 §4.1.1.7: AT_NEXT_PSEUDONYM is a username). */
const withRealm = (s: EapPeerState, username: string): string => {
  if (username.includes('@')) return username;
  const realm = parseIdentity(s.permanent).realm;
  return realm ? `${username}@${realm}` : username;
};

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
  const req = read.idReq(p);
  if (!req) return clientError(s, p, 'AKA-Identity without an ID request');
  // RFC 4187 §4.1.4-4.1.6: PERMANENT → the permanent identity; FULLAUTH → a pseudonym if we have one;
  // ANY → a re-auth identity, else a pseudonym. The identity answered is the one the keys use (§7).
  const cfgId = s.cfg.identity;
  const identity = req === 'permanent' ? cfgId ?? s.permanent
    : req === 'fullauth' ? s.pseudonym ?? cfgId ?? s.permanent
    : s.reauth?.id ?? s.pseudonym ?? cfgId ?? s.permanent;
  const packet = response(s, p, AkaSubtype.AKA_IDENTITY, [attr.identity(identity)]);
  const identityPackets = [...s.identityPackets, Buffer.from(raw.subarray(0, raw.readUInt16BE(2))), packet];
  return { state: { ...s, phase: 'identity', identity, identityPackets }, actions: [{ type: 'send', packet }], note: `AT_IDENTITY sent (${req} request)` };
}

/** AT_NEXT_PSEUDONYM / AT_NEXT_REAUTH_ID of a challenge, kept in pending until EAP-Success. */
function issuedIdentities(s: EapPeerState, p: EapAkaPacket, keys: { kEncr: Secret<Buffer>; kAut: Secret<Buffer>; reauthKey: Secret<Buffer> }, variant: AkaVariant):
  { pseudonym?: string; reauth?: PeerReauth } | 'bad' {
  const iv = read.iv(p);
  const data = read.encrData(p);
  if (!iv && !data) return {};
  if (!iv || !data) return 'bad';
  try {
    const inner = decryptAttributes(keys.kEncr, iv, data);
    if (readInner.duplicate(inner) !== undefined) return 'bad';
    const pseudonym = readInner.nextPseudonym(inner);
    const reauthId = readInner.nextReauthId(inner);
    return {
      ...(pseudonym ? { pseudonym: withRealm(s, pseudonym) } : {}),
      ...(reauthId ? { reauth: { id: withRealm(s, reauthId), counter: 0, keys: { variant, kEncr: keys.kEncr, kAut: keys.kAut, reauthKey: keys.reauthKey } } } : {}),
    };
  } catch (e) {
    if (e instanceof DecodeError) return 'bad';
    throw e;
  }
}

/** EAP-Request/AKA-Reauthentication (RFC 4187 §5.4-5.5, §9.7-9.8). */
function onReauth(s: EapPeerState, p: EapAkaPacket, raw: Buffer, ivOut: Buffer): EapPeerStep {
  const ctx = s.reauth;
  if (!ctx) return clientError(s, p, 'AKA-Reauthentication without a re-authentication context');
  // The re-auth identity is single-use whatever happens next (RFC 4187 §5.1).
  const used: EapPeerState = { ...s, reauth: undefined };
  if (ctx.keys.variant !== (p.type === EapType.AKA_PRIME ? 'aka-prime' : 'aka')) return clientError(used, p, 're-authentication of the other method');
  if (!verifyAtMac(raw, ctx.keys.kAut)) return clientError(used, p, 'AKA-Reauthentication AT_MAC does not verify');
  const iv = read.iv(p);
  const data = read.encrData(p);
  if (!iv || !data) return clientError(used, p, 'AKA-Reauthentication without AT_IV/AT_ENCR_DATA');
  let counter: number | undefined;
  let nonceS: Buffer | undefined;
  let next: string | undefined;
  try {
    const inner = decryptAttributes(ctx.keys.kEncr, iv, data);
    if (readInner.duplicate(inner) !== undefined) return clientError(used, p, 'duplicate attribute in AT_ENCR_DATA');
    counter = readInner.counter(inner);
    nonceS = readInner.nonceS(inner);
    next = readInner.nextReauthId(inner);
  } catch (e) {
    if (e instanceof DecodeError) return clientError(used, p, 'AT_ENCR_DATA does not decrypt to attributes');
    throw e;
  }
  if (counter === undefined || nonceS === undefined) return clientError(used, p, 'AT_ENCR_DATA without AT_COUNTER or AT_NONCE_S');
  const tooSmall = counter <= ctx.counter;
  const inner = tooSmall ? [attr.counter(counter), attr.counterTooSmall()] : [attr.counter(counter)];
  const body = response(s, p, AkaSubtype.AKA_REAUTHENTICATION, [...encryptAttributes(ctx.keys.kEncr, ivOut, inner), attr.mac()]);
  // RFC 4187 §10.15: the response's AT_MAC covers the packet followed by NONCE_S.
  const packet = signEap(body, ctx.keys.kAut, { extra: nonceS });
  if (tooSmall) {
    // RFC 4187 §5.5: no new keys, the counter is not updated; a full authentication follows.
    return { state: { ...used, phase: 'counter_too_small', pending: undefined }, actions: [{ type: 'send', packet }], note: `counter ${counter} not above ${ctx.counter}: AT_COUNTER_TOO_SMALL` };
  }
  const k = deriveReauthSessionKeys(ctx.keys, s.identity, counter, nonceS);
  const pending: PendingKeys = { msk: k.msk, emsk: k.emsk, kAut: ctx.keys.kAut, ...(next ? { reauth: { id: withRealm(s, next), counter, keys: ctx.keys } } : {}) };
  return { state: { ...used, phase: 'reauth', pending }, actions: [{ type: 'send', packet }], note: `re-authentication answered (counter ${counter})` };
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
  const issued = issuedIdentities(s, p, keys, p.type === EapType.AKA_PRIME ? 'aka-prime' : 'aka');
  if (issued === 'bad') return clientError({ ...s, sqn }, p, 'AT_IV/AT_ENCR_DATA do not decrypt to attributes');
  const attributes: EapAttribute[] = [attr.res(u.res)];
  if (checkcode !== undefined) attributes.push(attr.checkcode(expected));
  if (read.resultInd(p)) attributes.push(attr.resultInd());
  attributes.push(attr.mac());
  const packet = signEap(response(s, p, AkaSubtype.AKA_CHALLENGE, attributes), keys.kAut);
  return {
    state: { ...s, phase: 'challenge', sqn, pending: { msk: keys.msk, emsk: keys.emsk, kAut: keys.kAut, ...issued } },
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
    case AkaSubtype.AKA_REAUTHENTICATION:
      return 'aka_reauth';
    default:
      return 'other';
  }
}

function handle(s: EapPeerState, kind: In, p: EapPacket, raw: Buffer, iv: Buffer | undefined): EapPeerStep {
  switch (kind) {
    case 'identity_req': {
      const packet = encodeEap({ code: EapCode.RESPONSE, identifier: p.identifier, type: EapType.IDENTITY, data: Buffer.from(s.identity, 'utf8') });
      return { state: { ...s, phase: 'identity' }, actions: [{ type: 'send', packet }], note: 'identity sent' };
    }
    case 'eap_success':
      if ((s.phase === 'challenge' || s.phase === 'reauth') && s.pending) {
        const pd = s.pending;
        // A full authentication replaces the re-auth context (new keys); a pseudonym not renewed stays.
        const carry = { pseudonym: pd.pseudonym ?? s.pseudonym, reauth: pd.reauth };
        return {
          state: { ...s, phase: 'success', pending: undefined, ...carry },
          actions: [{ type: 'success', identity: s.identity, msk: pd.msk, emsk: pd.emsk, reauth: s.phase === 'reauth' }],
          note: s.phase === 'reauth' ? 're-authenticated' : 'authenticated',
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
  if (kind === 'aka_reauth') return onReauth(s, a, raw, iv ?? randomBytes(16));
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
  const out = handle(state, kind, p, event.packet, event.iv);
  if (!peerTransitions.some((t) => t.from === state.phase && t.event === kind && t.to === out.state.phase)) {
    throw new Error(`eap-aka-peer: undeclared transition ${state.phase} --${kind}--> ${out.state.phase}`);
  }
  return { ...out, decoded: p };
}

export type { KeyInput };
