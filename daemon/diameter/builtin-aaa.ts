/**
 * The built-in AAA/HSS (EAP-AKA.md § The built-in peers): a Diameter server
 * that answers
 *  - SWm DER (TS 29.273 §7.2.2.1) by running the EAP-AKA/AKA' server state
 *    machine (src/fsm/eap-aka-server.ts) over the local subscriber store:
 *    DEA 1001 + next EAP request, 2001 + EAP-Success + EAP-Master-Session-Key,
 *    4001 + EAP-Failure, or Experimental-Result 5001 (user unknown) + EAP-Failure;
 *    pseudonyms and fast re-authentication identities issued in AT_ENCR_DATA and
 *    fast re-authentication accepted (RFC 4187 §4.1, §5), kept in the store
 *    (src/services/eap-auth/eap-identities.ts);
 *  - SWx MAR (TS 29.273 §8.2.2.1) with Milenage vectors (resync via
 *    SIP-Authorization = RAND ‖ AUTS); EAP-AKA' vectors carry CK'/IK'
 *    derived with the ANID (TS 33.402 Annex A.2);
 *  - Sh UDR/PUR (TS 29.328/29.329) on RepositoryData, kept in the
 *    `sh_repository` collection, so XCAP's hss_sync works against it; SNR
 *    subscriptions kept in `sh_hss_subscriptions`, and a PNR to each
 *    subscribed AS when the data changes (a PUR from another AS, or
 *    `updateRepositoryData`, the operator's change).
 * Keys never leave the subscriber service; this file sees vectors only.
 */
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { AuthVectorSource, EventSink, Store } from '../../src/ports.js';
import { AuthVectorError } from '../../src/ports.js';
import { AppId, Avp3gpp, CommandCode, ExperimentalResultCode, ResultCode, SipAuthScheme, SubsReqType, VENDOR_3GPP } from '../../src/codec/diameter/constants.js';
import { buildDea, readDer } from '../../src/codec/diameter/swm.js';
import { buildMaa, readMar, type MaaVector } from '../../src/codec/diameter/swx.js';
import { buildErrorAnswer, makeSessionId } from '../../src/codec/diameter/base.js';
import { describeResult, experimental3gpp, experimentalCode, isSuccessResult } from '../../src/codec/diameter/result.js';
import {
  buildPnr, buildShAnswer, buildShData, DATA_REFERENCE_REPOSITORY_DATA, readRepositoryData, readShAnswer, readShRequest, type ShRepositoryData,
} from '../../src/codec/diameter/sh.js';
import type { DiameterMessage } from '../../src/codec/diameter/message.js';
import { decodeEap, encodeEap } from '../../src/codec/eap/packet.js';
import { EapCode, EapType } from '../../src/codec/eap/constants.js';
import { describeFailure, type EapServerConfig, type EapServerState } from '../../src/fsm/eap-aka-server.js';
import { driveEapServer, openEapServer, type EapDriveInput, type EapServerOptions } from '../../src/fsm/eap-aka-driver.js';
import { ckIkPrime } from '../../src/crypto/aka-prime-kdf.js';
import { buildPermanentIdentity, parseIdentity, type AkaVariant } from '../../src/aka/identity.js';
import { SubscriberService, LocalVectorSource } from '../../src/services/subscribers.js';
import { EAP_IDENTITIES_DEFAULTS, StoreEapIdentities, type EapIdentitiesConfig } from '../../src/services/eap-auth/eap-identities.js';
import { deriveSealKey } from '../../src/crypto/seal.js';
import { Secret } from '../../src/util/secret.js';
import { openCollection } from '../../src/store/collections.js';
import { createDiameterNode, type AcceptedPeer, type DiameterConfig, type DiameterLogger, type DiameterNode, type RequestContext } from './node.js';

