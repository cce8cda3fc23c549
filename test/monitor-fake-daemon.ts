/**
 * A stand-in for the daemon's event route, for tests of the stream client and
 * the TUI that must control exactly what the daemon says and when it goes
 * away: `GET /api/events` (NDJSON, `hello` first, filters imsi/type/kinds),
 * `GET /api/status`, `/api/sessions`, `/api/tokens` on a Unix socket. The
 * real route is tested against `startDaemon` in test/monitor-tmux.test.ts.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDaemonEventKind, type DaemonEvent } from '../src/contracts/events.js';
import { matches } from '../daemon/events/bus.js';

interface Client {
  res: ServerResponse;
  imsi: string | null;
  types: string[];
  kinds: string[];
}

export interface FakeDaemon {
  socketPath: string;
  /** Every request path+query received, in order. */
  requests: string[];
  emit(e: DaemonEvent): void;
  clients(): number;
  waitForClients(n: number, timeoutMs?: number): Promise<void>;
  /** End every stream and stop listening (the daemon stopped). */
  stop(): Promise<void>;
  /** Listen again on the same socket (the daemon came back). */
  start(): Promise<void>;
  /** Write a raw line to every stream (to send something the contract refuses). */
  raw(line: string): void;
  cleanup(): Promise<void>;
}

/** The real bus's filter (daemon/events/bus.ts), with `type` split into kinds and activity types as the route does. */
export function wants(c: Pick<Client, 'imsi' | 'types' | 'kinds'>, e: DaemonEvent): boolean {
  if (e.kind === 'hello' || e.kind === 'dropped' || e.kind === 'sampled') return true;
  const kinds = [...c.kinds, ...c.types].filter(isDaemonEventKind);
  const types = c.types.filter((t) => !isDaemonEventKind(t));
  return matches({ imsi: c.imsi ?? undefined, kinds, types }, e);
}


export async function startFakeDaemon(opts: { version?: string; startedAt?: string } = {}): Promise<FakeDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-fake-'));
  const socketPath = join(dir, 'omnisep.sock');
  const clients = new Set<Client>();
  const requests: string[] = [];
  const startedAt = opts.startedAt ?? new Date().toISOString();
  let server: Server | null = null;
  const listeners: Array<() => void> = [];

  const make = () =>
    createServer((req, res) => {
      requests.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('x-omnisep-version', opts.version ?? '0.1.0');
      if (url.pathname === '/api/events') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        const split = (v: string | null) => (v ? v.split(',').filter(Boolean) : []);
        const c: Client = { res, imsi: url.searchParams.get('imsi'), types: split(url.searchParams.get('type')), kinds: split(url.searchParams.get('kinds')) };
        clients.add(c);
        res.write(`${JSON.stringify({ kind: 'hello', at: new Date().toISOString(), version: opts.version ?? '0.1.0', started_at: startedAt })}\n`);
        req.on('close', () => clients.delete(c));
        listeners.splice(0).forEach((f) => f());
        return;
      }
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/api/sessions') return res.end(JSON.stringify({ count: 0, sessions: [] }));
      if (url.pathname === '/api/tokens') return res.end(JSON.stringify({ count: 0, tokens: [] }));
      res.statusCode = 404;
      res.end(JSON.stringify({ error: 'not found', code: 'OMNISEP_ADMIN_NOT_FOUND' }));
    });

  const fake: FakeDaemon = {
    socketPath,
    requests,
    emit(e) {
      const line = `${JSON.stringify(e)}\n`;
      for (const c of clients) if (wants(c, e)) c.res.write(line);
    },
    raw(line) {
      for (const c of clients) c.res.write(`${line}\n`);
    },
    clients: () => clients.size,
    async waitForClients(n, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (clients.size < n) {
        if (Date.now() > until) throw new Error(`fake daemon: ${clients.size} stream clients after ${timeoutMs} ms, wanted ${n}`);
        await new Promise<void>((r) => {
          listeners.push(r);
          setTimeout(r, 50);
        });
      }
    },
    async stop() {
      if (!server) return;
      for (const c of clients) c.res.destroy();
      clients.clear();
      const s = server;
      server = null;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
      rmSync(socketPath, { force: true });
    },
    async start() {
      if (server) return;
      server = make();
      const s = server;
      await new Promise<void>((r, j) => {
        s.once('error', j);
        s.listen(socketPath, () => r());
      });
    },
    async cleanup() {
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await fake.start();
  return fake;
}
