/**
 * The VVM IMAP listeners (VVM.md § IMAP server; docs/vvm.md): `vvm.imap_port` in the clear with STARTTLS
 * (what Android connects to) and `vvm.imaps_port` with TLS from the first byte. Sockets, TLS, timers and
 * limits live here; the protocol is daemon/imap/session.ts over src/imap/ and the VVM services.
 *
 * Limits: connections in all and per client address (over → `* BYE` and closed at accept); a connection
 * must log in within `imap_login_timeout_seconds` and is closed after `imap_idle_timeout_seconds` of
 * silence once logged in; a client that stops reading while answers pile up (more than 16 MiB unsent) is
 * disconnected. Mailbox changes from any daemon sharing the store (Store.onChange) reach the sessions of that
 * account, so IDLE reports a deposit as EXISTS at once.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, TLSSocket, type SecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { Store } from '../../src/ports.js';
import type { Services } from '../services.js';
import { ImapSession, type SessionIo } from './session.js';

export interface ImapServerOptions {
  config: OmnisepConfig;
  store: Store;
  services: Services['vvm'];
  tls: { cert: string; key: string };
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  onCommand?: (name: string, result: 'ok' | 'no' | 'bad') => void;
  onLogin?: (result: 'success' | 'auth_failed' | 'timeout') => void;
}

export interface ImapServer {
  imap: AddressInfo;
  imaps: AddressInfo;
  /** Open connections now. */
  connections(): number;
  close(): Promise<void>;
}

const MAX_UNSENT = 16 * 1024 * 1024;

export async function startImapServer(opts: ImapServerOptions): Promise<ImapServer> {
  const v = opts.config.vvm;
  const secureContext: SecureContext = createSecureContext({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' });
  const perIp = new Map<string, number>();
  const live = new Set<{ session: ImapSession; raw: Socket }>();
  const byImsi = new Map<string, Set<ImapSession>>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let total = 0;
  let closing = false;

  const unsubscribe = opts.store.onChange((c) => {
    if (c.collection !== 'vvm_mailboxes' || !byImsi.has(c.key)) return;
    // A driver may announce a change just before it applies it: look once the current work is done.
    setImmediate(() => { for (const s of byImsi.get(c.key) ?? []) s.mailboxChanged(); });
  });

  const delay = (ms: number) => new Promise<void>((resolve) => {
    if (ms <= 0) { resolve(); return; }
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  /** Accept-time caps; true when the connection may stay. */
  const admit = (raw: Socket): boolean => {
    const ip = raw.remoteAddress ?? '?';
    const n = perIp.get(ip) ?? 0;
    if (closing || total >= v.imap_max_connections || n >= v.imap_max_connections_per_ip) {
      opts.log.warn({ remote: ip, total, per_ip: n }, 'imap: connection refused (vvm.imap_max_connections / imap_max_connections_per_ip)');
      return false;
    }
    total++;
    perIp.set(ip, n + 1);
    raw.once('close', () => {
      total--;
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
    return true;
  };

  const attach = (raw: Socket, first: Socket | TLSSocket, implicitTls: boolean) => {
    let stream: Socket | TLSSocket = first;
    let authenticated = false;
    const entry = { session: null as unknown as ImapSession, raw };
    const onData = (chunk: Buffer) => entry.session.feed(chunk);
    const io: SessionIo = {
      remoteAddress: raw.remoteAddress ?? '?',
      get secure() { return stream instanceof TLSSocket; },
      write(data) {
        if (stream.destroyed) return;
        stream.write(data);
        if (stream.writableLength > MAX_UNSENT) {
          opts.log.warn({ remote: raw.remoteAddress }, 'imap: client does not read its answers; disconnected');
          stream.destroy();
        }
      },
      close() {
        if (raw.destroyed) return;
        stream.end();
        // A peer that never closes its side is cut after a grace period.
        const t = setTimeout(() => { timers.delete(t); raw.destroy(); }, 5000);
        timers.add(t);
      },
      startTls() {
        return new Promise<void>((resolve) => {
          stream.removeListener('data', onData);
          const secure = new TLSSocket(raw, { isServer: true, secureContext });
          stream = secure;
          secure.on('data', onData);
          secure.on('error', () => raw.destroy());
          secure.once('secure', () => resolve());
        });
      },
    };
    const session = new ImapSession(io, {
      services: opts.services,
      maxLine: v.imap_max_line_bytes,
      maxLiteral: v.imap_max_literal_bytes,
      allowPlaintextLogin: v.imap_allow_plaintext_login,
      loginFailureDelayMs: v.login_failure_delay_ms,
      delay,
      log: opts.log,
      onAuth: (s, imsi) => {
        for (const set of byImsi.values()) set.delete(s);
        if (imsi) {
          authenticated = true;
          raw.setTimeout(v.imap_idle_timeout_seconds * 1000);
          let set = byImsi.get(imsi);
          if (!set) byImsi.set(imsi, (set = new Set()));
          set.add(s);
        }
        for (const [k, set] of byImsi) if (!set.size) byImsi.delete(k);
      },
      ...(opts.onCommand ? { onCommand: opts.onCommand } : {}),
      ...(opts.onLogin ? { onLogin: opts.onLogin } : {}),
    }, implicitTls);
    entry.session = session;
    live.add(entry);
    raw.setNoDelay(true);
    raw.setTimeout(v.imap_login_timeout_seconds * 1000);
    raw.on('timeout', () => {
      if (!authenticated) opts.onLogin?.('timeout');
      session.bye('autologout: idle for too long');
      raw.destroy();
    });
    stream.on('data', onData);
    stream.on('error', () => raw.destroy());
    raw.on('error', () => {});
    raw.once('close', () => {
      live.delete(entry);
      session.bye('connection closed');
    });
    session.greet();
  };

  const plain: Server = createServer((raw) => {
    if (!admit(raw)) { raw.end('* BYE too many connections\r\n'); raw.on('error', () => {}); return; }
    attach(raw, raw, false);
  });
  const secure = createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, (tlsSock) => {
    attach(tlsSock, tlsSock, true);
  });
  secure.on('connection', (raw: Socket) => {
    if (!admit(raw)) raw.destroy();
  });
  secure.on('tlsClientError', (err, sock) => {
    opts.log.info({ remote: sock.remoteAddress, err: err.message }, 'imap: TLS handshake failed (a plain-text client on the implicit-TLS port?)');
  });
  for (const s of [plain, secure]) s.maxConnections = v.imap_max_connections + 1;

  const listen = (s: Server, port: number) => new Promise<AddressInfo>((resolve, reject) => {
    s.once('error', reject);
    s.listen({ host: v.imap_listen_ip, port }, () => { s.removeListener('error', reject); resolve(s.address() as AddressInfo); });
  });
  let imap: AddressInfo;
  let imaps: AddressInfo;
  try {
    imap = await listen(plain, v.imap_port);
    imaps = await listen(secure, v.imaps_port);
  } catch (e) {
    unsubscribe();
    plain.close();
    secure.close();
    throw e;
  }

  return {
    imap,
    imaps,
    connections: () => total,
    async close() {
      closing = true;
      unsubscribe();
      const done = Promise.all([plain, secure].map((s) => new Promise<void>((r) => s.close(() => r()))));
      for (const e of live) { e.session.bye('server shutting down'); e.raw.destroy(); }
      for (const t of timers) clearTimeout(t);
      await done;
    },
  };
}
