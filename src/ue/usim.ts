/**
 * The simulated phone's USIM: the pure EAP-AKA peer state machine
 * (src/fsm/eap-aka-peer.ts) behind a small stateful handle for the driver.
 * The peer verifies AUTN (MAC-A, SQN range), answers with RES + AT_MAC,
 * AKA-Synchronization-Failure (AT_AUTS) or AKA-Authentication-Reject, and
 * keeps SQN_MS across challenges.
 */

/** A JSON-friendly view of an EAP packet (code, identifier, type, subtype, attribute names; MACs and keys redacted). */
export type EapDescription = Record<string, unknown>;

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
