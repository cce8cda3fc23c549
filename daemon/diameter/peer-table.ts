/**
 * The service layer's peer table (Erlang/OTP diameter's diameter_service role): the peers we know, their
 * counters, which of them can take a request for an application (RFC 6733 §6.1 peer selection: open, not
 * suspect per RFC 3539, sharing the application or advertising the relay application), and the admin
 * view of each. No sockets and no timers here: the node owns connections and drives the peer machines.
 */
import type { PeerView } from '../../src/contracts/diameter.js';
import { AppId } from '../../src/codec/diameter/constants.js';
import { advertisedApplications, type Capabilities } from '../../src/codec/diameter/base.js';
import { peerStatusWord, type PeerState } from '../../src/fsm/diameter-peer.js';
import { resultKey, resultView, type DiameterResult, type DiameterResultView } from '../../src/codec/diameter/result.js';

export interface PeerCounters {
  requests_sent: number;
  answers_received: number;
  requests_received: number;
  answers_sent: number;
  timeouts: number;
  errors: number;
}

export const newCounters = (): PeerCounters => ({ requests_sent: 0, answers_received: 0, requests_received: 0, answers_sent: 0, timeouts: 0, errors: 0 });

/** What the table needs of a connection: its peer machine's state. */
export interface PeerConnection {
  state: PeerState;
}

export interface PeerConfigLike {
  host: string;
  ip: string;
  port: number;
  transport?: string;
  realm?: string;
}

export interface Peer<C extends PeerConnection, P extends PeerConfigLike = PeerConfigLike> {
  host: string;
  /** Set for peers from the configuration (dialled, reconnected); null for peers that connected to us. */
  configured: P | null;
  initiation: 'OmniSEP -> Peer' | 'Peer -> OmniSEP';
  conn: C | null;
  caps: Capabilities | null;
  common: number[];
  ip: string | null;
  port: number | null;
  counters: PeerCounters;
  lastDwaAt: number | null;
  reconnectTimer: NodeJS.Timeout | null;
  attempts: number;
  /** Non-success answers received, by result key (`3002`, `10415:5001`): bounded by the codes peers use. */
  failed: Map<string, { view: DiameterResultView; count: number }>;
}

/** Counts one non-success answer of the peer (docs/diameter.md § Result model). */
export function countFailedAnswer(p: Peer<PeerConnection>, r: DiameterResult): void {
  const key = resultKey(r);
  const cur = p.failed.get(key);
  if (cur) cur.count++;
  else p.failed.set(key, { view: resultView(r), count: 1 });
}

export function newPeer<C extends PeerConnection, P extends PeerConfigLike>(host: string, configured: P | null): Peer<C, P> {
  return {
    host, configured, initiation: configured ? 'OmniSEP -> Peer' : 'Peer -> OmniSEP', conn: null, caps: null, common: [],
    ip: configured?.ip ?? null, port: configured?.port ?? null, counters: newCounters(), lastDwaAt: null, reconnectTimer: null, attempts: 0,
    failed: new Map(),
  };
}

/** §6.1: a peer can take a request for `app` when they share it, or the peer is a relay; base (0) always. */
export function supports(p: Peer<PeerConnection>, app: number): boolean {
  if (app === 0) return true;
  return p.common.includes(app) || (p.caps ? advertisedApplications(p.caps).includes(AppId.RELAY) : false);
}

export function peerView(p: Peer<PeerConnection>, stopping: boolean): PeerView {
  const st = p.conn ? peerStatusWord(p.conn.state.name) : stopping ? 'Closed' : 'Disconnected';
  const apps: Record<string, number[]> = {};
  if (p.caps) {
    apps.auth = [...p.caps.authApplicationIds];
    apps.acct = [...p.caps.acctApplicationIds];
    apps.vendor_specific = p.caps.vendorSpecific.flatMap((v) => [v.authApplicationId ?? v.acctApplicationId ?? 0]);
    apps.common = [...p.common];
  }
  return {
    host: p.host,
    status: st,
    ip: p.ip,
    port: p.port,
    transport: p.configured?.transport ?? 'tcp',
    connection_initiation: p.initiation,
    realm: p.caps?.realm ?? p.configured?.realm ?? null,
    product_name: p.caps?.productName ?? null,
    application_ids: apps,
    counters: { ...p.counters },
    last_dwa_at: p.lastDwaAt !== null ? new Date(p.lastDwaAt).toISOString() : null,
    failed_answers: [...p.failed.values()].map((f) => ({ ...f.view, count: f.count })),
  };
}

export class PeerTable<C extends PeerConnection, P extends PeerConfigLike = PeerConfigLike> {
  readonly #peers = new Map<string, Peer<C, P>>();
  #rr = 0;

  constructor(private readonly algorithm: 'round_robin' | 'failover') {}

  get(host: string): Peer<C, P> | undefined { return this.#peers.get(host); }
  set(p: Peer<C, P>): void { this.#peers.set(p.host, p); }
  delete(host: string): void { this.#peers.delete(host); }
  values(): Peer<C, P>[] { return [...this.#peers.values()]; }

  /**
   * The next peer for a request: open, not suspect, supporting `app`, not in `exclude` (already tried), and
   * among `only` when given (one host, or a route's next hops). failover: configured order first (the first
   * peer is primary; for a route, the route's order), then peers that connected to us; round_robin: rotate.
   */
  pick(app: number, exclude: ReadonlySet<string>, only?: string | readonly string[]): Peer<C, P> | undefined {
    const among = only === undefined ? undefined : typeof only === 'string' ? [only] : only;
    let fresh = this.values().filter((p) => p.conn?.state.name === 'Open' && !p.conn.state.suspect && supports(p, app) && (!among || among.includes(p.host)) && !exclude.has(p.host));
    if (!fresh.length) return undefined;
    if (among && among.length > 1) fresh = fresh.sort((a, b) => among.indexOf(a.host) - among.indexOf(b.host));
    if (this.algorithm === 'failover') return fresh[0];
    return fresh[this.#rr++ % fresh.length];
  }

  /** True when `host` (or, without it, any peer) is open. */
  anyOpen(host?: string): boolean {
    return this.values().some((p) => (!host || p.host === host) && p.conn?.state.name === 'Open');
  }
}
