/**
 * SWm client (TS 29.273 §7): relays one EAP session to the 3GPP AAA as
 * DER/DEA rounds on one Diameter session (one Session-Id per EAP session —
 * the admin API's `aaa_session_id`). After the first answer, later rounds
 * carry Destination-Host = the AAA that answered and go to it while it is
 * connected, since the EAP state lives there. `open({ resume })` continues a
 * session another daemon of the cluster began: same Session-Id, same AAA.
 */
import type { AaaAnswer, AaaRelay, AaaRelaySession } from '../../src/ports.js';
import { AaaUnavailableError } from '../../src/ports.js';
import { Avp, isProtocolError, RatType } from '../../src/codec/diameter/constants.js';
import { makeSessionId } from '../../src/codec/diameter/base.js';
import { buildDer, readDea } from '../../src/codec/diameter/swm.js';
import { getString } from '../../src/codec/diameter/message.js';
import { baseCode } from '../../src/codec/diameter/result.js';
import { Secret } from '../../src/util/secret.js';
import { DiameterUnavailableError, type DiameterNode } from './node.js';

export interface SwmRelayOptions {
  /** Destination-Realm (default: the realm of the configured peers, else ours). */
  destinationRealm?: string;
  /** Destination-Host of the first DER (default none: the realm routes it). */
  destinationHost?: string;
  /** RAT-Type (default WLAN 0). */
  ratType?: number;
  timeoutMs?: number;
}

let sessionCounter = 0;
const sessionHigh = Math.floor(Date.now() / 1000) >>> 0;

export function createSwmRelay(node: DiameterNode, opts: SwmRelayOptions = {}): AaaRelay {
  return {
    open({ userName, serviceSelection, resume }): AaaRelaySession {
      // RFC 6733 §8.8: <DiameterIdentity>;<high 32 bits>;<low 32 bits>; high = start time, low = a counter.
      // A resumed session (opened by this or another daemon of the cluster) keeps its Session-Id and AAA.
      const sessionId = resume?.sessionId ?? makeSessionId(node.host, sessionHigh, ++sessionCounter);
      let server: string | undefined = resume?.server ?? opts.destinationHost;
      let closed = false;
      return {
        sessionId,
        get server() {
          return server;
        },
        async exchange(eapPacket: Buffer): Promise<AaaAnswer> {
          if (closed) throw new AaaUnavailableError('SWm session closed');
          const msg = buildDer(node.dictionary, { host: node.host, realm: node.realm }, {
            sessionId, destinationRealm: opts.destinationRealm ?? node.realmOf(server), eapPayload: eapPacket, userName,
            ratType: opts.ratType ?? RatType.WLAN,
            ...(server ? { destinationHost: server } : {}),
            ...(serviceSelection ? { serviceSelection } : {}),
          }, { hopByHop: 0, endToEnd: 0 });
          let ans;
          try {
            ans = await node.request(msg, { ...(server ? { preferPeer: server } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
          } catch (err) {
            if (err instanceof DiameterUnavailableError) throw new AaaUnavailableError(`AAA unavailable: ${err.message}`);
            throw err;
          }
          const dea = readDea(ans);
          if (!dea.result) throw new AaaUnavailableError('DEA without Result-Code or Experimental-Result');
          // Every result goes back as it came (a 3xxx protocol error too): the EAP auth service maps it (result-codes.ts).
          if (baseCode(dea.result) === undefined || !isProtocolError(baseCode(dea.result)!)) server ??= getString(ans.avps, Avp.ORIGIN_HOST);
          return {
            result: dea.result,
            eapPayload: dea.eapPayload,
            msk: dea.msk ? new Secret(Buffer.from(dea.msk)) : null,
            sessionId,
            ...(dea.mobileNodeIdentifier !== null ? { permanentIdentity: dea.mobileNodeIdentifier } : {}),
          };
        },
        close() {
          closed = true;
        },
      };
    },
  };
}