export interface BuiltinAaaEapConfig {
  /** Session lifetime, ms (default 30 000). */
  timeoutMs?: number;
  /** Synchronization-Failure rounds allowed (default 2). */
  maxResync?: number;
  /** AT_KDF_INPUT for EAP-AKA' sessions (identity prefix 6), default "WLAN". */
  networkName?: string;
  /** Default 'when-not-permanent': an unknown pseudonym or re-auth identity gets an AKA-Identity round. */
  identityRound?: EapServerConfig['identityRound'];
  /** Pseudonyms and fast re-authentication (aaa.pseudonyms, aaa.fast_reauth, …); defaults EAP_IDENTITIES_DEFAULTS. */
  identities?: Partial<EapIdentitiesConfig>;
  /**
   * storage.cluster_secret: seals the re-authentication keys kept in the store. Empty = a random key of this
   * process, so after a restart a re-auth identity falls back to full authentication.
   */
  clusterSecret?: string;
}

export interface BuiltinAaaListen {
  host: string;
  realm: string;
  listen_ip: string;
  listen_port: number;
  product_name?: string;
  watchdog_seconds?: number;
  /**
   * The only peers that may connect (Origin-Host plus source address); anyone else gets CEA 3010
   * DIAMETER_UNKNOWN_PEER and is disconnected. Default: DEFAULT_AAA_PEERS (docs/security.md).
   */
  accept_peers?: AcceptedPeer[];
}

/** Without configuration the AAA accepts only the daemon's default Diameter identity, on loopback. */
export const DEFAULT_AAA_PEERS: readonly AcceptedPeer[] = [{ host: 'omnisep.localdomain', ip: 'loopback' }];

export interface BuiltinAaaOptions {
  store: Store;
  logger: DiameterLogger;
  /** Serve on an existing node, or create one from `listen`. */
  node?: DiameterNode;
  listen?: BuiltinAaaListen;
  eapConfig?: BuiltinAaaEapConfig;
  subscribers?: SubscriberService;
  metrics?: Registry;
  events?: EventSink;
  random?: (n: number) => Buffer;
  now?: () => number;
}

export interface BuiltinAaa {
  readonly node: DiameterNode;
  readonly subscribers: SubscriberService;
  /** Starts the node when it was created here; resolves with its listen address. */
  start(): Promise<{ listen?: { host: string; port: number } }>;
  stop(): Promise<void>;
  /** EAP sessions in progress. */
  activeSessions(): number;
  /**
   * The operator changes a subscriber's Sh RepositoryData in the HSS (serviceData '' removes it): stored with the
   * next SequenceNumber, then a PNR goes to every AS subscribed to it. Resolves with the new SequenceNumber once
   * the PNAs are in (or failed).
   */
  updateRepositoryData(msisdn: string, serviceIndication: string, serviceData: string): Promise<number>;
}

/** Longest Sh subscription the built-in HSS grants (and what it grants when the SNR asks for none), seconds. */
export const HSS_MAX_SUBSCRIPTION_SECONDS = 86_400;

interface AaaSession {
  state: EapServerState;
  lastAt: number;
}

/** The node config of a stand-alone built-in AAA: SWm + SWx + Sh, only the accepted peers may connect. */
export function builtinAaaNodeConfig(l: BuiltinAaaListen): DiameterConfig {
  return {
    host: l.host, realm: l.realm, product_name: l.product_name ?? 'OmniSep-AAA', vendor_id: 10415,
    listen_ip: l.listen_ip, listen_port: l.listen_port,
    auth_application_ids: [AppId.SWm, AppId.SWx, AppId.Sh], acct_application_ids: [], supported_vendor_ids: [10415],
    request_timeout: 5000, watchdog_seconds: l.watchdog_seconds ?? 30, allow_undefined_peers_to_connect: false,
    accept_peers: [...(l.accept_peers ?? DEFAULT_AAA_PEERS)],
    peer_selection_algorithm: 'round_robin', peers: [],
  };
}

