/**
 * The Diameter node (RFC 6733), the peer layer of Erlang/OTP diameter's split: TCP and TLS connections
 * (transport.ts), capabilities exchange both ways with election, watchdog (RFC 3539), reconnect with
 * back-off, orderly DPR/DPA, RFC 6733 §7 answers to malformed requests, driving one peer state machine per
 * connection. Requests it sends (selection, realm routing, pending requests, failover with the T flag,
 * redirects) are the request service's (service.ts); requests it receives go to the dispatcher (dispatch.ts).
 *
 * The protocol decisions live in src/: the codec (src/codec/diameter) and the per-connection state machine
 * (src/fsm/diameter-peer.ts). This file does the I/O and performs the actions the machine returns.
 */
import { isIP, type Socket } from 'node:net';
import { TurnWriter } from './turn-writer.js';
import { dialPeer, listen as listenOn, tlsIdentityProblem, type Listener, type TlsCredentials } from './transport.js';
import { randomInt } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { EventSink } from '../../src/ports.js';
import type { DiameterStatus, PeerView } from '../../src/contracts/diameter.js';
import { DecodeError } from '../../src/codec/decode-error.js';
import {
  AppId, CmdFlag, CommandCode, DisconnectCause, ResultCode, VENDOR_3GPP, commandName,
} from '../../src/codec/diameter/constants.js';
import { defaultDictionary, type Dictionary } from '../../src/codec/diameter/dictionary.js';
import {
  MalformedMessageError, decodeMessage, encodeMessage, isRequest, readHeaderFields, resultOf, type DiameterMessage,
} from '../../src/codec/diameter/message.js';
import { baseCode, codeOf } from '../../src/codec/diameter/result.js';
import { DiameterFramer, DEFAULT_MAX_MESSAGE_LENGTH } from '../../src/codec/diameter/framer.js';
import {
  buildCea, buildCer, buildDpa, buildDpr, buildDwa, buildDwr, buildMalformedAnswer,
  commonApplications, readCapabilities, type Capabilities,
} from '../../src/codec/diameter/base.js';
import { initialPeerState, step, type PeerAction, type PeerEvent, type PeerState } from '../../src/fsm/diameter-peer.js';
import { createDiameterMetrics, type DiameterMetrics } from './metrics.js';
import { PeerTable, newPeer, peerView, type Peer as TablePeer } from './peer-table.js';
import { RouteTable, type RouteConfig } from './route-table.js';
import { DiameterUnavailableError, RequestService, type RequestOptions } from './service.js';
import { Dispatcher, type RequestContext, type RequestHandler } from './dispatch.js';
import type { DiameterRoutes } from '../../src/contracts/diameter.js';

export { DiameterUnavailableError, type RequestOptions, type RequestContext, type RequestHandler };

/** DIAMETER.md § Configuration, snake_case as in the config file. */
export interface DiameterPeerConfig {
  host: string;
  ip: string;
  port: number;
  /** tcp, or tls: TLS from the first byte (RFC 6733 §2.1, §13), with the node's `tls` credentials. */
  transport?: 'tcp' | 'tls' | 'sctp' | string;
  /** Destination-Realm for requests routed to this peer (default: our realm). */
  realm?: string;
}

/** An incoming peer allowed by Origin-Host plus source address (`ip` "loopback" = 127.0.0.0/8 or ::1). */
export interface AcceptedPeer {
  host: string;
  ip: string;
}

export interface DiameterConfig {
  host: string;
  realm: string;
  product_name: string;
  vendor_id: number;
  /** Empty string: do not listen. Port 0 picks a free port (reported by start()). */
  listen_ip: string;
  listen_port: number;
  auth_application_ids: number[];
  acct_application_ids: number[];
  supported_vendor_ids: number[];
  /** ms: an answer must arrive within this, across every failover; then the request fails. */
  request_timeout: number;
  /** Tw (RFC 3539), seconds, jittered ±2 s (±10 % below 20 s). */
  watchdog_seconds: number;
  /** Tc, seconds: the ceiling of the reconnect back-off. */
  reconnect_seconds?: number;
  allow_undefined_peers_to_connect: boolean;
  /**
   * Incoming peers accepted besides `peers` when allow_undefined_peers_to_connect is false: an
   * Origin-Host and the source address it must connect from (docs/security.md § Diameter peers).
   */
  accept_peers?: AcceptedPeer[];
  peer_selection_algorithm: 'round_robin' | 'failover';
  peers: DiameterPeerConfig[];
  /** Longest message accepted from a peer (default 1 MiB); more closes the connection. */
  max_message_length?: number;
  /** How long to wait for CER/CEA/DPA, ms (default 10 000). */
  exchange_timeout_ms?: number;
  service_name?: string;
  enabled?: boolean;
  /**
   * TLS/TCP (RFC 6733 §13): PEM contents. With `listen_port` set, a second listener speaks TLS from the first
   * byte (the "secure port", 5658 by convention); peers with `transport: tls` are dialled with TLS. Both ends
   * present certificates signed by `ca`, and a peer's certificate must name its Origin-Host.
   */
  tls?: TlsCredentials & { listen_port?: number };
  /** The realm routing table (route-table.ts); empty: every request goes to any open peer supporting its application. */
  routes?: RouteConfig[];
  /** Redirects (3006) one request follows before it fails (default 3). */
  max_redirects?: number;
}

