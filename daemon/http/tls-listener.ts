/**
 * TLS on the public listener (`http.tls_cert` + `http.tls_key`): an HTTPS server with the same
 * timeouts and connection caps as the plain one (security.ts), whose certificate is re-read on
 * SIGHUP and swapped in with `setSecureContext`, so a renewed certificate (e.g. certbot's) takes
 * effect without a restart. Connections already open keep the context they started with.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { capConnections, type HttpLimits } from './security.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface ReloadableTls {
  /** Serves the listener's requests over TLS (a fastify `serverFactory`). */
  factory(handler: (req: IncomingMessage, res: ServerResponse) => void): Server;
  /** Re-reads the files; swaps the context when they changed. Returns whether it did. Throws (old context kept) on unreadable files. */
  reload(): boolean;
  /** SHA-256 of the certificate in use (PEM bytes), for logs and tests. */
  fingerprint(): string;
}

function readPair(files: TlsFiles, listener: string): { cert: string; key: string } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${listener}: cannot read the TLS ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return { cert: read(files.certFile, 'certificate'), key: read(files.keyFile, 'key') };
}

const digest = (pem: string) => createHash('sha256').update(pem).digest('hex');

export function reloadableTls(files: TlsFiles, limits: HttpLimits, listener: string, metrics?: Registry): ReloadableTls {
  let pair = readPair(files, listener);
  let server: Server | null = null;
  return {
    factory(handler) {
      server = createServer({
        cert: pair.cert,
        key: pair.key,
        minVersion: 'TLSv1.2',
        headersTimeout: limits.header_timeout_ms,
        requestTimeout: Math.max(limits.request_timeout_ms, limits.header_timeout_ms),
        keepAliveTimeout: limits.keep_alive_timeout_ms,
        connectionsCheckingInterval: Math.min(1000, limits.header_timeout_ms),
        // A handshake that never finishes counts against the header timeout's budget.
        handshakeTimeout: limits.header_timeout_ms,
      }, handler);
      server.keepAliveTimeout = limits.keep_alive_timeout_ms;
      capConnections(server as unknown as import('node:http').Server, limits, listener, metrics);
      return server;
    },
    reload() {
      const next = readPair(files, listener);
      if (next.cert === pair.cert && next.key === pair.key) return false;
      // setSecureContext validates the pair: a key that does not match the certificate throws here, old context kept.
      server?.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
      pair = next;
      return true;
    },
    fingerprint: () => digest(pair.cert),
  };
}
