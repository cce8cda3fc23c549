/**
 * Diameter peer connection state machine: RFC 6733 §5.6 (peer states and
 * events) with the RFC 3539 §3.4 watchdog folded into the open state.
 *
 * One machine per transport connection. When both sides dial at the same
 * moment, the node (daemon/diameter/node.ts) holds the election of §5.6.4
 * between its two machines for that peer: the loser's responder machine gets
 * `rcv_cer` refused with DIAMETER_ELECTION_LOST, the winner drops its own
 * initiator connection. A CER for a peer that is already open is refused
 * with DIAMETER_UNABLE_TO_COMPLY (docs/diameter.md).
 *
 * Pure: `step(state, event)` returns the next state and the actions the
 * daemon performs (send, timers, close, failover). Undeclared (state, event)
 * pairs are refused: the state is unchanged and the only action is `refused`.
 */
import { ResultCode } from '../codec/diameter/constants.js';

export type PeerStateName = 'Closed' | 'Wait-Conn-Ack' | 'Wait-I-CEA' | 'Wait-CER' | 'Open' | 'Closing';

export interface PeerState {
  name: PeerStateName;
  /** RFC 3539: a DWR is outstanding (no answer yet). */
  dwrOutstanding: boolean;
  /** RFC 3539 SUSPECT: Tw expired with a DWR outstanding; pending requests were failed over. */
  suspect: boolean;
}

export type PeerEvent =
  | { type: 'start' } // I-Start / Start: we initiate a connection
  | { type: 'conn_ack' } // I-Rcv-Conn-Ack
  | { type: 'conn_nack' } // I-Rcv-Conn-Nack
  | { type: 'r_conn' } // R-Conn-CER: an incoming connection was accepted
  | { type: 'rcv_cer'; accept: boolean; resultCode: number }
  | { type: 'rcv_cea'; ok: boolean }
  | { type: 'rcv_dwr' }
  | { type: 'rcv_dwa' }
  | { type: 'rcv_dpr' }
  | { type: 'rcv_dpa' }
  | { type: 'rcv_message' } // any other request or answer
  | { type: 'watchdog' } // Tw expired
  | { type: 'timeout' } // the CEA/CER/DPA wait expired
  | { type: 'stop'; cause: number } // Stop: orderly shutdown (sends DPR when open)
  | { type: 'peer_disc' }; // the transport closed or errored

export type PeerAction =
  | { type: 'connect' }
  | { type: 'send_cer' }
  | { type: 'send_cea'; resultCode: number }
  | { type: 'send_dwr' }
  | { type: 'send_dwa' }
  | { type: 'send_dpr'; cause: number }
  | { type: 'send_dpa' }
  | { type: 'process' }
  | { type: 'start_timer'; timer: 'cea' | 'cer' | 'dpa' }
  | { type: 'start_watchdog' }
  | { type: 'stop_timers' }
  | { type: 'opened' }
  | { type: 'failover' } // resend pending requests elsewhere (T flag)
  | { type: 'disconnect' }
  | { type: 'closed' }
  | { type: 'refused'; state: PeerStateName; event: PeerEvent['type'] };

export interface StepResult {
  state: PeerState;
  actions: PeerAction[];
}

type Handler<E extends PeerEvent = PeerEvent> = (s: PeerState, e: E) => StepResult;
type Table = { [S in PeerStateName]: { [K in PeerEvent['type']]?: Handler<Extract<PeerEvent, { type: K }>> } };

export const initialPeerState = (): PeerState => ({ name: 'Closed', dwrOutstanding: false, suspect: false });

const go = (name: PeerStateName, actions: PeerAction[], extra: Partial<PeerState> = {}): StepResult => ({
  state: { name, dwrOutstanding: false, suspect: false, ...extra },
  actions,
});

const toClosed = (...pre: PeerAction[]): StepResult => go('Closed', [...pre, { type: 'stop_timers' }, { type: 'disconnect' }, { type: 'closed' }]);
const lostWhileOpen = (): StepResult => go('Closed', [{ type: 'stop_timers' }, { type: 'failover' }, { type: 'disconnect' }, { type: 'closed' }]);

/** RFC 3539 §3.4.1: any traffic from the peer resets the watchdog; in SUSPECT it returns the peer to OKAY. */
const traffic = (s: PeerState, more: PeerAction[]): StepResult => ({
  state: { ...s, suspect: false },
  actions: [...more, { type: 'start_watchdog' }],
});

