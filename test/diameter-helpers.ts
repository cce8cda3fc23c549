/** Shared helpers for the Diameter tests: configs on loopback with port 0, a quiet logger, raw clients. */
import { connect, createServer, type Socket } from 'node:net';
import type { DiameterConfig, DiameterLogger } from '../daemon/diameter/node.js';
import { DiameterFramer } from '../src/codec/diameter/framer.js';
import { decodeMessage, type DiameterMessage } from '../src/codec/diameter/message.js';

export const quietLogger = (): DiameterLogger & { lines: { level: string; obj: object; msg?: string }[] } => {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const rec = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg ? { msg } : {}) });
  return { lines, info: rec('info'), warn: rec('warn'), error: rec('error'), debug: rec('debug') };
};

export function nodeConfig(over: Partial<DiameterConfig> = {}): DiameterConfig {
  return {
    host: 'client.test.local',
    realm: 'test.local',
    product_name: 'OmniSep-test',
    vendor_id: 10415,
    listen_ip: '',
    listen_port: 0,
    auth_application_ids: [16777264, 16777265],
    acct_application_ids: [],
    supported_vendor_ids: [10415],
    request_timeout: 1500,
    watchdog_seconds: 30,
    reconnect_seconds: 1,
    allow_undefined_peers_to_connect: true,
    peer_selection_algorithm: 'round_robin',
    peers: [],
    exchange_timeout_ms: 2000,
    ...over,
  };
}

/**
 * Upper bound for a peer to do what a test waits for (connect, answer, send a DWA, log a line): typical
 * waits are tens of milliseconds to a second on an idle host, the bound is 30 s so a busy 2-core machine
 * does not fail a correct test. Every wait ends as soon as the event happens.
 */
export const PEER_WAIT_MS = 30_000;

/** A raw TCP client that collects decoded messages and notices the close. */
export function rawClient(port: number): Promise<{ socket: Socket; messages: DiameterMessage[]; closed: Promise<void>; next(): Promise<DiameterMessage> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const framer = new DiameterFramer();
    const messages: DiameterMessage[] = [];
    const waiters: ((m: DiameterMessage) => void)[] = [];
    socket.on('data', (d) => {
      for (const f of framer.push(d)) {
        const m = decodeMessage(f);
        const w = waiters.shift();
        if (w) w(m);
        else messages.push(m);
      }
    });
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({
      socket, messages, closed,
      next: () => new Promise<DiameterMessage>((r, rj) => {
        const m = messages.shift();
        if (m) return r(m);
        const t = setTimeout(() => rj(new Error(`no message within ${PEER_WAIT_MS} ms`)), PEER_WAIT_MS);
        waiters.push((x) => { clearTimeout(t); r(x); });
      }),
    }));
    socket.once('error', reject);
  });
}

export const until = async (pred: () => boolean, ms = PEER_WAIT_MS, what = 'condition'): Promise<void> => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A loopback TCP port free at the moment of asking (for configs that must name a port before anything listens). */
export const freePort = (): Promise<number> => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
