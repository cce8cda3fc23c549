/**
 * Sh client (TS 29.328/29.329) implementing the XCAP area's HssSh port
 * (src/services/xcap/service.ts): UDR for RepositoryData (Data-Reference 0),
 * PUR writing it back with the incremented SequenceNumber, and SNR
 * subscribing to its changes; plus the PNR handler that hands what the HSS
 * pushes to the XCAP service (`shNotificationHandler`).
 * A UDA without that RepositoryData, or Experimental-Result 4100
 * DIAMETER_USER_DATA_NOT_AVAILABLE / 5001 user unknown, reads as "none".
 * Anything else (no peer, timeout, other errors) throws: the XCAP service
 * keeps the push in its backlog and retries.
 */
import type { HssNotification, HssNotificationOutcome, HssSh } from '../../src/services/xcap/service.js';
import { ExperimentalResultCode, ResultCode } from '../../src/codec/diameter/constants.js';
import { buildErrorAnswer, makeSessionId } from '../../src/codec/diameter/base.js';
import { buildPur, buildShAnswer, buildShData, buildSnr, buildUdr, readRepositoryData, readShAnswer, readShData, readShRequest } from '../../src/codec/diameter/sh.js';
import type { DiameterMessage } from '../../src/codec/diameter/message.js';
import { baseCode, describeResult, experimental3gpp, experimentalCode, type DiameterResult } from '../../src/codec/diameter/result.js';
import type { DiameterLogger, DiameterNode, RequestHandler } from './node.js';

export interface ShClientOptions {
  destinationRealm?: string;
  destinationHost?: string;
  timeoutMs?: number;
  /** The subscription lifetime asked for in each SNR (Expiry-Time), seconds; default 86 400 (a day). */
  subscriptionSeconds?: number;
}

/** Default lifetime asked for in an SNR: a day (the HSS may grant less; renewed at three quarters of what it grants). */
export const SH_SUBSCRIPTION_SECONDS = 86_400;

export class ShError extends Error {
  override readonly name = 'ShError';
}

let counter = 0;
const high = Math.floor(Date.now() / 1000) >>> 0;

export function createShClient(node: DiameterNode, opts: ShClientOptions = {}): HssSh {
  const id = () => ({ host: node.host, realm: node.realm });
  const common = (msisdn: string) => ({
    sessionId: makeSessionId(node.host, high, ++counter, 'sh'),
    destinationRealm: opts.destinationRealm ?? node.realmOf(opts.destinationHost),
    ...(opts.destinationHost ? { destinationHost: opts.destinationHost } : {}),
    msisdn,
  });
  const reqOpts = opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {};
  return {
    async readRepositoryData({ msisdn, serviceIndication }) {
      const ans = readShAnswer(await node.request(buildUdr(node.dictionary, id(), { ...common(msisdn), serviceIndication }, { hopByHop: 0, endToEnd: 0 }), reqOpts));
      const r = ans.result;
      const exp = experimentalCode(r);
      if (exp === ExperimentalResultCode.DIAMETER_USER_DATA_NOT_AVAILABLE || exp === ExperimentalResultCode.DIAMETER_ERROR_USER_UNKNOWN) return null;
      if (baseCode(r) !== ResultCode.DIAMETER_SUCCESS) throw new ShError(`UDA ${r ? describeResult(r) : 'without result'}`);
      return ans.userData ? readShData(ans.userData, serviceIndication) : null;
    },
    async writeRepositoryData({ msisdn, serviceIndication, serviceData, sequenceNumber }) {
      const userData = buildShData({ serviceIndication, sequenceNumber, serviceData });
      const ans = readShAnswer(await node.request(buildPur(node.dictionary, id(), { ...common(msisdn), userData }, { hopByHop: 0, endToEnd: 0 }), reqOpts));
      const r = ans.result;
      if (baseCode(r) !== ResultCode.DIAMETER_SUCCESS) throw new ShError(`PUA ${r ? describeResult(r) : 'without result'}`);
    },
    async subscribeRepositoryData({ msisdn, serviceIndication, subscribe }) {
      const expiryTime = Math.floor(Date.now() / 1000) + (opts.subscriptionSeconds ?? SH_SUBSCRIPTION_SECONDS);
      const snr = buildSnr(node.dictionary, id(), { ...common(msisdn), serviceIndication, subscribe, ...(subscribe ? { expiryTime } : {}) }, { hopByHop: 0, endToEnd: 0 });
      const ans = readShAnswer(await node.request(snr, reqOpts));
      const r = ans.result;
      if (baseCode(r) !== ResultCode.DIAMETER_SUCCESS) throw new ShError(`SNA ${r ? describeResult(r) : 'without result'}`);
      // TS 29.328 §6.1.3: no Expiry-Time in the SNA = the subscription does not expire.
      return { expiresAt: ans.expiryTime === null ? null : ans.expiryTime * 1000 };
    },
  };
}

