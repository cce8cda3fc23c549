/**
 * SQN management, pure (3GPP TS 33.102 §6.3.2, §6.3.7 and Annex C).
 *
 * Scheme (Annex C.1.1 / C.3.2 profile): SQN (48 bits) = SEQ (43 bits) ‖ IND (5 bits).
 *  - The HE/AuC keeps one SQN_HE per subscriber. Every new vector takes
 *    SEQ + 1 and the next IND in cycle ((IND + 1) mod 32): nextSqn().
 *  - The USIM keeps the array SEQ_MS[0..31] (one SEQ per IND value) and
 *    accepts SQN = SEQ ‖ IND when SEQ > SEQ_MS[IND] (not replayed) and
 *    SEQ − SEQ_MS,max ≤ Δ (no excessive jump, Annex C.2.1, protects against
 *    wrap-around) and, when an age limit L is set, SEQ_MS,max − SEQ < L
 *    (Annex C.2.2). That is sqnInRange(); acceptSqn() records it.
 *  - SQN_MS sent in AUTS is the highest accepted SQN (SEQ_MS,max ‖ its IND).
 *    After a resync, the HE sets SQN_HE = SQN_MS (sqnAfterResync) so that
 *    the next vector is SEQ_MS,max + 1 — above every slot of the USIM.
 *  - SEQ exhaustion (2^43 − 1 reached) is not wrapped silently: nextSqn throws
 *    SqnExhaustedError (re-provisioning event; at one vector per second it is
 *    278 000 years away). IND wraps 31 → 0 on every 32nd vector.
 */

export const IND_BITS = 5n;
export const IND_SLOTS = 32;
export const SQN_MAX = (1n << 48n) - 1n;
export const SEQ_MAX = (1n << 43n) - 1n;
/** Δ of TS 33.102 Annex C.2.1: the largest accepted jump of SEQ over SEQ_MS,max (2^28 as the Annex suggests). */
export const DEFAULT_DELTA = 1n << 28n;

export class SqnExhaustedError extends Error {
  override readonly name = 'SqnExhaustedError';
  readonly code = 'OMNISEP_AKA_SQN_EXHAUSTED';
  constructor() {
    super('SQN space exhausted: SEQ reached 2^43-1; re-provision the subscriber');
  }
}

export const seqOf = (sqn: bigint): bigint => sqn >> IND_BITS;
export const indOf = (sqn: bigint): number => Number(sqn & 31n);
export const makeSqn = (seq: bigint, ind: number): bigint => (seq << IND_BITS) | BigInt(ind & 31);

function checkSqn(sqn: bigint): void {
  if (sqn < 0n || sqn > SQN_MAX) throw new RangeError('SQN must be a 48-bit value');
}

/** HE side: the SQN for the next vector after `current` (SEQ + 1, IND cycled). */
export function nextSqn(current: bigint): bigint {
  checkSqn(current);
  const seq = seqOf(current);
  if (seq >= SEQ_MAX) throw new SqnExhaustedError();
  return makeSqn(seq + 1n, (indOf(current) + 1) % IND_SLOTS);
}

/** HE side after a verified AUTS (MAC-S ok): the new SQN_HE; the next vector is nextSqn() of it. */
export function sqnAfterResync(sqnMs: bigint, currentHe?: bigint): bigint {
  checkSqn(sqnMs);
  // Never move backwards: a stale AUTS must not lower SQN_HE (TS 33.102 §6.3.5).
  if (currentHe !== undefined && seqOf(currentHe) > seqOf(sqnMs)) return currentHe;
  return sqnMs;
}

/** The USIM's record of accepted SQNs (TS 33.102 Annex C.3.2). Immutable: acceptSqn returns a new one. */
export interface SqnMsState {
  /** SEQ_MS[i] for IND = i. */
  readonly seq: readonly bigint[];
  /** The highest accepted SQN (SEQ_MS,max ‖ IND): the SQN_MS of AUTS. */
  readonly highest: bigint;
}

/** A fresh USIM record whose highest accepted SQN is `sqnMs` (every slot starts at its SEQ). */
export function initSqnMs(sqnMs: bigint): SqnMsState {
  checkSqn(sqnMs);
  return { seq: Array.from({ length: IND_SLOTS }, () => seqOf(sqnMs)), highest: sqnMs };
}

export interface SqnWindow {
  /** Δ: largest accepted SEQ jump (default 2^28). */
  delta?: bigint;
  /** L: age limit; a SEQ more than L below SEQ_MS,max is refused. Unset = no age limit (Annex C.2.2 is optional). */
  ageLimit?: bigint;
}

/** USIM side: is SQN fresh (Annex C.2)? */
export function sqnInRange(sqn: bigint, ms: SqnMsState, window: SqnWindow = {}): boolean {
  if (sqn < 0n || sqn > SQN_MAX) return false;
  const seq = seqOf(sqn);
  const maxSeq = seqOf(ms.highest);
  if (seq <= ms.seq[indOf(sqn)]!) return false; // replay or older than the slot
  if (seq > maxSeq && seq - maxSeq > (window.delta ?? DEFAULT_DELTA)) return false; // too far ahead
  if (window.ageLimit !== undefined && maxSeq > seq && maxSeq - seq >= window.ageLimit) return false; // too old
  return true;
}

/** USIM side: record an accepted SQN. */
export function acceptSqn(ms: SqnMsState, sqn: bigint): SqnMsState {
  const seq = [...ms.seq];
  seq[indOf(sqn)] = seqOf(sqn);
  return { seq, highest: seqOf(sqn) > seqOf(ms.highest) ? sqn : ms.highest };
}