/** The declared transitions (RFC 6733 §5.6 table, rows reduced to one connection). */
export const PEER_TRANSITIONS: Table = {
  Closed: {
    start: () => go('Wait-Conn-Ack', [{ type: 'connect' }]),
    r_conn: () => go('Wait-CER', [{ type: 'start_timer', timer: 'cer' }]),
    stop: () => go('Closed', []),
    peer_disc: () => go('Closed', []),
  },
  'Wait-Conn-Ack': {
    conn_ack: () => go('Wait-I-CEA', [{ type: 'send_cer' }, { type: 'start_timer', timer: 'cea' }]),
    conn_nack: () => toClosed(),
    timeout: () => toClosed(),
    stop: () => toClosed(),
    peer_disc: () => toClosed(),
  },
  'Wait-I-CEA': {
    rcv_cea: (_s, e) => (e.ok ? go('Open', [{ type: 'stop_timers' }, { type: 'opened' }, { type: 'start_watchdog' }]) : toClosed()),
    timeout: () => toClosed(),
    stop: () => toClosed(),
    peer_disc: () => toClosed(),
  },
  'Wait-CER': {
    rcv_cer: (_s, e) =>
      e.accept
        ? go('Open', [{ type: 'stop_timers' }, { type: 'send_cea', resultCode: e.resultCode }, { type: 'opened' }, { type: 'start_watchdog' }])
        : toClosed({ type: 'send_cea', resultCode: e.resultCode }),
    timeout: () => toClosed(),
    stop: () => toClosed(),
    peer_disc: () => toClosed(),
  },
  Open: {
    rcv_message: (s) => traffic(s, [{ type: 'process' }]),
    rcv_dwr: (s) => traffic(s, [{ type: 'send_dwa' }]),
    rcv_dwa: (s) => ({ state: { ...s, dwrOutstanding: false, suspect: false }, actions: [{ type: 'start_watchdog' }] }),
    watchdog: (s) => {
      // RFC 3539 §3.4.1: OKAY + Tw → send DWR; OKAY with DWR outstanding → SUSPECT (fail over); SUSPECT + Tw → DOWN.
      if (!s.dwrOutstanding) return { state: { ...s, dwrOutstanding: true }, actions: [{ type: 'send_dwr' }, { type: 'start_watchdog' }] };
      if (!s.suspect) return { state: { ...s, suspect: true }, actions: [{ type: 'failover' }, { type: 'start_watchdog' }] };
      return toClosed();
    },
    rcv_dpr: () => toClosed({ type: 'send_dpa' }),
    stop: (_s, e) => go('Closing', [{ type: 'stop_timers' }, { type: 'send_dpr', cause: e.cause }, { type: 'start_timer', timer: 'dpa' }]),
    peer_disc: () => lostWhileOpen(),
    // A second CER on an open connection: refused, the connection stays open (header comment).
    rcv_cer: (s) => ({ state: s, actions: [{ type: 'send_cea', resultCode: ResultCode.DIAMETER_UNABLE_TO_COMPLY }] }),
  },
  Closing: {
    rcv_dpa: () => toClosed(),
    timeout: () => toClosed(),
    peer_disc: () => go('Closed', [{ type: 'stop_timers' }, { type: 'failover' }, { type: 'closed' }]),
    // §5.4: answers to requests already sent may still arrive while waiting for the DPA.
    rcv_message: (s) => ({ state: s, actions: [{ type: 'process' }] }),
    rcv_dwr: (s) => ({ state: s, actions: [{ type: 'send_dwa' }] }),
    rcv_dwa: (s) => ({ state: s, actions: [] }),
    rcv_dpr: () => toClosed({ type: 'send_dpa' }),
    stop: (s) => ({ state: s, actions: [] }),
  },
};

export function step(state: PeerState, event: PeerEvent): StepResult {
  const row = PEER_TRANSITIONS[state.name] as Record<string, Handler | undefined>;
  const h = row[event.type];
  if (!h) return { state, actions: [{ type: 'refused', state: state.name, event: event.type }] };
  return h(state, event);
}

/** The status word of ADMIN-API.md for a machine state. */
export function peerStatusWord(s: PeerStateName): 'Connected' | 'Disconnected' | 'Connecting' | 'Closed' {
  switch (s) {
    case 'Open': return 'Connected';
    case 'Wait-Conn-Ack': case 'Wait-I-CEA': case 'Wait-CER': return 'Connecting';
    case 'Closing': return 'Closed';
    case 'Closed': return 'Disconnected';
  }
}
