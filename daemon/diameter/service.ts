/**
 * The request service (Erlang/OTP diameter's diameter_service and diameter_traffic roles): requests this node
 * sends and their answers. Peer selection through the realm routing table (route-table.ts) and the peer table
 * (peer-table.ts), hop-by-hop/end-to-end ids, the per-request deadline, failover of pending requests with the
 * T flag when a connection drops (RFC 6733 §5.5.4), retries of 3002/3004 on another peer, redirects (3006,
 * §6.13) followed a bounded number of times, and one warning per non-success answer.
 *
 * It owns no sockets: `send` writes on a connection the node holds; the node tells it about answers
 * (`onAnswer`) and dropped connections (`failover`). Testable with a peer table of fake connections.
 */
import { Avp, CmdFlag, ResultCode, commandName } from '../../src/codec/diameter/constants.js';
import { avp, findAll, getString, resultOf, type DiameterMessage } from '../../src/codec/diameter/message.js';
import { baseCode, codeOf, describeResult, isSuccessResult, resultKey, resultName } from '../../src/codec/diameter/result.js';
import type { Dictionary } from '../../src/codec/diameter/dictionary.js';
import { countFailedAnswer, type Peer, type PeerConnection, type PeerConfigLike, type PeerTable } from './peer-table.js';
import { uriHost, type RouteTable } from './route-table.js';
import type { DiameterMetrics } from './metrics.js';

export interface ServiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** No peer could take the request, or every one failed: SWm/SWx/Sh map this to "unavailable". */
export class DiameterUnavailableError extends Error {
  override readonly name = 'DiameterUnavailableError';
  constructor(message: string, readonly reason: 'no_peer' | 'no_route' | 'timeout' | 'stopped' | 'redirect_limit') {
    super(message);
  }
}

export interface RequestOptions {
  /** Only this peer (Origin-Host). */
  peer?: string;
  /** Prefer this peer while it is open (SWm: the AAA that holds the EAP session); fall back to selection. */
  preferPeer?: string;
  /** Override request_timeout for this request, ms. */
  timeoutMs?: number;
}

/** What the dispatcher adds when it relays a request it received (route-table.ts `relay`/`proxy`). */
export interface ForwardOptions {
  /** The route's next hops. */
  nextHops: readonly string[];
  /** The peer the request came from: never sent back there. */
  from: string;
}

