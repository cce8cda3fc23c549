/**
 * A small TS.43 entitlement server for the simulator's tests: real EAP-AKA
 * (the pure server FSM src/fsm/eap-aka-server.ts through its driver, with Milenage vectors and
 * SQN resync from AUTS), the Android relay contract (cookie, bare-URL POST,
 * `{"eap-relay-packet"}`), a provisioning document with a TOKEN, token
 * re-authentication. Knobs make it misbehave the ways real servers do, so
 * the simulator's checks can be shown to fire. Loopback only, port 0.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { generateVector, recoverSqnFromAuts } from '../src/crypto/milenage.js';
import { nextSqn, sqnAfterResync } from '../src/aka/sqn.js';
import { startServer, type EapServerState } from '../src/fsm/eap-aka-server.js';
import { driveEapServer } from '../src/fsm/eap-aka-driver.js';
import { AuthVectorError, type AuthVectorSource } from '../src/ports.js';

export interface MiniSubscriber {
  k: Buffer;
  opc: Buffer;
  amf: number;
  /** SQN_HE: the last SQN used. */
  sqn: bigint;
}

export interface MiniServerOptions {
  subscribers: Record<string, MiniSubscriber>;
  variant?: 'aka' | 'aka-prime';
  /** Send the EAP-Success packet instead of the document (what Android throws on). */
  sendEapSuccess?: boolean;
  /** Set a different cookie value on every answer (Android ignores later Set-Cookie). */
  rotateCookie?: boolean;
  /** Max-Age without Expires; the value in quotes, as some stacks send it. */
  quoteCookie?: boolean;
  /** gzip the answers when the client asks. */
  gzip?: boolean;
  /** Answer EAP packets in base64url (Android garbles them). */
  base64url?: boolean;
}

interface Session {
  fsm: EapServerState;
  imsi: string;
  apps: string[];
  terminalId: string;
  cookie: string;
}

export interface MiniServer {
  url: string;
  app: FastifyInstance;
  /** Every request as the server saw it (method, url, raw headers, body). */
  seen: Array<{ method: string; url: string; rawHeaders: string[]; body: unknown }>;
  tokens: Map<string, string>;
  subscribers: Record<string, MiniSubscriber>;
  close(): Promise<void>;
}

const RELAY = 'application/vnd.gsma.eap-relay.v1.0+json';

