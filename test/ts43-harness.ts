/**
 * Test harness for the TS.43 server tests: a real fastify listener on
 * 127.0.0.1:0 with the TS.43 plugin, a memory store, a hand-driven clock, a
 * Milenage vector source over in-memory SIMs (the `local` back-end), and a
 * UE that speaks the wire contract of TS43.md with the peer state machine.
 */
import type { Registry } from 'prom-client';
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { resolveConfig, type OmnisepConfig } from '../src/contracts/config.js';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { ActivityService } from '../src/services/activity.js';
import { AuthVectorError, type AuthVectorRequest, type AuthVectorSource, type Store } from '../src/ports.js';
import type { AuthVector } from '../src/aka/types.js';
import type { DaemonEvent } from '../src/contracts/events.js';
import { generateVector, recoverSqnFromAuts } from '../src/crypto/milenage.js';
import { nextSqn, sqnAfterResync } from '../src/aka/sqn.js';
import { startPeer, stepPeer, type EapPeerState } from '../src/fsm/eap-aka-peer.js';
import { Secret } from '../src/util/secret.js';
import ts43Plugin, { SESSION_COOKIE, type Ts43Context } from '../daemon/http/ts43/index.js';
import type { EapBackend } from '../src/services/eap-auth/backends.js';
import { buildServices, type Services } from '../daemon/services.js';

/** TS 35.208 test set 1 keys (fixtures/vectors/ts35208-milenage.json). */
export const SIM1 = {
  imsi: '001010000000001',
  k: Buffer.from('465b5ce8b199b49faa5f0a2ee238a6bc', 'hex'),
  opc: Buffer.from('cd63cb71954a9f4e48a5994e37a02baf', 'hex'),
};
export const SIM2 = {
  imsi: '001010000000002',
  k: Buffer.from('0396eb317b6d1c36f19c1c84cd6ffd16', 'hex'),
  opc: Buffer.from('53c15671c60a4b731c55b4a441c0bde2', 'hex'),
};
export const naiOf = (imsi: string): string => `0${imsi}@nai.epc.mnc001.mcc001.3gppnetwork.org`;
export const ANDROID_UA = 'PRD-TS43 term-Goog/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14';

/** The local back-end's AuC for tests: SQN per SIM, resync by AUTS (TS 33.102 §6.3.5). */
export class TestVectorSource implements AuthVectorSource {
  readonly sqn = new Map<string, bigint>();
  down = false;
  calls = 0;
  constructor(readonly sims: ReadonlyArray<{ imsi: string; k: Buffer; opc: Buffer }>) {
    for (const s of sims) this.sqn.set(s.imsi, 32n);
  }
  async getVector(req: AuthVectorRequest): Promise<AuthVector> {
    this.calls++;
    if (this.down) throw new AuthVectorError('unavailable', 'HSS unreachable');
    const sim = this.sims.find((s) => s.imsi === req.imsi);
    if (!sim) throw new AuthVectorError('user_unknown', `unknown IMSI ${req.imsi}`);
    let cur = this.sqn.get(sim.imsi)!;
    if (req.resync) {
      const r = recoverSqnFromAuts({ k: sim.k, opc: sim.opc, rand: req.resync.rand, auts: req.resync.auts });
      if (!r.ok) throw new AuthVectorError('resync_failed', 'MAC-S check failed');
      cur = sqnAfterResync(r.sqnMs, cur);
    }
    const sqn = nextSqn(cur);
    this.sqn.set(sim.imsi, sqn);
    return generateVector({ k: sim.k, opc: sim.opc, amf: 0x8000, sqn, rand: randomBytes(16) });
  }
}

export interface Harness {
  url: string;
  app: FastifyInstance;
  ctx: Ts43Context & { store: Store; services: Services };
  events: DaemonEvent[];
  clock: { now(): number; advance(ms: number): void };
  vectors: TestVectorSource;
  close(): Promise<void>;
}