interface Pending<C extends PeerConnection> {
  msg: DiameterMessage;
  command: string;
  conn: C | null;
  peer: Peer<C> | null;
  tried: Set<string>;
  /** The peers this request may go to (one host, a route's next hops), or any. */
  among?: readonly string[];
  redirects: number;
  /** When it was last sent (performance.now()): its answer's time goes to the metrics. */
  sentAt: number;
  resolve(m: DiameterMessage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export interface RequestServiceDeps<C extends PeerConnection> {
  peers: PeerTable<C, PeerConfigLike>;
  routes: RouteTable;
  dictionary: Dictionary;
  /** Writes a message on a connection (the node encodes, taps and counts bytes). */
  send(conn: C, m: DiameterMessage): void;
  nextHopByHop(): number;
  nextEndToEnd(): number;
  log: ServiceLogger;
  metrics: DiameterMetrics;
  /** ms: the total budget of a request across failovers, retries and redirects. */
  requestTimeout: number;
  /** Redirects (3006) one request follows before it fails (default 3). */
  maxRedirects?: number;
}

export class RequestService<C extends PeerConnection> {
  readonly #byConn = new Map<C, Map<number, Pending<C>>>();
  #stopped = false;

  constructor(private readonly deps: RequestServiceDeps<C>) {}

  /** Requests waiting for an answer (all connections). */
  get pendingCount(): number {
    let n = 0;
    for (const m of this.#byConn.values()) n += m.size;
    return n;
  }

  /** Sends a request (ids assigned here) and resolves with its answer; rejects with DiameterUnavailableError. */
  request(msg: Omit<DiameterMessage, 'hopByHop' | 'endToEnd'>, opts: RequestOptions = {}): Promise<DiameterMessage> {
    return this.#start({ ...msg, hopByHop: 0, endToEnd: this.deps.nextEndToEnd() }, opts, undefined);
  }

  /**
   * Relays a request a peer sent us (RFC 6733 §6.1.9): same end-to-end id, Route-Record with the peer's
   * identity appended, to the route's next hops but never back to the sender.
   */
  forward(msg: DiameterMessage, f: ForwardOptions): Promise<DiameterMessage> {
    const avps = [...msg.avps, avp(this.deps.dictionary, 'Route-Record', f.from)];
    return this.#start({ ...msg, avps, hopByHop: 0 }, {}, f);
  }

  #start(msg: DiameterMessage, opts: RequestOptions, fwd: ForwardOptions | undefined): Promise<DiameterMessage> {
    return new Promise<DiameterMessage>((resolve, reject) => {
      if (this.#stopped) return reject(new DiameterUnavailableError('diameter node stopped', 'stopped'));
      const command = commandName(msg.commandCode, true);
      const timeoutMs = opts.timeoutMs ?? this.deps.requestTimeout;
      let among: readonly string[] | undefined = opts.peer ? [opts.peer] : fwd?.nextHops;
      if (!among && this.deps.routes.size) {
        const realm = getString(msg.avps, Avp.DESTINATION_REALM);
        const route = this.deps.routes.forOutgoing(realm, msg.applicationId);
        if (!route) return reject(new DiameterUnavailableError(`no route for realm ${realm ?? '(none)'} and application ${msg.applicationId}`, 'no_route'));
        among = route.peers;
      }
      const pend: Pending<C> = {
        msg: { ...msg, flags: msg.flags | CmdFlag.R }, command, conn: null, peer: null, tried: new Set(fwd ? [fwd.from] : []),
        ...(among ? { among } : {}), redirects: 0, sentAt: 0, resolve, reject,
        timer: setTimeout(() => this.#timeout(pend, timeoutMs), timeoutMs),
      };
      const allowed = (h: string) => !among || among.includes(h);
      const preferred = opts.preferPeer && allowed(opts.preferPeer) ? this.deps.peers.pick(msg.applicationId, pend.tried, opts.preferPeer) : undefined;
      const p = preferred ?? this.deps.peers.pick(msg.applicationId, pend.tried, among);
      if (!p) {
        clearTimeout(pend.timer);
        return reject(new DiameterUnavailableError(`no open peer ${among ? `among ${among.join(', ')} ` : ''}supports application ${msg.applicationId}`, 'no_peer'));
      }
      this.#send(pend, p, false);
    });
  }

  #timeout(pend: Pending<C>, ms: number): void {
    this.#forget(pend);
    const p = pend.peer;
    if (p) {
      p.counters.timeouts++;
      this.deps.metrics.timeout(p.host, pend.command);
    }
    pend.reject(new DiameterUnavailableError(`no answer to ${pend.command} within ${ms} ms`, 'timeout'));
  }

  #forget(pend: Pending<C>): void {
    const c = pend.conn;
    if (c) this.#byConn.get(c)?.delete(pend.msg.hopByHop);
  }

  #send(pend: Pending<C>, p: Peer<C>, retransmit: boolean): void {
    const conn = p.conn!;
    const hbh = this.deps.nextHopByHop();
    // §5.5.4: a request sent again after a failover carries the T flag; a new hop (redirect) does not.
    pend.msg = { ...pend.msg, hopByHop: hbh, flags: retransmit ? pend.msg.flags | CmdFlag.T : pend.msg.flags & ~CmdFlag.T };
    pend.conn = conn;
    pend.peer = p;
    pend.tried.add(p.host);
    let m = this.#byConn.get(conn);
    if (!m) this.#byConn.set(conn, (m = new Map()));
    m.set(hbh, pend);
    p.counters.requests_sent++;
    this.deps.metrics.request(p.host, pend.command);
    pend.sentAt = performance.now();
    this.deps.send(conn, pend.msg);
  }

  /** An answer arrived on `conn` from `p`: matched strictly by hop-by-hop and end-to-end id (§6.2). */
  onAnswer(conn: C, p: Peer<C>, m: DiameterMessage): void {
    const byHbh = this.#byConn.get(conn);
    const pend = byHbh?.get(m.hopByHop);
    if (!pend || pend.msg.endToEnd !== m.endToEnd) {
      p.counters.errors++;
      this.deps.log.debug({ peer: p.host, hop_by_hop: m.hopByHop }, 'diameter: answer to no pending request, dropped');
      return;
    }
    byHbh!.delete(m.hopByHop);
    p.counters.answers_received++;
    const rc = resultOf(m);
    this.deps.metrics.answer(p.host, pend.command, rc ? codeOf(rc) : 'none');
    this.deps.metrics.answerTime(p.host, pend.command, (performance.now() - pend.sentAt) / 1000);
    if (rc && !isSuccessResult(rc)) {
      // Once per answer, at warning level: a failure must be visible where operators look first.
      const origin = getString(m.avps, Avp.ORIGIN_HOST);
      const name = resultName(rc);
      this.deps.log.warn({
        peer: p.host, command: commandName(m.commandCode, false), result_code: codeOf(rc),
        ...('experimental' in rc ? { vendor_id: rc.experimental.vendorId } : {}), ...(name ? { result_name: name } : {}),
        ...(origin && origin !== p.host ? { origin_host: origin } : {}),
        ...(getString(m.avps, Avp.ERROR_MESSAGE) ? { error_message: getString(m.avps, Avp.ERROR_MESSAGE) } : {}),
      }, `diameter: ${commandName(m.commandCode, false)} from ${p.host}: ${describeResult(rc)}`);
      countFailedAnswer(p, rc);
      this.deps.metrics.failedAnswer(p.host, pend.command, resultKey(rc), name ?? '');
    }
    const base = baseCode(rc);
    // §6.1.8 / DIAMETER.md: 3002 and 3004 are retried on another peer while time is left.
    if (base === ResultCode.DIAMETER_UNABLE_TO_DELIVER || base === ResultCode.DIAMETER_TOO_BUSY) {
      const next = this.deps.peers.pick(pend.msg.applicationId, pend.tried, pend.among);
      if (next) {
        this.deps.log.info({ from: p.host, to: next.host, result_code: base, command: pend.command }, 'diameter: retrying on another peer');
        this.#send(pend, next, true);
        return;
      }
    }
    if (base === ResultCode.DIAMETER_REDIRECT_INDICATION && this.#redirect(pend, p, m)) return;
    clearTimeout(pend.timer);
    pend.resolve(m);
  }

  /**
   * §6.13: a redirect agent answered 3006 with Redirect-Host(s). The request goes to the first named host
   * that is an open peer and has not had it yet; after `maxRedirects` hops, or when every named host had it
   * already (a loop), the request fails (DiameterUnavailableError 'redirect_limit'). Redirect-Host-Usage is
   * not cached: the next request asks the redirect agent again (docs/diameter.md § Realm routing).
   * Returns false when nothing named can take it (the 3006 answer then goes to the caller).
   */
  #redirect(pend: Pending<C>, from: Peer<C>, m: DiameterMessage): boolean {
    const hosts = findAll(m.avps, Avp.REDIRECT_HOST).map((a) => uriHost(a.data.toString('utf8'))).filter((h): h is string => !!h);
    const fresh = hosts.filter((h) => !pend.tried.has(h));
    const max = this.deps.maxRedirects ?? 3;
    if (hosts.length && (!fresh.length || pend.redirects >= max)) {
      clearTimeout(pend.timer);
      const why = fresh.length ? `more than ${max} redirects` : `redirect loop: ${hosts.join(', ')} had the request already`;
      this.deps.log.warn({ peer: from.host, command: pend.command, redirects: pend.redirects, redirect_hosts: hosts }, `diameter: ${why}, request failed`);
      pend.reject(new DiameterUnavailableError(`${pend.command}: ${why}`, 'redirect_limit'));
      return true;
    }
    const next = this.deps.peers.pick(pend.msg.applicationId, pend.tried, fresh);
    if (!next) return false;
    pend.redirects++;
    this.deps.log.info({ from: from.host, to: next.host, command: pend.command, redirects: pend.redirects }, 'diameter: following a redirect');
    this.#send(pend, next, false);
    return true;
  }

  /** Moves every pending request off this connection: resend elsewhere with T (§5.5.4), or fail fast. */
  failover(conn: C, host: string | undefined): void {
    const byHbh = this.#byConn.get(conn);
    this.#byConn.delete(conn);
    if (!byHbh?.size) return;
    for (const pend of byHbh.values()) {
      const next = this.#stopped ? undefined : this.deps.peers.pick(pend.msg.applicationId, pend.tried, pend.among);
      if (next) {
        this.deps.log.info({ from: host, to: next.host, command: pend.command }, 'diameter: failing over pending request');
        this.#send(pend, next, true);
      } else {
        clearTimeout(pend.timer);
        pend.reject(new DiameterUnavailableError('connection to the peer lost and no other peer can take the request', 'no_peer'));
      }
    }
  }

  /** Refuses new requests; `rejectAll` fails those still waiting. */
  stop(): void {
    this.#stopped = true;
  }

  rejectAll(): void {
    for (const byHbh of this.#byConn.values()) {
      for (const pend of byHbh.values()) {
        clearTimeout(pend.timer);
        pend.reject(new DiameterUnavailableError('diameter node stopped', 'stopped'));
      }
    }
    this.#byConn.clear();
  }
}
