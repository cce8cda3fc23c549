/**
 * The EAP session as the admin API shows it (ADMIN-API.md § EAP sessions):
 * a declared transition table and a pure step. The orchestrator
 * (eap-auth-service.ts) performs the I/O; this only says which state follows.
 */
import type { SessionState } from '../../contracts/sessions.js';

export type SessionEvent =
  /** A challenge went to the phone (first, after resync, or an extra round). */
  | 'challenge'
  /** The back-end accepted the phone (2001 / EAP server success). */
  | 'success'
  /** The configuration document with its token went out. */
  | 'token_issued'
  /** Rejected, unknown user, back-end down, bad input that ends the session. */
  | 'fail'
  /** No answer from the phone within eap_aka.session_timeout_ms. */
  | 'timeout';

export const SESSION_TRANSITIONS: ReadonlyArray<{ from: SessionState; event: SessionEvent; to: SessionState }> = [
  { from: 'pending', event: 'challenge', to: 'challenge_sent' },
  { from: 'pending', event: 'fail', to: 'failed' },
  { from: 'pending', event: 'timeout', to: 'failed' },
  { from: 'challenge_sent', event: 'challenge', to: 'challenge_sent' },
  { from: 'challenge_sent', event: 'success', to: 'authenticated' },
  { from: 'challenge_sent', event: 'fail', to: 'failed' },
  { from: 'challenge_sent', event: 'timeout', to: 'failed' },
  { from: 'authenticated', event: 'token_issued', to: 'completed' },
  { from: 'authenticated', event: 'fail', to: 'failed' },
];

export const TERMINAL_STATES: ReadonlySet<SessionState> = new Set(['completed', 'failed']);

/** The next state, or null when the event is not declared for this state (the caller refuses it). */
export function stepSession(from: SessionState, event: SessionEvent): SessionState | null {
  return SESSION_TRANSITIONS.find((t) => t.from === from && t.event === event)?.to ?? null;
}
