/**
 * TLS on the public listener (`http.tls_cert` + `http.tls_key`): an HTTPS server with the same
 * timeouts and connection caps as the plain one (security.ts), whose certificate is re-read on
 * SIGHUP and swapped in with `setSecureContext`, so a renewed certificate (e.g. certbot's) takes
 * effect without a restart. Connections already open keep the context they started with.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { limitedServerFactory, type HttpLimits } from './security.js';

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
      // The same timeouts and caps as every listener (security.ts); kept to swap the context on reload.
      server = limitedServerFactory(limits, listener, metrics, pair)(handler) as unknown as Server;
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