/** One SIM authenticated many times from loopback: the EAP session limits raised (docs/eap-aka.md § Limits). */
export const LOOPBACK_EAP_LIMITS = ['eap_aka.max_sessions_per_imsi=100000', 'eap_aka.client_rate_per_s=1000000', 'eap_aka.client_burst=1000000'];

export async function startHarness(opts: {
  sets?: string[]; backend?: EapBackend; sims?: Array<{ imsi: string; k: Buffer; opc: Buffer }>; realClock?: boolean;
  /** Keep the default EAP session limits (else LOOPBACK_EAP_LIMITS). */
  defaultLimits?: boolean;
  metrics?: Registry;
} = {}): Promise<Harness> {
  const config: OmnisepConfig = resolveConfig({
    env: {},
    sets: ['eap_aka.backend=local', 'token.signing_secret=test-signing-secret-for-ts43', 'server.fqdn=127.0.0.1', 'eap_aka.session_timeout_ms=30000', ...(opts.defaultLimits ? [] : LOOPBACK_EAP_LIMITS), ...(opts.sets ?? [])],
  });
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const clock = opts.realClock ? { now: () => Date.now(), advance: () => { throw new Error('real clock'); } } : { now: () => now, advance: (ms: number) => void (now += ms) };
  const store = createMemoryStore();
  const events: DaemonEvent[] = [];
  // As the daemon's bus: observers see every event (the websheet withdraws a grant on a token revoke).
  const observers: Array<(e: DaemonEvent) => void> = [];
  const sink = { emit: (e: DaemonEvent) => { events.push(e); for (const o of observers) o(e); }, observe: (fn: (e: DaemonEvent) => void) => void observers.push(fn) };
  const random = { bytes: (n: number) => randomBytes(n), uuid: () => randomUUID() };
  const activity = new ActivityService({ log: store.activity, events: sink, clock, random });
  const vectors = new TestVectorSource(opts.sims ?? [SIM1, SIM2]);
  // The services as the composition root builds them (daemon/services.ts); sweeps are driven by the tests.
  const services = buildServices({ config, store, clock, random, events: sink, activity, ...(opts.metrics ? { metrics: opts.metrics } : {}) }, { backends: { vectorSource: vectors }, ...(opts.backend ? { eapBackend: opts.backend } : {}) });
  await services.eapAuth.recover();
  const ctx = { config, store, clock, random, activity, services, events: sink, ...(opts.metrics ? { metrics: opts.metrics } : {}) };
  const app = Fastify({ logger: false });
  await app.register(ts43Plugin, { ctx });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  // URLs sent to phones are built from server.fqdn and the listening port, as the daemon does (never the Host header).
  Object.assign(ctx, { listeners: { http: { port } } });
  return { url: `http://127.0.0.1:${port}/`, app, ctx, events, clock, vectors, close: () => app.close() };
}

// ---------------------------------------------------------------------------
// The UE: Android's wire contract (TS43.md § EAP-AKA, client contract)

export interface UeOptions {
  url: string;
  /** Where the EAP-Response POSTs go (default `url`): another daemon of the cluster. */
  postUrl?: string;
  imsi: string;
  k: Buffer;
  opc: Buffer;
  sqnMs?: bigint;
  apps?: string[];
  /** POST mode for the first request (JSON body, app as "[a,b]"). */
  post?: boolean;
  accept?: string;
  terminalId?: string;
  appName?: string;
  userAgent?: string;
  entitlementVersion?: string;
  /** EAP-AKA' (identity prefix 6). */
  akaPrime?: boolean;
  /** Adjust the peer before it answers the first challenge (e.g. the AKA-Identity packets a relay exchanged for it). */
  preparePeer?: (peer: EapPeerState) => EapPeerState;
}

export interface UeStep {
  status: number;
  contentType: string;
  body: string;
  headers: Headers;
}

