/**
 * The Diameter transport layer (as Erlang/OTP diameter separates diameter_tcp from the peer and service
 * layers): listeners and dials over TCP and TLS/TCP (RFC 6733 §2.1, §13), and the certificate identity
 * checks. It hands the node connected sockets and knows nothing of CER/CEA, peers or routing.
 *
 * TLS is TLS from the first byte (the "secure port"), mutual, TLS 1.2 or newer; the certificate must name
 * the Diameter identity (subjectAltName DNS entries, else the CN).
 */
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, TLSSocket, type PeerCertificate, type Server as TlsServer } from 'node:tls';

export interface TlsCredentials {
  cert: string | Buffer;
  key: string | Buffer;
  ca: string | Buffer;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** The DNS names a certificate vouches for: subjectAltName DNS entries, else the subject CN (RFC 6125 §6.4.4). */
export function certificateNames(cert: Pick<PeerCertificate, 'subject' | 'subjectaltname'> | null | undefined): string[] {
  if (!cert || !cert.subject) return [];
  const sans = (cert.subjectaltname ?? '').split(/,\s*/).filter((x) => x.startsWith('DNS:')).map((x) => x.slice(4).toLowerCase());
  if (sans.length) return sans;
  const cn = cert.subject.CN;
  return (Array.isArray(cn) ? cn : cn ? [cn] : []).map((x) => x.toLowerCase());
}

/** §13: on a TLS connection the peer's certificate must name the Origin-Host it claims; null when it does (or no TLS). */
export function tlsIdentityProblem(socket: Socket, originHost: string): string | null {
  if (!(socket instanceof TLSSocket)) return null;
  const names = certificateNames(socket.getPeerCertificate());
  return names.includes(originHost.toLowerCase()) ? null : `certificate names ${names.join(', ') || 'nothing'}, not ${originHost}`;
}

export interface Dialled {
  socket: Socket;
  /** The event after which the connection can carry Diameter: `connect` (TCP) or `secureConnect` (TLS). */
  readyEvent: 'connect' | 'secureConnect';
}

/** Dials a peer; with `tls`, the server's certificate must name `peerHost` (whatever address was dialled). */
export function dialPeer(target: { host: string; ip: string; port: number }, tls: TlsCredentials | null): Dialled {
  if (!tls) return { socket: connect({ host: target.ip, port: target.port }), readyEvent: 'connect' };
  const socket = tlsConnect({
    host: target.ip, port: target.port, cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: 'TLSv1.2',
    ...(isIP(target.host) ? {} : { servername: target.host }),
    checkServerIdentity: (_name, cert) => {
      const names = certificateNames(cert);
      return names.includes(target.host.toLowerCase()) ? undefined : new Error(`certificate names ${names.join(', ') || 'nothing'}, not ${target.host}`);
    },
  });
  return { socket, readyEvent: 'secureConnect' };
}

/** A bound listener: its address and how to close it. */
export interface Listener {
  address: ListenAddress;
  close(): Promise<void>;
  /** Stop accepting at once (failure tests). */
  abort(): void;
}

/**
 * Listens on TCP, or TLS with `tls` (client certificates required and verified against the CA; a failed
 * handshake is reported through `onTlsFailure` and never reaches `onSocket`).
 */
export async function listen(
  at: { ip: string; port: number },
  onSocket: (socket: Socket) => void,
  tls?: { credentials: TlsCredentials; onTlsFailure(err: Error, remote: string | undefined): void },
): Promise<Listener> {
  let server: Server | TlsServer;
  if (tls) {
    const t = tls.credentials;
    const s = createTlsServer({ cert: t.cert, key: t.key, ca: t.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, onSocket);
    s.on('tlsClientError', (err, socket) => tls.onTlsFailure(err, socket.remoteAddress));
    server = s;
  } else server = createServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.ip, () => { server.off('error', reject); resolve(); });
  });
  const a = server.address();
  const address = a && typeof a === 'object' ? { host: a.address, port: a.port } : { host: at.ip, port: at.port };
  return {
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    abort: () => void server.close(),
  };
}