export function createBuiltinAaa(opts: BuiltinAaaOptions): BuiltinAaa {
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  const rnd = opts.random ?? randomBytes;
  const own = !opts.node;
  if (!opts.node && !opts.listen) throw new Error('createBuiltinAaa needs a node or a listen config');
  const node = opts.node ?? createDiameterNode(builtinAaaNodeConfig(opts.listen!), {
    logger: log, ...(opts.metrics ? { metrics: opts.metrics } : {}), ...(opts.events ? { events: opts.events } : {}),
  });
  const subscribers = opts.subscribers ?? new SubscriberService(opts.store, { now });
  const local = new LocalVectorSource(subscribers, rnd);
  /** Any failure to get a vector ends the EAP session as 'unavailable' unless the source said why. */
  const vectors: AuthVectorSource = {
    async getVector(r) {
      try {
        return await local.getVector(r);
      } catch (err) {
        const e = err instanceof AuthVectorError ? err : new AuthVectorError('unavailable', 'vector source failed');
        log.info({ imsi: r.imsi, reason: e.kind }, 'aaa: no vector');
        throw e;
      }
    },
  };
  const eap = opts.eapConfig ?? {};
  const timeoutMs = eap.timeoutMs ?? 30_000;
  const sessions = new Map<string, AaaSession>();
  let sweeper: NodeJS.Timeout | null = null;

  const idConfig: EapIdentitiesConfig = { ...EAP_IDENTITIES_DEFAULTS, ...eap.identities };
  const identities = new StoreEapIdentities(opts.store, {
    config: idConfig, random: rnd, now,
    sealKey: eap.clusterSecret ? deriveSealKey(eap.clusterSecret, 'eap_identities') : new Secret(randomBytes(32)),
  });
  const serverOptions: EapServerOptions = {
    defaultVariant: 'aka',
    networkName: eap.networkName ?? 'WLAN',
    maxResync: eap.maxResync ?? 2,
    timeoutMs,
    identityRound: eap.identityRound ?? 'when-not-permanent',
    resolveIdentities: true,
  };

  async function onDer(req: DiameterMessage, ctx: RequestContext): Promise<DiameterMessage> {
    const dict = ctx.dictionary;
    const der = readDer(req);
    if (!der) return buildErrorAnswer(dict, req, ctx.local, ResultCode.DIAMETER_MISSING_AVP, { errorMessage: 'DER needs Session-Id and EAP-Payload' });
    const t = now();
    let sess = sessions.get(der.sessionId);
    let input: EapDriveInput;
    let packetId = 0;
    try {
      const pkt = decodeEap(der.eapPayload);
      packetId = pkt.identifier;
      if (!sess && 'type' in pkt && pkt.type === EapType.IDENTITY && pkt.code === EapCode.RESPONSE && 'data' in pkt) {
        const identity = pkt.data.toString('utf8');
        sess = { state: openEapServer(identity, serverOptions, t, { identifier: pkt.identifier }), lastAt: t };
        sessions.set(der.sessionId, sess);
        input = { type: 'identity', identity };
      } else if (sess) {
        input = { type: 'eap', packet: der.eapPayload };
      } else {
        return buildDea(dict, req, ctx.local, { resultCode: ResultCode.DIAMETER_UNKNOWN_SESSION_ID, eapPayload: failurePacket(packetId) });
      }
    } catch {
      sessions.delete(der.sessionId);
      return buildDea(dict, req, ctx.local, { resultCode: ResultCode.DIAMETER_AUTHENTICATION_REJECTED, eapPayload: failurePacket(packetId) });
    }
    sess.lastAt = t;
    const { state, outcome: out } = await driveEapServer(sess.state, input, { vectors, now, identities });
    sess.state = state;
    const userName = der.userName;
    const base = { ...(userName ? { userName } : {}) };
    switch (out.type) {
      case 'request':
        return buildDea(dict, req, ctx.local, { resultCode: ResultCode.DIAMETER_MULTI_ROUND_AUTH, eapPayload: out.packet, ...base });
      case 'success':
        sessions.delete(der.sessionId);
        // Kept before the answer: the peer may present its new identities as soon as it sees EAP-Success.
        await identities.save(out.imsi, out.issued);
        // Per authentication: debug (docs/architecture.md § Logging).
        log.debug({ imsi: out.imsi, session_id: der.sessionId, fast_reauth: out.reauth }, out.reauth ? 'aaa: EAP-AKA fast re-authentication success' : 'aaa: EAP-AKA success');
        // Mobile-Node-Identifier = the permanent identity (TS 29.273 §7.1.2.1.1): the ePDG (or the TS.43 route) binds
        // the session to it, never to a pseudonym or re-auth identity the peer presented.
        return buildDea(dict, req, ctx.local, {
          resultCode: ResultCode.DIAMETER_SUCCESS, eapPayload: out.packet, msk: out.msk.reveal(), ...base,
          mobileNodeIdentifier: permanentNai(out.imsi, state.cfg.variant, out.identity),
        });
      case 'failure':
        sessions.delete(der.sessionId);
        log.info({ imsi: state.imsi, reason: describeFailure(out), session_id: der.sessionId }, 'aaa: EAP-AKA failure');
        if (out.reason === 'user_unknown') {
          return buildDea(dict, req, ctx.local, { ...experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_USER_UNKNOWN), eapPayload: out.packet, ...base });
        }
        return buildDea(dict, req, ctx.local, { resultCode: ResultCode.DIAMETER_AUTHENTICATION_REJECTED, eapPayload: out.packet, ...base });
      case 'none':
        // Silently discarded (e.g. Identifier mismatch, RFC 3748 §4.1): ask the peer to resend nothing; keep the session.
        return buildDea(dict, req, ctx.local, { resultCode: ResultCode.DIAMETER_UNABLE_TO_COMPLY, ...base });
      case 'refused':
        return buildErrorAnswer(dict, req, ctx.local, ResultCode.DIAMETER_UNABLE_TO_COMPLY);
    }
  }

  async function onMar(req: DiameterMessage, ctx: RequestContext): Promise<DiameterMessage> {
    const dict = ctx.dictionary;
    const mar = readMar(req);
    if (!mar) return buildErrorAnswer(dict, req, ctx.local, ResultCode.DIAMETER_MISSING_AVP, { errorMessage: 'MAR needs Session-Id, User-Name and SIP-Auth-Data-Item' });
    const prime = mar.scheme === SipAuthScheme.EAP_AKA_PRIME;
    if (mar.scheme !== SipAuthScheme.EAP_AKA && !prime) {
      return buildMaa(dict, req, ctx.local, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_AUTH_SCHEME_NOT_SUPPORTED));
    }
    if (!(await subscribers.has(mar.userName))) {
      return buildMaa(dict, req, ctx.local, { ...experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_USER_UNKNOWN), userName: mar.userName });
    }
    const anid = prime ? readAnid(req) ?? 'WLAN' : undefined;
    const out: MaaVector[] = [];
    const n = Math.min(Math.max(mar.numberOfItems, 1), 5);
    try {
      for (let i = 0; i < n; i++) {
        const v = await subscribers.nextVector(mar.userName, rnd(16), i === 0 ? mar.resync : undefined, { akaPrime: prime });
        let ck = v.ck.reveal();
        let ik = v.ik.reveal();
        if (anid) {
          // TS 33.402 Annex A.2: CK' ‖ IK' = KDF(CK ‖ IK, FC=0x20, access network identity, SQN ⊕ AK).
          const p = ckIkPrime(v.ck, v.ik, anid, v.autn.subarray(0, 6));
          ck = p.ckPrime.reveal();
          ik = p.ikPrime.reveal();
        }
        out.push({ rand: v.rand, autn: v.autn, xres: v.xres, ck, ik });
      }
    } catch (err) {
      if (err instanceof AuthVectorError && err.kind === 'resync_failed') {
        return buildMaa(dict, req, ctx.local, { resultCode: ResultCode.DIAMETER_AUTHORIZATION_REJECTED, userName: mar.userName });
      }
      throw err;
    }
    return buildMaa(dict, req, ctx.local, { resultCode: ResultCode.DIAMETER_SUCCESS, userName: mar.userName, scheme: mar.scheme, vectors: out });
  }

  interface ShRecord { sequence: number; serviceData: string }
  /** One AS subscribed (SNR) to one subscriber's RepositoryData of one Service-Indication. */
  interface ShSubscription { target: string; msisdn: string; service_indication: string; as_host: string; as_realm: string; expires_at: number }
  const shRepo = openCollection<ShRecord>(opts.store, 'sh_repository');
  const shSubs = openCollection<ShSubscription>(opts.store, 'sh_hss_subscriptions');
  const pnrHigh = Math.floor(now() / 1000) >>> 0;
  let pnrCounter = 0;

  /**
   * Sh-Notif (TS 29.328 §6.1.4): a PNR with the changed RepositoryData to every AS subscribed to it, except the one
   * whose PUR changed it (it knows). Expired subscriptions are dropped; one answered 5001 DIAMETER_ERROR_USER_UNKNOWN
   * too (that AS no longer serves the user). A PNR that fails is logged, not retried: the AS reads again at its
   * next UDR, and its subscription renewal proves the link.
   */
  async function notifySubscribers(msisdn: string, si: string, sequence: number, serviceData: string, except?: string): Promise<void> {
    const t = now();
    const userData = buildShData({ serviceIndication: si, sequenceNumber: sequence, serviceData });
    await Promise.all((await shSubs.find('target', `${msisdn}|${si}`)).map(async (sub) => {
      const key = `${sub.target}|${sub.as_host}`;
      if (sub.expires_at <= t) { await shSubs.delete(key); return; }
      if (sub.as_host === except) return;
      const pnr = buildPnr(node.dictionary, { host: node.host, realm: node.realm }, {
        sessionId: makeSessionId(node.host, pnrHigh, ++pnrCounter, 'pnr'), destinationHost: sub.as_host, destinationRealm: sub.as_realm, msisdn, userData,
      }, { hopByHop: 0, endToEnd: 0 });
      try {
        const r = readShAnswer(await node.request(pnr, { peer: sub.as_host })).result;
        if (r && isSuccessResult(r)) return;
        log.warn({ peer: sub.as_host, msisdn, result: r ? describeResult(r) : 'none' }, 'hss: PNR refused');
        if (experimentalCode(r) === ExperimentalResultCode.DIAMETER_ERROR_USER_UNKNOWN) await shSubs.delete(key);
      } catch (err) {
        log.warn({ peer: sub.as_host, msisdn, err: (err as Error).message }, 'hss: PNR not delivered');
      }
    }));
  }

  /** A notification starts after the answer that caused it is sent; its failures are logged inside. */
  const notifyLater = (...a: Parameters<typeof notifySubscribers>): void => {
    setImmediate(() => void notifySubscribers(...a).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'hss: notification failed')));
  };

  /**
   * SNR (TS 29.329 §6.1.5, TS 29.328 §6.1.3) on RepositoryData: Subs-Req-Type 0 stores (or renews) the
   * subscription of the requesting AS (its Origin-Host), granting the asked Expiry-Time capped at
   * HSS_MAX_SUBSCRIPTION_SECONDS (that cap when none or a past one is asked) and returning it in the SNA;
   * Subs-Req-Type 1 removes it (2001 whether or not one existed). A subscription to data not stored yet is
   * accepted: the AS hears when it appears. Other Data-References → 5101 DIAMETER_ERROR_OPERATION_NOT_ALLOWED.
   * Send-Data-Indication USER_DATA_REQUESTED adds the current Sh-Data to the SNA.
   */
  async function onSnr(req: DiameterMessage, ctx: RequestContext): Promise<DiameterMessage> {
    const r = readShRequest(req);
    if (!r?.msisdn || !r.serviceIndication || r.subsReqType === null || !r.originHost) {
      return buildErrorAnswer(ctx.dictionary, req, ctx.local, ResultCode.DIAMETER_MISSING_AVP, { errorMessage: 'SNR needs User-Identity/MSISDN, Service-Indication and Subs-Req-Type' });
    }
    if (r.dataReference !== DATA_REFERENCE_REPOSITORY_DATA) return buildShAnswer(ctx.dictionary, req, ctx.local, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_OPERATION_NOT_ALLOWED));
    const target = `${r.msisdn}|${r.serviceIndication}`;
    const key = `${target}|${r.originHost}`;
    if (r.subsReqType !== SubsReqType.SUBSCRIBE && r.subsReqType !== SubsReqType.UNSUBSCRIBE) {
      const failedAvp = req.avps.find((a) => a.code === Avp3gpp.SUBS_REQ_TYPE && a.vendorId === VENDOR_3GPP);
      return buildErrorAnswer(ctx.dictionary, req, ctx.local, ResultCode.DIAMETER_INVALID_AVP_VALUE, { errorMessage: `Subs-Req-Type ${r.subsReqType} is neither 0 nor 1`, ...(failedAvp ? { failedAvp } : {}) });
    }
    if (r.subsReqType === SubsReqType.UNSUBSCRIBE) {
      await shSubs.delete(key);
      return buildShAnswer(ctx.dictionary, req, ctx.local, { resultCode: ResultCode.DIAMETER_SUCCESS });
    }
    const t = Math.floor(now() / 1000);
    const max = t + HSS_MAX_SUBSCRIPTION_SECONDS;
    const granted = r.expiryTime !== null && r.expiryTime > t ? Math.min(r.expiryTime, max) : max;
    const asRealm = r.originRealm ?? ctx.local.realm;
    await shSubs.put(key, { target, msisdn: r.msisdn, service_indication: r.serviceIndication, as_host: r.originHost, as_realm: asRealm, expires_at: granted * 1000 });
    const userData = r.sendData ? await currentShData(r.msisdn, r.serviceIndication) : undefined;
    return buildShAnswer(ctx.dictionary, req, ctx.local, { resultCode: ResultCode.DIAMETER_SUCCESS, expiryTime: granted, ...(userData !== undefined ? { userData } : {}) });
  }

  async function currentShData(msisdn: string, si: string): Promise<string> {
    const rec = await shRepo.get(`${msisdn}|${si}`);
    return rec
      ? buildShData({ serviceIndication: si, sequenceNumber: rec.sequence, serviceData: rec.serviceData })
      : '<?xml version="1.0" encoding="UTF-8"?>\n<Sh-Data></Sh-Data>';
  }

  async function onUdr(req: DiameterMessage, ctx: RequestContext): Promise<DiameterMessage> {
    const r = readShRequest(req);
    if (!r?.msisdn || !r.serviceIndication) return buildErrorAnswer(ctx.dictionary, req, ctx.local, ResultCode.DIAMETER_MISSING_AVP, { errorMessage: 'UDR needs User-Identity/MSISDN and Service-Indication' });
    if (r.dataReference !== DATA_REFERENCE_REPOSITORY_DATA) return buildShAnswer(ctx.dictionary, req, ctx.local, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_OPERATION_NOT_ALLOWED));
    const userData = await currentShData(r.msisdn, r.serviceIndication);
    return buildShAnswer(ctx.dictionary, req, ctx.local, { resultCode: ResultCode.DIAMETER_SUCCESS, userData });
  }

  async function onPur(req: DiameterMessage, ctx: RequestContext): Promise<DiameterMessage> {
    const r = readShRequest(req);
    if (!r?.msisdn || !r.userData) return buildErrorAnswer(ctx.dictionary, req, ctx.local, ResultCode.DIAMETER_MISSING_AVP, { errorMessage: 'PUR needs User-Identity/MSISDN and User-Data' });
    let data: ShRepositoryData | undefined;
    try {
      data = readRepositoryData(r.userData)[0];
    } catch {
      data = undefined; // not Sh-Data (DecodeError): answered as not recognized below
    }
    if (!data) return buildShAnswer(ctx.dictionary, req, ctx.local, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED));
    const si = data.serviceIndication;
    const key = `${r.msisdn}|${si}`;
    // TS 29.328 §7.6.1 wants exactly old + 1; the lab HSS accepts any newer number (a client's retried backlog may skip one).
    // One atomic update: two PURs with the same SequenceNumber cannot both be accepted.
    const accepted = await shRepo.update<boolean>(key, (old) =>
      old && data.sequenceNumber <= old.sequence ? { result: false } : { result: true, put: { sequence: data.sequenceNumber, serviceData: data.serviceData } });
    if (!accepted) {
      return buildShAnswer(ctx.dictionary, req, ctx.local, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_TRANSPARENT_DATA_OUT_OF_SYNC));
    }
    notifyLater(r.msisdn, si, data.sequenceNumber, data.serviceData, r.originHost ?? undefined);
    return buildShAnswer(ctx.dictionary, req, ctx.local, { resultCode: ResultCode.DIAMETER_SUCCESS });
  }

  async function updateRepositoryData(msisdn: string, si: string, serviceData: string): Promise<number> {
    const sequence = await shRepo.update<number>(`${msisdn}|${si}`, (old) => {
      // TS 29.328 §7.6.1: SequenceNumber runs 0-65535 and wraps to 1.
      const next = old ? (old.sequence >= 65535 ? 1 : old.sequence + 1) : 1;
      return { result: next, put: { sequence: next, serviceData } };
    });
    await notifySubscribers(msisdn, si, sequence, serviceData);
    return sequence;
  }

  node.handle(AppId.SWm, CommandCode.DIAMETER_EAP, onDer);
  node.handle(AppId.Sh, CommandCode.USER_DATA, onUdr);
  node.handle(AppId.Sh, CommandCode.PROFILE_UPDATE, onPur);
  node.handle(AppId.Sh, CommandCode.SUBSCRIBE_NOTIFICATIONS, onSnr);
  node.handle(AppId.SWx, CommandCode.MULTIMEDIA_AUTH, onMar);

  return {
    node,
    subscribers,
    async start() {
      sweeper = setInterval(() => {
        const limit = now() - timeoutMs;
        for (const [id, s] of sessions) if (s.lastAt < limit) sessions.delete(id);
      }, Math.min(timeoutMs, 5000));
      sweeper.unref();
      return own ? node.start() : {};
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      sessions.clear();
      if (own) await node.stop();
    },
    activeSessions: () => sessions.size,
    updateRepositoryData,
  };
}

/** The root NAI of the permanent identity (TS 23.003 §19.3.2), in the realm of the identity the peer presented. */
function permanentNai(imsi: string, variant: AkaVariant, presented: string): string {
  const realm = parseIdentity(presented).realm;
  return buildPermanentIdentity(imsi, { variant, ...(realm ? { realm } : {}) });
}

function failurePacket(identifier: number): Buffer {
  return encodeEap({ code: EapCode.FAILURE, identifier });
}

function readAnid(req: DiameterMessage): string | undefined {
  const a = req.avps.find((x) => x.code === Avp3gpp.ANID && x.vendorId === VENDOR_3GPP);
  return a?.data.toString('utf8');
}