export interface UeResult {
  steps: UeStep[];
  final: UeStep;
  cookie: string | null;
  peer: EapPeerState;
}

export const ACCEPT_ANDROID = 'application/vnd.gsma.eap-relay.v1.0+json, application/json, text/vnd.wap.connectivity-xml';

async function send(url: string, init: RequestInit): Promise<UeStep> {
  const r = await fetch(url, init);
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', body: await r.text(), headers: r.headers };
}

export function firstRequestUrl(o: UeOptions): string {
  const u = new URL(o.url);
  const q = u.searchParams;
  q.set('EAP_ID', o.akaPrime ? `6${naiOf(o.imsi).slice(1)}` : naiOf(o.imsi));
  q.set('terminal_id', o.terminalId ?? '356938035643809');
  q.set('terminal_vendor', 'Goog');
  q.set('terminal_model', 'Pixel 8');
  q.set('terminal_sw_version', 'UP1A.231005');
  q.set('entitlement_version', o.entitlementVersion ?? '2.0');
  q.set('vers', '0');
  q.set('app_name', o.appName ?? 'com.google.android.ims');
  for (const a of o.apps ?? ['ap2004']) q.append('app', a);
  return u.toString();
}

/** Full EAP-AKA: first request, challenge(s) answered by the peer FSM, until a non-relay answer. */
export async function runUe(o: UeOptions): Promise<UeResult> {
  const nai = o.akaPrime ? `6${naiOf(o.imsi).slice(1)}` : naiOf(o.imsi);
  let peer = startPeer({ imsi: o.imsi, k: new Secret(o.k), opc: new Secret(o.opc), sqnMs: o.sqnMs ?? 0n, variant: o.akaPrime ? 'aka-prime' : 'aka', mncLength: 3, identity: nai });
  const ua = o.userAgent ?? ANDROID_UA;
  const steps: UeStep[] = [];
  let first: UeStep;
  if (o.post) {
    const body = {
      EAP_ID: o.akaPrime ? `6${naiOf(o.imsi).slice(1)}` : naiOf(o.imsi),
      terminal_id: o.terminalId ?? '356938035643809',
      terminal_vendor: 'Goog',
      terminal_model: 'Pixel 8',
      entitlement_version: o.entitlementVersion ?? '2.0',
      vers: '0',
      app: `[${(o.apps ?? ['ap2004']).join(',')}]`,
      app_name: o.appName ?? 'com.google.android.ims',
    };
    first = await send(o.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/vnd.gsma.eap-relay.v1.0+json', 'user-agent': ua }, body: JSON.stringify(body) });
  } else {
    first = await send(firstRequestUrl(o), { headers: { accept: 'application/vnd.gsma.eap-relay.v1.0+json', 'user-agent': ua } });
  }
  steps.push(first);
  const setCookie = first.headers.get('set-cookie');
  const cookie = setCookie ? setCookie.split(';')[0]! : null;
  let cur = first;
  if (o.preparePeer) peer = o.preparePeer(peer);
  for (let round = 0; round < 6 && cur.status === 200 && cur.contentType.startsWith('application/vnd.gsma.eap-relay.v1.0+json'); round++) {
    const packet = Buffer.from((JSON.parse(cur.body) as { 'eap-relay-packet': string })['eap-relay-packet'], 'base64');
    const r = stepPeer(peer, { type: 'eap', packet });
    peer = r.state;
    const out = r.actions.find((a) => a.type === 'send');
    if (!out || out.type !== 'send') break;
    cur = await send(o.postUrl ?? o.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/vnd.gsma.eap-relay.v1.0+json',
        accept: o.accept ?? ACCEPT_ANDROID,
        'user-agent': ua,
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify({ 'eap-relay-packet': out.packet.toString('base64') }),
    });
    steps.push(cur);
  }
  return { steps, final: cur, cookie, peer };
}

export { SESSION_COOKIE };