export interface DiameterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface DiameterNodeDeps {
  logger: DiameterLogger;
  events?: EventSink;
  metrics?: Registry;
  dictionary?: Dictionary;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
  /**
   * Names AVPs in log lines and Error-Message texts, including AVPs of applications we do not implement (the
   * daemon passes the `diameter` package's dictionary merged under ours: legacy-adapter.ts). Never used to
   * decide what is supported: that stays `dictionary`.
   */
  names?: Dictionary;
  /** Sees every whole message sent or received (pcap capture in tests, `--trace`); must not throw. */
  tap?: (dir: 'in' | 'out', bytes: Buffer, conn: { id: number; local: string; remote: string }) => void;
}

export interface DiameterNode {
  start(): Promise<{ listen?: { host: string; port: number }; tlsListen?: { host: string; port: number } }>;
  /** DPR to every open peer (waits for DPA or a short timeout), then closes everything. */
  stop(): Promise<void>;
  status(): DiameterStatus;
  /** Sends a request (hop-by-hop and end-to-end ids are assigned here) and resolves with its answer. */
  request(msg: Omit<DiameterMessage, 'hopByHop' | 'endToEnd'>, opts?: RequestOptions): Promise<DiameterMessage>;
  /** Drops every connection and the listener at once, without DPR: what a crash looks like to the peers (failure tests). */
  abort(): void;
  /** Registers the handler of incoming requests for (application, command). */
  handle(applicationId: number, commandCode: number, handler: RequestHandler): void;
  /** Resolves once `host` (or, without it, any peer) is open; rejects after timeoutMs. */
  waitForPeer(host?: string, timeoutMs?: number): Promise<void>;
  readonly host: string;
  readonly realm: string;
  readonly dictionary: Dictionary;
  /** Destination-Realm to use for a peer (its configured realm, its CEA realm, or ours). */
  realmOf(host?: string): string;
  /** The realm routing table (`GET /api/diameter/routes`). */
  routes(): DiameterRoutes;
}

type Peer = TablePeer<Connection, DiameterPeerConfig>;

interface Connection {
  id: number;
  socket: Socket;
  framer: DiameterFramer;
  state: PeerState;
  peer: Peer | null;
  /** For outgoing connections: the configured peer we dialled. */
  dialled: Peer | null;
  fsmTimer: NodeJS.Timeout | null;
  watchdogTimer: NodeJS.Timeout | null;
  /** The request that triggered the current event (CER, DWR, DPR) when an action answers it. */
  current: DiameterMessage | null;
  closed: boolean;
  dpaWaiters: (() => void)[];
  /** The socket's writes, one writev per turn of the event loop. */
  out: TurnWriter;
}

const plainIp = (ip: string | undefined): string | null => (ip ? ip.replace(/^::ffff:/, '') : null);

/** RFC 6733 §5.6.4: the local side wins when its Origin-Host is lexicographically greater as octets. */
export function wonElection(localHost: string, peerHost: string): boolean {
  return Buffer.compare(Buffer.from(localHost, 'utf8'), Buffer.from(peerHost, 'utf8')) > 0;
}

const isLoopback = (ip: string): boolean => ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip);

/**
 * Does a connection from `from` match a configured address? A literal IP must be equal; "loopback" (and
 * "localhost") match 127.0.0.0/8 and ::1; a configured name that is not an IP matches nothing but
 * loopback when it is localhost (names are not resolved on the accept path).
 */