/** The XCAP side of a PNR: the service's applyHssNotification. */
export interface ShNotificationSink {
  applyHssNotification(n: HssNotification): Promise<HssNotificationOutcome>;
}

/**
 * The AS's PNR handler (TS 29.329 §6.1.7-6.1.8, TS 29.328 §6.1.4): validates the request, takes the
 * RepositoryData of `serviceIndication` from the pushed Sh-Data and hands it to the XCAP service. PNA:
 * 2001 when applied or already older than what we hold; Experimental-Result 5001 DIAMETER_ERROR_USER_UNKNOWN
 * for an MSISDN not provisioned here; 5100 DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED for Sh-Data that is not
 * XML, holds no RepositoryData of ours, or a document that is not valid simservs; 5005 when User-Identity/MSISDN
 * or User-Data is missing. Each outcome is logged once (info; warn when refused).
 */
export function shNotificationHandler(sink: ShNotificationSink, serviceIndication: string, log: DiameterLogger): RequestHandler {
  return async (req: DiameterMessage, ctx) => {
    const answer = (r: DiameterResult) => buildShAnswer(ctx.dictionary, req, ctx.local, r);
    const r = readShRequest(req);
    if (!r?.msisdn || r.userData === null) {
      return buildErrorAnswer(ctx.dictionary, req, ctx.local, ResultCode.DIAMETER_MISSING_AVP, { errorMessage: 'PNR needs User-Identity/MSISDN and User-Data' });
    }
    const refuse = (reason: string, res: DiameterResult) => {
      log.warn({ peer: ctx.peer, msisdn: r.msisdn, reason }, 'sh: PNR refused');
      return answer(res);
    };
    let entries;
    try {
      entries = readRepositoryData(r.userData);
    } catch (e) {
      return refuse((e as Error).message, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED));
    }
    const data = entries.find((e) => e.serviceIndication === serviceIndication);
    if (!data) return refuse(`no RepositoryData for ${serviceIndication}`, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED));
    const out = await sink.applyHssNotification({ msisdn: r.msisdn, ...data });
    switch (out.outcome) {
      case 'updated':
        log.info({ peer: ctx.peer, msisdn: r.msisdn, sequence: out.sequence, etag: out.etag }, 'sh: PNR applied: XCAP document updated from the HSS');
        return answer({ resultCode: ResultCode.DIAMETER_SUCCESS });
      case 'stale':
        log.info({ peer: ctx.peer, msisdn: r.msisdn, pushed: data.sequenceNumber, held: out.sequence }, 'sh: PNR ignored: not newer than the stored document');
        return answer({ resultCode: ResultCode.DIAMETER_SUCCESS });
      case 'user_unknown':
        return refuse('not provisioned for XCAP', experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_USER_UNKNOWN));
      case 'not_recognized':
        return refuse(out.reason, experimental3gpp(ExperimentalResultCode.DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED));
    }
  };
}