export async function startMiniServer(opts: MiniServerOptions): Promise<MiniServer> {
  const app = Fastify({ logger: false });
  const sessions = new Map<string, Session>();
  const tokens = new Map<string, string>(); // token → imsi
  const seen: MiniServer['seen'] = [];
  const variant = opts.variant ?? 'aka';

  app.addContentTypeParser([RELAY], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch (e) {
      done(e as Error);
    }
  });
  app.addHook('onRequest', async (req) => {
    seen.push({ method: req.method, url: req.url, rawHeaders: req.raw.rawHeaders, body: undefined });
  });
  app.addHook('preHandler', async (req) => {
    seen.at(-1)!.body = req.body;
  });

  const send = (reply: FastifyReply, req: { headers: Record<string, unknown> }, status: number, type: string, body: string) => {
    reply.code(status).header('content-type', type);
    if (opts.gzip && String(req.headers['accept-encoding'] ?? '').includes('gzip')) {
      return reply.header('content-encoding', 'gzip').send(gzipSync(body));
    }
    return reply.send(body);
  };

  const document = (imsi: string, apps: string[], withToken: boolean): string => {
    let token = '';
    if (withToken) {
      const t = randomBytes(18).toString('base64');
      tokens.set(t, imsi);
      token = `<characteristic type="TOKEN"><parm name="token" value="${t}"/><parm name="validity" value="3600"/></characteristic>`;
    }
    const appXml = apps
      .map((a) => `<characteristic type="APPLICATION"><parm name="AppID" value="${a}"/><parm name="EntitlementStatus" value="1"/><parm name="ServiceFlow_UserData" value="token=websheet-credential&amp;x=1"/></characteristic>`)
      .join('');
    return `<?xml version="1.0"?><wap-provisioningdoc version="1.1"><characteristic type="VERS"><parm name="version" value="7"/><parm name="validity" value="86400"/></characteristic>${token}${appXml}</wap-provisioningdoc>`;
  };

  const cookieHeader = (value: string): string =>
    opts.quoteCookie ? `SEPSESSION="${value}"; Max-Age=300; Path=/; HttpOnly` : `SEPSESSION=${value}; Path=/; HttpOnly`;

  const relay = (packet: Buffer): string =>
    JSON.stringify({ 'eap-relay-packet': opts.base64url ? packet.toString('base64url') : packet.toString('base64') });

  /** Milenage vectors over the subscribers above, SQN resync from AUTS (TS 33.102 §6.3.5). */
  const vectors: AuthVectorSource = {
    async getVector(r) {
      const sub = opts.subscribers[r.imsi];
      if (!sub) throw new AuthVectorError('user_unknown', 'no such subscriber');
      if (r.resync) {
        const rec = recoverSqnFromAuts({ k: sub.k, opc: sub.opc, rand: r.resync.rand, auts: r.resync.auts });
        if (!rec.ok) throw new AuthVectorError('resync_failed', 'AUTS MAC-S does not verify');
        sub.sqn = sqnAfterResync(rec.sqnMs, sub.sqn);
      }
      sub.sqn = nextSqn(sub.sqn);
      return generateVector({ k: sub.k, opc: sub.opc, amf: sub.amf, sqn: sub.sqn, rand: randomBytes(16) });
    },
  };
  const ctx = { vectors, now: Date.now };

  const appsOf = (q: Record<string, unknown>): string[] => {
    const raw = q.app;
    const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
    return list.flatMap((x) => x.replace(/[[\]]/g, '').split(',')).filter(Boolean);
  };

  async function start(req: { headers: Record<string, unknown> }, reply: FastifyReply, q: Record<string, unknown>) {
    if (typeof q.IMSI === 'string' && typeof q.token === 'string') {
      if (tokens.get(q.token) !== q.IMSI) return send(reply, req, 511, 'text/plain', 'token invalid');
      return send(reply, req, 200, 'text/vnd.wap.connectivity-xml', document(q.IMSI, appsOf(q), false));
    }
    if (typeof q.EAP_ID !== 'string') return send(reply, req, 400, 'text/plain', 'Missing required parameters: ["EAP_ID"]');
    const fsm0 = startServer({ variant, networkName: 'WLAN', maxResync: 3, timeoutMs: 30_000, identityRound: 'never' }, Date.now());
    const r = await driveEapServer(fsm0, { type: 'identity', identity: q.EAP_ID }, ctx);
    const s: Session = { fsm: r.state, imsi: q.EAP_ID.slice(1, 16), apps: appsOf(q), terminalId: String(q.terminal_id ?? ''), cookie: randomUUID() };
    const a = r.outcome;
    if (a.type !== 'request') return send(reply, req, 403, 'text/plain', 'forbidden');
    sessions.set(s.cookie, s);
    reply.header('set-cookie', cookieHeader(s.cookie));
    return send(reply, req, 200, RELAY, relay(a.packet));
  }

  app.get('/', async (req, reply) => start(req, reply, req.query as Record<string, unknown>));

  app.post('/', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!('eap-relay-packet' in body)) return start(req, reply, body);
    const cookie = /SEPSESSION="?([^";]+)"?/.exec(String(req.headers.cookie ?? ''))?.[1];
    const s = cookie ? sessions.get(cookie) : undefined;
    if (!s) return send(reply, req, 403, 'text/plain', 'no session');
    const r = await driveEapServer(s.fsm, { type: 'eap', packet: Buffer.from(String(body['eap-relay-packet']), 'base64') }, ctx);
    s.fsm = r.state;
    const a = r.outcome;
    if (opts.rotateCookie) reply.header('set-cookie', cookieHeader(randomUUID()));
    if (a.type === 'request') return send(reply, req, 200, RELAY, relay(a.packet));
    sessions.delete(s.cookie);
    if (a.type === 'success') {
      if (opts.sendEapSuccess) return send(reply, req, 200, RELAY, relay(a.packet));
      const accept = String(req.headers.accept ?? '');
      if (accept.includes('text/vnd.wap.connectivity-xml')) return send(reply, req, 200, 'text/vnd.wap.connectivity-xml', document(s.imsi, s.apps, true));
      return send(reply, req, 200, 'application/json', JSON.stringify({ Vers: { version: '7' }, ...Object.fromEntries(s.apps.map((x) => [x, { EntitlementStatus: '1' }])) }));
    }
    return send(reply, req, 403, 'text/plain', `authentication failed: ${a.type === 'failure' ? a.reason : ''}`);
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}/`, app, seen, tokens, subscribers: opts.subscribers, close: () => app.close() };
}