export function addressMatches(configured: string, from: string): boolean {
  const want = configured.replace(/^::ffff:/, '').toLowerCase();
  if (want === 'loopback' || want === 'localhost') return isLoopback(from);
  if (isIP(want)) return want === from.toLowerCase();
  return false;
}

/** RFC 3539 §3.4.1: Tw jittered by up to ±2 s; proportionally for the short Tw tests use. */
function jitteredTw(seconds: number): number {
  const ms = seconds * 1000;
  const j = Math.min(2000, ms * 0.1);
  return Math.max(10, Math.round(ms - j + Math.random() * 2 * j));
}

export function createDiameterNode(cfg: DiameterConfig, deps: DiameterNodeDeps): DiameterNode {
  const dict = deps.dictionary ?? defaultDictionary();
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const metrics: DiameterMetrics = createDiameterMetrics(deps.metrics);
  const local = { host: cfg.host, realm: cfg.realm };
  const avpName = (code: number, vendorId: number): string | undefined => (deps.names ?? dict).avp(code, vendorId)?.name;
  const originStateId = Math.floor(now() / 1000) >>> 0;
  const exchangeTimeout = cfg.exchange_timeout_ms ?? 10_000;
  const maxLen = cfg.max_message_length ?? DEFAULT_MAX_MESSAGE_LENGTH;
  const tcMs = (cfg.reconnect_seconds ?? 30) * 1000;

  const peers = new PeerTable<Connection, DiameterPeerConfig>(cfg.peer_selection_algorithm);
  const connections = new Set<Connection>();
  const routeTable = new RouteTable(cfg.routes ?? []);
  const openWaiters = new Set<{ host?: string; resolve(): void }>();
  const listeners: Listener[] = [];
  let stopping = false;
  let started = false;
  let connSeq = 0;
  let hopByHop = randomInt(0, 0x7fffffff);
  // RFC 6733 §3: end-to-end ids start with the low 12 bits of the time in the high bits, random low bits.
  let endToEnd = (((originStateId & 0xfff) << 20) | randomInt(0, 1 << 20)) >>> 0;
  const nextHbh = () => (hopByHop = (hopByHop + 1) >>> 0);
  const nextE2e = () => (endToEnd = (endToEnd + 1) >>> 0);
  // The service layer (pending requests, routing, failover, redirects) and application dispatch: service.ts, dispatch.ts.
  const service = new RequestService<Connection>({
    peers, routes: routeTable, dictionary: dict, send: (c, m) => write(c, m), nextHopByHop: nextHbh, nextEndToEnd: nextE2e,
    log, metrics, requestTimeout: cfg.request_timeout, ...(cfg.max_redirects !== undefined ? { maxRedirects: cfg.max_redirects } : {}),
  });
  const dispatcher = new Dispatcher({
    local, dictionary: dict, avpName, routes: routeTable, log,
    ownApplications: [...cfg.auth_application_ids, ...cfg.acct_application_ids],
    forward: (m, f) => service.forward(m, f),
    peerAddress: (h) => { const pc = peers.get(h)?.configured; return pc ? { port: pc.port, transport: pc.transport } : undefined; },
  });

  for (const pc of cfg.peers) {
    // Only TCP: the configuration refuses sctp at start (semanticProblems), so nothing is dialled over another transport silently.
    if (pc.transport === 'tls' && !cfg.tls) throw new Error(`diameter: peer ${pc.host}: transport tls needs the node's TLS certificate, key and CA`);
    if (pc.transport && pc.transport !== 'tcp' && pc.transport !== 'tls') throw new Error(`diameter: peer ${pc.host}: transport ${pc.transport} is not supported`);
    peers.set(newPeer<Connection, DiameterPeerConfig>(pc.host, pc));
  }

  const vendorSpecific = cfg.auth_application_ids
    .filter((a) => a >= 16777216 && a !== AppId.RELAY)
    .map((a) => ({ vendorId: VENDOR_3GPP, authApplicationId: a }));

  function capabilities(conn: Connection): Capabilities {
    const addr = plainIp(conn.socket.localAddress);
    const ip = addr && !addr.includes(':') ? addr : cfg.listen_ip && !cfg.listen_ip.includes(':') && cfg.listen_ip !== '0.0.0.0' ? cfg.listen_ip : '127.0.0.1';
    return {
      ...local,
      hostIpAddresses: [ip],
      vendorId: cfg.vendor_id,
      productName: cfg.product_name,
      originStateId,
      supportedVendorIds: cfg.supported_vendor_ids,
      // §5.3: vendor-specific (3GPP) applications go in Vendor-Specific-Application-Id; plain ids as well for
      // peers that look only at Auth-Application-Id (freeDiameter accepts both).
      authApplicationIds: cfg.auth_application_ids,
      acctApplicationIds: cfg.acct_application_ids,
      vendorSpecific,
    };
  }
  const ownCaps = (): Capabilities => ({
    ...local, hostIpAddresses: [], vendorId: cfg.vendor_id, productName: cfg.product_name, originStateId,
    supportedVendorIds: cfg.supported_vendor_ids, authApplicationIds: cfg.auth_application_ids,
    acctApplicationIds: cfg.acct_application_ids, vendorSpecific,
  });

  // -------------------------------------------------------------------------
  // Views and events

  function emitPeer(p: Peer): void {
    deps.events?.emit({ kind: 'peer', at: new Date(now()).toISOString(), peer: peerView(p, stopping) });
  }

  // -------------------------------------------------------------------------
  // Sending

  function write(conn: Connection, m: DiameterMessage): void {
    if (conn.closed || conn.socket.destroyed) return;
    let bytes: Buffer;
    try {
      bytes = encodeMessage(m);
    } catch (err) {
      log.error({ err: String(err), command: commandName(m.commandCode, isRequest(m)) }, 'diameter: cannot encode message');
      return;
    }
    deps.tap?.('out', bytes, tapInfo(conn));
    conn.out.write(bytes); // one writev per turn for every message of the turn (turn-writer.ts)
  }

  /** Close at once, after what this turn wrote has been handed to the socket (it is corked until the turn ends). */
  function closeNow(conn: Connection): void {
    conn.out.flush();
    conn.socket.destroy();
  }

  function tapInfo(conn: Connection) {
    return { id: conn.id, local: local.host, remote: conn.peer?.host ?? `${plainIp(conn.socket.remoteAddress)}:${conn.socket.remotePort}` };
  }

  function stepPeer(conn: Connection, ev: PeerEvent): void {
    const before = conn.state.name;
    const { state, actions } = step(conn.state, ev);
    conn.state = state;
    for (const a of actions) runAction(conn, a);
    if (conn.peer && before !== state.name && conn.peer.conn === conn) emitPeer(conn.peer);
  }

  function runAction(conn: Connection, a: PeerAction): void {
    switch (a.type) {
      case 'connect':
        return; // the socket is already dialling (see dial())
      case 'send_cer':
        write(conn, buildCer(dict, capabilities(conn), { hopByHop: nextHbh(), endToEnd: nextE2e() }));
        return;
      case 'send_cea':
        if (conn.current) write(conn, buildCea(dict, conn.current, capabilities(conn), a.resultCode));
        return;
      case 'send_dwr':
        write(conn, buildDwr(dict, local, originStateId, { hopByHop: nextHbh(), endToEnd: nextE2e() }));
        return;
      case 'send_dwa':
        if (conn.current) write(conn, buildDwa(dict, conn.current, local, originStateId));
        return;
      case 'send_dpr':
        write(conn, buildDpr(dict, local, a.cause, { hopByHop: nextHbh(), endToEnd: nextE2e() }));
        return;
      case 'send_dpa':
        if (conn.current) write(conn, buildDpa(dict, conn.current, local));
        return;
      case 'process':
        if (conn.current) processMessage(conn, conn.current);
        return;
      case 'start_timer':
        clearTimeout(conn.fsmTimer ?? undefined);
        conn.fsmTimer = setTimeout(() => stepPeer(conn, { type: 'timeout' }), a.timer === 'dpa' ? Math.min(exchangeTimeout, 2000) : exchangeTimeout);
        return;
      case 'start_watchdog':
        clearTimeout(conn.watchdogTimer ?? undefined);
        conn.watchdogTimer = setTimeout(() => stepPeer(conn, { type: 'watchdog' }), jitteredTw(cfg.watchdog_seconds));
        return;
      case 'stop_timers':
        clearTimeout(conn.fsmTimer ?? undefined);
        clearTimeout(conn.watchdogTimer ?? undefined);
        conn.fsmTimer = conn.watchdogTimer = null;
        return;
      case 'opened':
        onOpened(conn);
        return;
      case 'failover':
        service.failover(conn, conn.peer?.host);
        return;
      case 'disconnect':
        // Give queued answers (CEA with an error, DPA) a chance to leave before closing.
        conn.socket.end();
        setTimeout(() => conn.socket.destroy(), 200).unref();
        return;
      case 'closed':
        onClosed(conn);
        return;
      case 'refused':
        log.debug({ state: a.state, event: a.event, peer: conn.peer?.host }, 'diameter: event refused in this state');
        return;
    }
  }

  // -------------------------------------------------------------------------
  // Connection life

  function attach(socket: Socket, dialled: Peer | null): Connection {
    const conn: Connection = {
      id: ++connSeq, socket, framer: new DiameterFramer(maxLen), state: initialPeerState(), peer: null, dialled,
      fsmTimer: null, watchdogTimer: null, current: null, closed: false, dpaWaiters: [], out: new TurnWriter(socket),
    };
    connections.add(conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    socket.on('error', (err) => log.debug({ err: err.message, peer: conn.peer?.host ?? dialled?.host }, 'diameter: socket error'));
    socket.on('close', () => {
      conn.closed = true;
      connections.delete(conn);
      if (conn.state.name !== 'Closed') stepPeer(conn, { type: dialled && conn.state.name === 'Wait-Conn-Ack' ? 'conn_nack' : 'peer_disc' });
      // The machine ends in Closed either way; make sure the peer learns about it.
      if (conn.peer?.conn === conn || (dialled && !conn.peer)) onClosed(conn);
      for (const w of conn.dpaWaiters.splice(0)) w();
    });
    return conn;
  }

  function dial(p: Peer): void {
    if (stopping || !p.configured || p.conn) return;
    const pc = p.configured;
    p.reconnectTimer = null;
    p.attempts++;
    const tls = pc.transport === 'tls' ? cfg.tls! : null;
    const { socket, readyEvent } = dialPeer({ host: pc.host, ip: pc.ip, port: pc.port }, tls);
    const conn = attach(socket, p);
    conn.peer = p;
    p.conn = conn;
    p.initiation = 'OmniSEP -> Peer';
    stepPeer(conn, { type: 'start' });
    emitPeer(p);
    socket.once(readyEvent, () => stepPeer(conn, { type: 'conn_ack' }));
    if (tls) {
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (err.syscall) return; // refused or unreachable: not a TLS failure (the reconnect back-off handles it)
        log.warn({ peer: p.host, err: err.message }, 'diameter: TLS connection to the peer failed');
        metrics.tlsFailure('outbound');
        p.counters.errors++;
      });
    }
    // A dial that hangs (filtered port) counts as a failure after the exchange timeout.
    socket.setTimeout(exchangeTimeout, () => { if (conn.state.name === 'Wait-Conn-Ack') socket.destroy(); });
  }

  function scheduleReconnect(p: Peer): void {
    if (stopping || !p.configured || p.reconnectTimer) return;
    // Back-off: 0.5 s, 1 s, 2 s, ... capped at Tc, each ±20 % (RFC 6733 §2.1 Tc; RFC 3539 §3.4.1 suggests jitter).
    const base = Math.min(tcMs, 500 * 2 ** Math.min(p.attempts, 16));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    p.reconnectTimer = setTimeout(() => dial(p), delay);
  }

  function onOpened(conn: Connection): void {
    const p = conn.peer!;
    if (p.conn && p.conn !== conn && p.conn.state.name === 'Open') {
      // A second connection to an already-open peer (both sides dialled): keep the first.
      stepPeer(conn, { type: 'stop', cause: DisconnectCause.DO_NOT_WANT_TO_TALK_TO_YOU });
      return;
    }
    if (p.conn && p.conn !== conn) {
      const other = p.conn;
      other.peer = null;
      closeNow(other);
    }
    p.conn = conn;
    p.attempts = 0;
    log.info({ peer: p.host, realm: p.caps?.realm, product: p.caps?.productName, initiation: p.initiation, common_apps: p.common }, 'diameter: peer open');
    for (const w of [...openWaiters]) {
      if (!w.host || w.host === p.host) { openWaiters.delete(w); w.resolve(); }
    }
  }

  function onClosed(conn: Connection): void {
    const p = conn.peer;
    clearTimeout(conn.fsmTimer ?? undefined);
    clearTimeout(conn.watchdogTimer ?? undefined);
    service.failover(conn, p?.host);
    if (!p || p.conn !== conn) return;
    p.conn = null;
    if (p.configured) {
      scheduleReconnect(p);
    } else if (!stopping) {
      peers.delete(p.host);
    }
    emitPeer(p);
  }

  function onData(conn: Connection, chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = conn.framer.push(chunk);
    } catch (err) {
      dropUndecodable(conn, err);
      return;
    }
    for (const f of frames) {
      if (conn.closed) return;
      deps.tap?.('in', f, tapInfo(conn));
      let m: DiameterMessage;
      try {
        m = decodeMessage(f);
      } catch (err) {
        if (answerMalformed(conn, f, err)) continue;
        dropUndecodable(conn, err);
        return;
      }
      onMessage(conn, m);
    }
  }

  /**
   * RFC 6733 §7: a request on an open connection whose frame is intact but whose header bits or AVPs are wrong
   * gets an error answer (3008/3009/5014 with Failed-AVP) and the connection stays up. Anything else is dropped as undecodable.
   */
  function answerMalformed(conn: Connection, frame: Buffer, err: unknown): boolean {
    if (!(err instanceof MalformedMessageError) || conn.state.name !== 'Open') return false;
    const header = readHeaderFields(frame);
    if (!header || !(header.flags & CmdFlag.R)) return false;
    const p = conn.peer;
    const name = err.failed ? avpName(err.failed.code, err.failed.vendorId) : undefined;
    log.warn({ peer: p?.host, command_code: header.commandCode, result_code: err.resultCode, reason: err.reason, ...(name ? { avp_name: name } : {}) }, 'diameter: malformed request answered with an error');
    if (p) { p.counters.errors++; p.counters.requests_received++; }
    write(conn, buildMalformedAnswer(dict, header, local, err));
    if (p) p.counters.answers_sent++;
    return true;
  }

  function dropUndecodable(conn: Connection, err: unknown): void {
    const reason = err instanceof DecodeError ? err.message : String(err);
    log.warn({ peer: conn.peer?.host ?? plainIp(conn.socket.remoteAddress), reason }, 'diameter: undecodable bytes from peer, closing the connection');
    if (conn.peer) conn.peer.counters.errors++;
    closeNow(conn);
  }

  function onMessage(conn: Connection, m: DiameterMessage): void {
    conn.current = m;
    const req = isRequest(m);
    try {
      switch (m.commandCode) {
        case CommandCode.CAPABILITIES_EXCHANGE:
          if (req) onCer(conn, m);
          else onCea(conn, m);
          return;
        case CommandCode.DEVICE_WATCHDOG:
          if (req) stepPeer(conn, { type: 'rcv_dwr' });
          else {
            if (conn.peer) conn.peer.lastDwaAt = now();
            stepPeer(conn, { type: 'rcv_dwa' });
          }
          return;
        case CommandCode.DISCONNECT_PEER:
          if (req) stepPeer(conn, { type: 'rcv_dpr' });
          else {
            stepPeer(conn, { type: 'rcv_dpa' });
            for (const w of conn.dpaWaiters.splice(0)) w();
          }
          return;
        default:
          stepPeer(conn, { type: 'rcv_message' });
      }
    } finally {
      conn.current = null;
    }
  }

  function onCer(conn: Connection, m: DiameterMessage): void {
    if (conn.state.name !== 'Wait-CER') {
      stepPeer(conn, { type: 'rcv_cer', accept: false, resultCode: ResultCode.DIAMETER_UNABLE_TO_COMPLY });
      return;
    }
    const caps = readCapabilities(m);
    const reject = (code: number, why: string) => {
      log.warn({ peer: caps?.host ?? plainIp(conn.socket.remoteAddress), result_code: code, reason: why }, 'diameter: CER rejected');
      stepPeer(conn, { type: 'rcv_cer', accept: false, resultCode: code });
    };
    if (!caps) return reject(ResultCode.DIAMETER_MISSING_AVP, 'no Origin-Host/Origin-Realm');
    if (caps.host === local.host) return reject(ResultCode.DIAMETER_UNABLE_TO_COMPLY, 'peer uses our own Origin-Host');
    const tlsProblem = tlsIdentityProblem(conn.socket, caps.host);
    if (tlsProblem) return reject(ResultCode.DIAMETER_UNKNOWN_PEER, tlsProblem);
    let p = peers.get(caps.host);
    if (!cfg.allow_undefined_peers_to_connect) {
      const from = plainIp(conn.socket.remoteAddress) ?? '';
      const known = p?.configured ? addressMatches(p.configured.ip, from) : (cfg.accept_peers ?? []).some((a) => a.host === caps.host && addressMatches(a.ip, from));
      if (!known) {
        metrics.rejected(p?.configured || (cfg.accept_peers ?? []).some((a) => a.host === caps.host) ? 'wrong_address' : 'unknown_peer');
        return reject(ResultCode.DIAMETER_UNKNOWN_PEER, p?.configured || (cfg.accept_peers ?? []).some((a) => a.host === caps.host) ? `Origin-Host not allowed from ${from}` : 'not a configured peer');
      }
    }
    const common = commonApplications(ownCaps(), caps);
    if (common.length === 0) return reject(ResultCode.DIAMETER_NO_COMMON_APPLICATION, 'no common application');
    if (p?.conn && p.conn !== conn && p.conn.state.name === 'Open') return reject(ResultCode.DIAMETER_UNABLE_TO_COMPLY, 'peer already connected');
    // RFC 6733 §5.6.4 election: our own dial to this peer is still waiting for its CEA (or its connect) and the
    // peer dialled us at the same moment. The responder compares the Origin-Hosts as octet strings; the side
    // whose own Origin-Host is the greater wins and keeps the connection the other side initiated.
    if (p?.conn && p.conn !== conn && (p.conn.state.name === 'Wait-I-CEA' || p.conn.state.name === 'Wait-Conn-Ack')) {
      if (!wonElection(local.host, caps.host)) {
        log.info({ peer: caps.host }, 'diameter: election lost, keeping our own connection to the peer');
        stepPeer(conn, { type: 'rcv_cer', accept: false, resultCode: ResultCode.ELECTION_LOST });
        return;
      }
      log.info({ peer: caps.host }, 'diameter: election won, keeping the connection the peer initiated');
    }
    if (!p) {
      p = newPeer<Connection, DiameterPeerConfig>(caps.host, null);
      peers.set(p);
    }
    p.caps = caps;
    p.common = common;
    p.initiation = 'Peer -> OmniSEP';
    p.ip = plainIp(conn.socket.remoteAddress);
    p.port = conn.socket.remotePort ?? null;
    conn.peer = p;
    if (p.conn && p.conn !== conn) {
      // We won the election (above): our own dial is dropped (I-Disc) without a reconnect.
      const other = p.conn;
      other.peer = null;
      closeNow(other);
    }
    clearTimeout(p.reconnectTimer ?? undefined);
    p.reconnectTimer = null;
    p.conn = conn;
    stepPeer(conn, { type: 'rcv_cer', accept: true, resultCode: ResultCode.DIAMETER_SUCCESS });
  }

  function onCea(conn: Connection, m: DiameterMessage): void {
    if (conn.state.name !== 'Wait-I-CEA') return void stepPeer(conn, { type: 'rcv_cea', ok: false });
    const caps = readCapabilities(m);
    const rc = resultOf(m);
    const p = conn.peer!;
    const common = caps ? commonApplications(ownCaps(), caps) : [];
    const tlsProblem = caps ? tlsIdentityProblem(conn.socket, caps.host) : null;
    const ok = !!caps && baseCode(rc) === ResultCode.DIAMETER_SUCCESS && common.length > 0 && !tlsProblem;
    if (!ok) {
      log.warn({ peer: p.host, result_code: rc ? codeOf(rc) : undefined, answered_by: caps?.host, common_apps: common, ...(tlsProblem ? { tls: tlsProblem } : {}) }, 'diameter: CEA refused the connection');
      p.counters.errors++;
    } else {
      if (caps.host !== p.host) log.warn({ configured: p.host, origin_host: caps.host }, 'diameter: peer answered with another Origin-Host');
      p.caps = caps;
      p.common = common;
    }
    stepPeer(conn, { type: 'rcv_cea', ok });
  }

  // -------------------------------------------------------------------------
  // Application messages

  function processMessage(conn: Connection, m: DiameterMessage): void {
    if (isRequest(m)) void answerRequest(conn, m);
    else onAnswer(conn, m);
  }

  async function answerRequest(conn: Connection, m: DiameterMessage): Promise<void> {
    const p = conn.peer!;
    p.counters.requests_received++;
    const a = await dispatcher.answer(m, p.host);
    write(conn, { ...a, hopByHop: m.hopByHop, endToEnd: m.endToEnd, commandCode: m.commandCode, flags: a.flags & ~CmdFlag.R });
    p.counters.answers_sent++;
  }

  function onAnswer(conn: Connection, m: DiameterMessage): void {
    service.onAnswer(conn, conn.peer!, m);
  }

  // -------------------------------------------------------------------------
  // The node

  const node: DiameterNode = {
    host: local.host,
    realm: local.realm,
    dictionary: dict,

    realmOf(host?: string): string {
      const p = host ? peers.get(host) : undefined;
      return p?.configured?.realm ?? p?.caps?.realm ?? cfg.peers.find((x) => x.realm)?.realm ?? peers.values().find((x) => x.caps)?.caps?.realm ?? local.realm;
    },

    async start() {
      if (started) throw new Error('diameter node already started');
      started = true;
      const accept = (socket: Socket) => {
        if (stopping) return void socket.destroy();
        const conn = attach(socket, null);
        stepPeer(conn, { type: 'r_conn' });
      };
      let listen: { host: string; port: number } | undefined;
      let tlsListen: { host: string; port: number } | undefined;
      if (cfg.listen_ip) {
        const plain = await listenOn({ ip: cfg.listen_ip, port: cfg.listen_port }, accept);
        listeners.push(plain);
        listen = plain.address;
        log.info({ listen, host: local.host, realm: local.realm }, 'diameter: listening');
        if (cfg.tls && cfg.tls.listen_port !== undefined) {
          // A handshake that fails (no certificate, one our CA did not sign) never reaches the peer machine.
          const secure = await listenOn({ ip: cfg.listen_ip, port: cfg.tls.listen_port }, accept, {
            credentials: cfg.tls,
            onTlsFailure: (err, remote) => {
              metrics.tlsFailure('inbound');
              log.warn({ remote: plainIp(remote), err: err.message }, 'diameter: TLS handshake refused');
            },
          });
          listeners.push(secure);
          tlsListen = secure.address;
          log.info({ listen: tlsListen, host: local.host }, 'diameter: listening (TLS)');
        }
      }
      for (const p of peers.values()) if (p.configured) dial(p);
      return { ...(listen ? { listen } : {}), ...(tlsListen ? { tlsListen } : {}) };
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      service.stop();
      for (const p of peers.values()) {
        clearTimeout(p.reconnectTimer ?? undefined);
        p.reconnectTimer = null;
      }
      for (const w of openWaiters) openWaiters.delete(w);
      const waits: Promise<void>[] = [];
      for (const conn of [...connections]) {
        if (conn.state.name === 'Open') {
          waits.push(new Promise<void>((resolve) => {
            conn.dpaWaiters.push(resolve);
            stepPeer(conn, { type: 'stop', cause: DisconnectCause.REBOOTING });
            setTimeout(resolve, Math.min(exchangeTimeout, 2000) + 50).unref();
          }));
        } else {
          stepPeer(conn, { type: 'stop', cause: DisconnectCause.REBOOTING });
          closeNow(conn);
        }
      }
      await Promise.all(waits);
      service.rejectAll();
      for (const conn of [...connections]) closeNow(conn);
      await Promise.all(listeners.map((l) => l.close()));
      log.info({ host: local.host }, 'diameter: stopped');
    },

    status() {
      const list = peers.values().map((p) => peerView(p, stopping));
      const connected = list.filter((p) => p.status === 'Connected').length;
      return {
        status: stopping ? 'stopped' : list.length ? 'configured' : 'no_peers',
        connected_count: connected,
        disconnected_count: list.length - connected,
        peers: list,
      };
    },

    request(msg, opts = {}) {
      return service.request(msg, opts);
    },

    routes() {
      return { max_redirects: cfg.max_redirects ?? 3, implicit_default: routeTable.size === 0, routes: routeTable.views() };
    },

    abort() {
      stopping = true;
      service.stop();
      for (const p of peers.values()) clearTimeout(p.reconnectTimer ?? undefined);
      for (const l of listeners) l.abort();
      for (const conn of [...connections]) conn.socket.resetAndDestroy();
    },

    handle(applicationId, commandCode, handler) {
      dispatcher.handle(applicationId, commandCode, handler);
    },

    waitForPeer(host, timeoutMs = 10_000) {
      const open = peers.anyOpen(host);
      if (open) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const w = { ...(host ? { host } : {}), resolve: () => { clearTimeout(t); resolve(); } };
        const t = setTimeout(() => { openWaiters.delete(w); reject(new DiameterUnavailableError(`peer ${host ?? '(any)'} not open after ${timeoutMs} ms`, 'timeout')); }, timeoutMs);
        openWaiters.add(w);
      });
    },
  };
  return node;
}
