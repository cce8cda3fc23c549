/**
 * The simulated phone's USIM: the pure EAP-AKA peer state machine
 * (src/fsm/eap-aka-peer.ts) behind a small stateful handle for the driver.
 * The peer verifies AUTN (MAC-A, SQN range), answers with RES + AT_MAC,
 * AKA-Synchronization-Failure (AT_AUTS) or AKA-Authentication-Reject, and
 * keeps SQN_MS across challenges.
 */
import type { EapDescription } from '../codec/eap/describe.js';
import { describeEap, peerSqnMs, startPeer, stepPeer, type EapPeerConfig, type EapPeerState } from '../fsm/eap-aka-peer.js';

/** A JSON-friendly view of an EAP packet (code, identifier, type, subtype, attributes; MAC/RES values redacted). */
export type { EapDescription };

export type UsimAnswer =
  | { type: 'send'; packet: Buffer; note: string }
  | { type: 'failure'; reason: string };

export interface Usim {
  /** The highest SQN the USIM has accepted (SQN_MS). */
  readonly sqnMs: bigint;
  /** Feed one EAP-Request; get the EAP-Response to post (or why none can be made). */
  answer(packet: Buffer): UsimAnswer;
  describe(packet: Buffer): EapDescription;
}


export type UsimConfig = EapPeerConfig & {
  /** The AMF the subscriber is provisioned with (hex bytes); a challenge with another AMF is noted. */
  amf?: Buffer;
};

const ACCEPTED = 'challenge accepted: MAC-A verified, SQN fresh, AT_RES + AT_MAC sent';

/** A software USIM over the pure peer state machine (src/fsm/eap-aka-peer.ts). */
export function createUsim(cfg: UsimConfig): Usim {
  let state: EapPeerState = startPeer(cfg);
  return {
    get sqnMs() {
      return peerSqnMs(state);
    },
    describe: (packet) => describeEap(packet),
    answer(packet) {
      const r = stepPeer(state, { type: 'eap', packet });
      state = r.state;
      const send = r.actions.find((a) => a.type === 'send');
      const failure = r.actions.find((a) => a.type === 'failure');
      let note = r.note === 'challenge answered' ? ACCEPTED : (r.note ?? 'answered');
      if (cfg.amf && send && note === ACCEPTED) {
        const autn = (describeEap(packet).attributes ?? []).find((a) => a.name === 'AT_AUTN')?.value;
        const amf = typeof autn === 'string' ? autn.slice(12, 16) : undefined;
        if (amf && amf !== cfg.amf.toString('hex')) note += ` (AMF ${amf}, provisioned ${cfg.amf.toString('hex')})`;
      }
      if (send && send.type === 'send') return { type: 'send', packet: send.packet, note };
      if (failure && failure.type === 'failure') return { type: 'failure', reason: failure.reason };
      return { type: 'failure', reason: r.note ?? 'no answer to this packet' };
    },
  };
}
