/**
 * A listener that cannot bind names itself: `listen EADDRINUSE 127.0.0.1:3868` becomes
 * "the Diameter node cannot listen on 127.0.0.1:3868: the address is already in use — another
 * process holds it (change diameter.listen_port, or --diameter-port)". The listener is found by
 * the port in the error against the configuration, so every listener is covered in one place.
 */
import type { OmnisepConfig } from '../src/contracts/config.js';

interface Bound {
  name: string;
  key: string;
  flag?: string;
  ip: string;
  port: number;
}

function listenersOf(cfg: OmnisepConfig): Bound[] {
  const out: Bound[] = [
    { name: 'the public HTTP listener (TS.43, XCAP, /health)', key: 'http.port', flag: '--http-port', ip: cfg.http.listen_ip, port: cfg.http.port },
    { name: 'the admin API', key: 'admin.port', flag: '--api-port', ip: cfg.admin.listen_ip, port: cfg.admin.port },
    { name: 'the Diameter node', key: 'diameter.listen_port', flag: '--diameter-port', ip: cfg.diameter.listen_ip, port: cfg.diameter.listen_port },
    { name: 'the built-in AAA', key: 'aaa.listen_port', flag: '--aaa-port', ip: cfg.aaa.listen_ip, port: cfg.aaa.listen_port },
  ];
  if (cfg.diameter.tls.listen) out.push({ name: 'the Diameter TLS listener', key: 'diameter.tls.listen_port', ip: cfg.diameter.listen_ip, port: cfg.diameter.tls.listen_port });
  return out;
}

const WHY: Record<string, string> = {
  EADDRINUSE: 'the address is already in use — another process (or another omnisep) holds it',
  EACCES: 'permission denied — ports below 1024 need CAP_NET_BIND_SERVICE (see packaging/omnisep.service)',
  EADDRNOTAVAIL: 'no interface of this machine has that address',
};

/** The one-line message for a bind failure, or null when `e` is not one. */
export function listenFailure(e: unknown, cfg: OmnisepConfig): string | null {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.syscall !== 'listen' && err?.syscall !== 'bind') return null;
  const why = WHY[err.code ?? ''] ?? `${err.code ?? 'error'}: ${err.message}`;
  const at = err.port !== undefined ? `${err.address ?? ''}:${err.port}` : (err.address ?? '?');
  const l = err.port !== undefined ? listenersOf(cfg).find((b) => b.port === err.port && (!err.address || b.ip === err.address)) ?? listenersOf(cfg).find((b) => b.port === err.port) : undefined;
  if (!l) return `cannot listen on ${at}: ${why}`;
  return `${l.name} cannot listen on ${at}: ${why} (change ${l.key}${l.flag ? `, or ${l.flag}` : ''})`;
}
