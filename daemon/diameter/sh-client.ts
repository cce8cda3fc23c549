/**
 * Sh client (TS 29.328/29.329) implementing the XCAP area's HssSh port
 * (src/services/xcap/service.ts): UDR for RepositoryData (Data-Reference 0)
 * and PUR writing it back with the incremented SequenceNumber.
 * A UDA without that RepositoryData, or Experimental-Result 4100
 * DIAMETER_USER_DATA_NOT_AVAILABLE / 5001 user unknown, reads as "none".
 * Anything else (no peer, timeout, other errors) throws: the XCAP service
 * keeps the push in its backlog and retries.
 */
import type { HssSh } from '../../src/services/xcap/service.js';
import { ExperimentalResultCode, ResultCode } from '../../src/codec/diameter/constants.js';
import { makeSessionId } from '../../src/codec/diameter/base.js';
import { buildPur, buildShData, buildUdr, readShAnswer, readShData } from '../../src/codec/diameter/sh.js';
import { baseCode, describeResult, experimentalCode } from '../../src/codec/diameter/result.js';
import type { DiameterNode } from './node.js';

export interface ShClientOptions {
  destinationRealm?: string;
  destinationHost?: string;
  timeoutMs?: number;
}

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
  };
}
