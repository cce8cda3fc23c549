/**
 * SWx client (TS 29.273 §8): AKA vectors from the HSS by MAR/MAA.
 * SIP-Authentication-Scheme "EAP-AKA" (or "EAP-AKA'" — then the HSS returns
 * CK'/IK' for the ANID, TS 29.273 §8.1.2.1, and the EAP server must be told
 * the keys are already primed). A resync MAR carries SIP-Authorization =
 * RAND ‖ AUTS. Answers: 2001 with SIP-Auth-Data-Item(s); Experimental-Result
 * 5001 → user unknown; anything else → unavailable / resync failed.
 */
import { AuthVectorError, type AuthVectorRequest, type AuthVectorSource } from '../../src/ports.js';
import type { AuthVector } from '../../src/aka/types.js';
import { ExperimentalResultCode, RatType, ResultCode, SipAuthScheme } from '../../src/codec/diameter/constants.js';
import { makeSessionId } from '../../src/codec/diameter/base.js';
import { buildMar, readMaa } from '../../src/codec/diameter/swx.js';
import { Secret } from '../../src/util/secret.js';
import { baseCode, describeResult, experimentalCode } from '../../src/codec/diameter/result.js';
import { DiameterUnavailableError, type DiameterNode } from './node.js';

export interface SwxVectorSourceOptions {
  destinationRealm?: string;
  destinationHost?: string;
  ratType?: number;
  /** ANID for EAP-AKA' (default "WLAN"). */
  anid?: string;
  timeoutMs?: number;
}

let counter = 0;
const high = Math.floor(Date.now() / 1000) >>> 0;

export function createSwxVectorSource(node: DiameterNode, opts: SwxVectorSourceOptions = {}): AuthVectorSource {
  return {
    async getVector(req: AuthVectorRequest): Promise<AuthVector> {
      const prime = req.variant === 'aka-prime';
      const msg = buildMar(node.dictionary, { host: node.host, realm: node.realm }, {
        sessionId: makeSessionId(node.host, high, ++counter, 'swx'),
        destinationRealm: opts.destinationRealm ?? node.realmOf(opts.destinationHost),
        ...(opts.destinationHost ? { destinationHost: opts.destinationHost } : {}),
        userName: req.imsi,
        scheme: prime ? SipAuthScheme.EAP_AKA_PRIME : SipAuthScheme.EAP_AKA,
        numberOfItems: 1,
        ratType: opts.ratType ?? RatType.WLAN,
        ...(prime ? { anid: opts.anid ?? 'WLAN' } : {}),
        ...(req.resync ? { resync: req.resync } : {}),
      }, { hopByHop: 0, endToEnd: 0 });
      let ans;
      try {
        ans = await node.request(msg, opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
      } catch (err) {
        if (err instanceof DiameterUnavailableError) throw new AuthVectorError('unavailable', `HSS unavailable: ${err.message}`);
        throw err;
      }
      const maa = readMaa(ans);
      const r = maa.result;
      if (experimentalCode(r) === ExperimentalResultCode.DIAMETER_ERROR_USER_UNKNOWN) throw new AuthVectorError('user_unknown', `HSS does not know ${req.imsi}`);
      const base = baseCode(r);
      if (base !== ResultCode.DIAMETER_SUCCESS) {
        if (req.resync && base !== undefined && base >= 4000) throw new AuthVectorError('resync_failed', `HSS refused the resynchronisation (${describeResult(r!)})`);
        throw new AuthVectorError('unavailable', `HSS answered ${r ? describeResult(r) : 'no result'}`);
      }
      const v = maa.vectors[0];
      if (!v) throw new AuthVectorError('unavailable', 'MAA without a usable SIP-Auth-Data-Item');
      return { rand: Buffer.from(v.rand), autn: Buffer.from(v.autn), xres: Buffer.from(v.xres), ck: new Secret(Buffer.from(v.ck)), ik: new Secret(Buffer.from(v.ik)) };
    },
  };
}
