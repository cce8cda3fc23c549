/**
 * The simulated phone's USIM: the pure EAP-AKA peer state machine
 * (src/fsm/eap-aka-peer.ts) behind a small stateful handle for the driver.
 * The peer verifies AUTN (MAC-A, SQN range), answers with RES + AT_MAC,
 * AKA-Synchronization-Failure (AT_AUTS) or AKA-Authentication-Reject, and
 * keeps SQN_MS across challenges.
 *
 * Identities (`--fast-reauth`, RFC 4187 §4.1.1.7, §5): created with the
 * identities an earlier run kept (`carry`), it presents its re-auth
 * identity, else its pseudonym, else the permanent one; it answers
 * AKA-Identity rounds, AKA-Reauthentication (AT_COUNTER, AT_NONCE_S, AT_MAC
 * checked; AT_COUNTER_TOO_SMALL) and keeps what the server issued once the
 * authentication succeeds (`succeed()`): TS.43 sends the configuration
 * document where EAP would send EAP-Success, so the driver calls it then.
 */
import type { EapDescription } from '../codec/eap/describe.js';
import { EapCode } from '../codec/eap/constants.js';
import { encodeEap } from '../codec/eap/packet.js';
import { parseIdentity } from '../aka/identity.js';
import { describeEap, peerCarry, peerSqnMs, startPeer, stepPeer, type EapPeerConfig, type EapPeerState, type PeerCarry } from '../fsm/eap-aka-peer.js';

/** A JSON-friendly view of an EAP packet (code, identifier, type, subtype, attributes; MAC/RES values redacted). */
export type { EapDescription };

export type UsimAnswer =
  | { type: 'send'; packet: Buffer; note: string }
  | { type: 'failure'; reason: string };

/** Which identity a run presented (the EAP_ID). */
export type UsimIdentityKind = 'permanent' | 'pseudonym' | 'reauth';

export interface Usim {
  /** The highest SQN the USIM has accepted (SQN_MS). */
  readonly sqnMs: bigint;
  /** The identity it presents (the EAP_ID): the re-auth identity, else the pseudonym, else the permanent one. */
  readonly identity: string;
  readonly identityKind: UsimIdentityKind;
  /**
   * The network accepted the last response (TS.43: the configuration document came): the EAP-Success the
   * peer would have seen. Returns whether it was a fast re-authentication, or null if the peer had not
   * answered an authentication (nothing kept).
   */
  succeed(): { reauth: boolean } | null;
  /** The identities to present next time (what succeed() kept); SQN_MS goes separately. */
  carry(): PeerCarry;
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
export function createUsim(cfg: UsimConfig, carry: PeerCarry = {}): Usim {
  let state: EapPeerState = startPeer(cfg, carry);
  const presented = state.identity;
  const kind = parseIdentity(presented).kind;
  const identityKind: UsimIdentityKind = presented === state.permanent ? 'permanent' : kind === 'reauth' || presented === carry.reauth?.id ? 'reauth' : 'pseudonym';
  let lastIdentifier = 0;
  return {
    get sqnMs() {
      return peerSqnMs(state);
    },
    identity: presented,
    identityKind,
    succeed() {
      const r = stepPeer(state, { type: 'eap', packet: encodeEap({ code: EapCode.SUCCESS, identifier: lastIdentifier }) });
      const ok = r.actions.find((a) => a.type === 'success');
      if (!ok || ok.type !== 'success') return null;
      state = r.state;
      return { reauth: ok.reauth };
    },
    carry: () => peerCarry(state),
    describe: (packet) => describeEap(packet),
    answer(packet) {
      if (packet.length >= 2) lastIdentifier = packet[1]!;
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
