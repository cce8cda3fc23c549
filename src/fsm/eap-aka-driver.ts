/**
 * The one driver of the EAP-AKA server state machine (./eap-aka-server.ts).
 * The TS.43 back-ends (src/services/eap-auth/backends.ts), the built-in AAA
 * (daemon/diameter/builtin-aaa.ts), the test AAAs and the benchmark all run
 * the server through here:
 *
 *   openEapServer(identity, options, now)        → the server state for a new session
 *   driveEapServer(state, input, { vectors, now }) → { state, outcome }
 *
 * driveEapServer steps the machine with one input (the phone's identity, one
 * of its EAP packets, or a tick) and answers every `need_vector` from the
 * injected AuthVectorSource until the machine has something for the network:
 * a request to send, success, failure, or nothing (a silently discarded
 * packet). It does no I/O of its own; the source does.
 *
 * Also here, for tests and the benchmark: MilenageVectorSource (the `local`
 * back-end's logic over one in-memory subscriber) and runExchange (server and
 * peer played against each other in-process).
 */
import { methodOfIdentity } from '../aka/identity.js';
import { nextSqn, sqnAfterResync } from '../aka/sqn.js';
import type { AuthVector } from '../aka/types.js';
import { generateVector, recoverSqnFromAuts } from '../crypto/milenage.js';
import { AuthVectorError, type AuthVectorRequest, type AuthVectorSource } from '../ports.js';
import type { Secret } from '../util/secret.js';
import type { AkaVariant } from './eap-aka-common.js';
import { stepPeer, type EapPeerAction, type EapPeerState } from './eap-aka-peer.js';
import {
  startServer, step, type EapFailure, type EapServerAction, type EapServerConfig, type EapServerEvent, type EapServerState, type IdentityResolution,
  type IssuedIdentities, type IssueIdentities, type ServerRowId,
} from './eap-aka-server.js';

/** How sessions are configured; the method (EAP-AKA or EAP-AKA') comes from each identity. */
export interface EapServerOptions extends Omit<EapServerConfig, 'variant' | 'networkName'> {
  /** The method for identities without a 3GPP prefix digit. */
  defaultVariant: AkaVariant;
  /** AT_KDF_INPUT for EAP-AKA' sessions (RFC 5448 §3.1); default "WLAN". */
  networkName?: string;
}

/** The server state for a session that begins with `identity` (EAP-Response/Identity or TS.43 EAP_ID). */
export function openEapServer(identity: string, opts: EapServerOptions, now: number, startOpts: { identifier?: number } = {}): EapServerState {
  const { defaultVariant, networkName, ...rest } = opts;
  const variant = methodOfIdentity(identity, defaultVariant);
  return startServer({ ...rest, variant, ...(variant === 'aka-prime' ? { networkName: networkName ?? 'WLAN' } : {}) }, now, startOpts);
}

/** What the network sees after one input. */
export type EapDriveOutcome =
  /** An EAP-Request for the peer (AKA-Identity, AKA-Challenge, AKA-Notification). */
  | { type: 'request'; packet: Buffer }
  | { type: 'success'; packet: Buffer; imsi: string; identity: string; msk: Secret<Buffer>; emsk: Secret<Buffer>; reauth: boolean; issued?: IssuedIdentities }
  | ({ type: 'failure'; packet: Buffer } & EapFailure)
  /** The input was silently discarded (stale Identifier, RFC 3748 §4.1) or was a tick: nothing to send. */
  | { type: 'none' }
  /** The input is not declared in the session's phase: nothing happened. */
  | { type: 'refused'; detail: string };

export type EapDriveInput = Extract<EapServerEvent, { type: 'identity' | 'eap' | 'tick' }>;

export interface EapDriveContext {
  vectors: AuthVectorSource;
  now: () => number;
  /** The source hands out CK'/IK' for EAP-AKA' (an HSS over SWx, TS 29.273 §8.2.3.1); the local store hands out CK/IK. */
  sourceGivesPrimeKeys?: boolean;
  /** Pseudonyms and fast re-authentication (RFC 4187 §4.1, §5); without it every non-permanent identity is unknown. */
  identities?: EapIdentityPort;
}

/** Where pseudonyms and re-auth identities live (the built-in AAA keeps them in the store). */
export interface EapIdentityPort {
  /** Resolve a pseudonym or re-auth identity. A re-auth context returned is consumed: its identity is single-use. */
  resolve(identity: string, opts: { variant: AkaVariant; allowReauth: boolean }): Promise<IdentityResolution>;
  /** The identities to issue to `imsi` in this challenge (with a fresh IV), or undefined for none. */
  issue(imsi: string, variant: AkaVariant): Promise<IssueIdentities | undefined>;
}

export interface EapDriveResult {
  state: EapServerState;
  outcome: EapDriveOutcome;
  /** The declared rows taken, in order (tests walk the table with these). */
  rows: ServerRowId[];
}

function outward(a: Exclude<EapServerAction, { type: 'need_vector' | 'resolve_identity' }>): EapDriveOutcome {
  switch (a.type) {
    case 'send':
      return { type: 'request', packet: a.packet };
    case 'success':
      return { type: 'success', packet: a.packet, imsi: a.imsi, identity: a.identity, msk: a.msk, emsk: a.emsk, reauth: a.reauth, ...(a.issued ? { issued: a.issued } : {}) };
    case 'failure':
      return a.clientErrorCode !== undefined
        ? { type: 'failure', packet: a.packet, reason: a.reason, clientErrorCode: a.clientErrorCode }
        : { type: 'failure', packet: a.packet, reason: a.reason };
  }
}

/** The vector event for a need_vector: the source's vector, or its typed refusal. Other errors propagate. */
async function vectorEvent(state: EapServerState, need: Extract<EapServerAction, { type: 'need_vector' }>, ctx: EapDriveContext): Promise<EapServerEvent> {
  const variant = state.cfg.variant;
  const req: AuthVectorRequest = { imsi: need.imsi, variant, ...(need.resync ? { resync: need.resync } : {}) };
  try {
    const vector = await ctx.vectors.getVector(req);
    const issue = ctx.identities ? await ctx.identities.issue(need.imsi, variant) : undefined;
    return { type: 'vector', vector, ...(variant === 'aka-prime' && ctx.sourceGivesPrimeKeys ? { ckIkArePrime: true } : {}), ...(issue ? { issue } : {}) };
  } catch (e) {
    if (e instanceof AuthVectorError) return { type: 'vector_error', reason: e.kind };
    throw e;
  }
}

/** Step the server with one input and run it until it has something for the network. */
export async function driveEapServer(state: EapServerState, input: EapDriveInput, ctx: EapDriveContext): Promise<EapDriveResult> {
  const rows: ServerRowId[] = [];
  let event: EapServerEvent | null = input;
  let outcome: EapDriveOutcome = { type: 'none' };
  while (event) {
    const r = step(state, event, ctx.now());
    if (r.refused) return { state, outcome: { type: 'refused', detail: r.refused }, rows };
    state = r.state;
    rows.push(r.row!);
    event = null;
    for (const a of r.actions) {
      if (a.type === 'need_vector') event = await vectorEvent(state, a, ctx);
      else if (a.type === 'resolve_identity') {
        const result: IdentityResolution = ctx.identities
          ? await ctx.identities.resolve(a.identity, { variant: state.cfg.variant, allowReauth: a.allowReauth })
          : { kind: 'unknown' };
        event = { type: 'identity_resolved', result };
      } else outcome = outward(a);
    }
  }
  return { state, outcome, rows };
}

// ---------------------------------------------------------------- in-process, for tests and the benchmark

export interface MilenageSubscriber {
  k: Secret<Buffer>;
  opc: Secret<Buffer>;
  amf: number;
  /** SQN_HE: the SQN of the last vector issued. */
  sqn: bigint;
}

/**
 * The `local` back-end's logic over one subscriber held in memory: verify AUTS and move SQN_HE on
 * resync (TS 33.102 §6.3.5), then issue the next vector. `sub.sqn` advances.
 */
export class MilenageVectorSource implements AuthVectorSource {
  constructor(
    readonly sub: MilenageSubscriber,
    private readonly rand: () => Buffer,
  ) {}
  async getVector(req: AuthVectorRequest): Promise<AuthVector> {
    const sub = this.sub;
    if (req.resync) {
      const r = recoverSqnFromAuts({ k: sub.k, opc: sub.opc, rand: req.resync.rand, auts: req.resync.auts });
      if (!r.ok) throw new AuthVectorError('resync_failed', 'AUTS MAC-S does not verify');
      sub.sqn = sqnAfterResync(r.sqnMs, sub.sqn);
    }
    sub.sqn = nextSqn(sub.sqn);
    return generateVector({ k: sub.k, opc: sub.opc, amf: sub.amf, sqn: sub.sqn, rand: this.rand() });
  }
}

export interface ExchangeResult {
  server: EapServerState;
  peer: EapPeerState;
  sqnHe: bigint;
  outcomes: EapDriveOutcome[];
  peerActions: EapPeerAction[];
  rows: ServerRowId[];
  /** Every packet on the wire, in order, with its direction. */
  wire: { from: 'server' | 'peer'; packet: Buffer }[];
}

/**
 * Run one authentication to its end, server against peer. `tamper` may rewrite any packet the
 * peer sends (to test a rejected response). `now` is fixed: no clock is read.
 */
export async function runExchange(args: {
  server: EapServerConfig;
  peer: EapPeerState;
  sub: MilenageSubscriber;
  rand: () => Buffer;
  identity?: string;
  now?: number;
  tamper?: (packet: Buffer, index: number) => Buffer;
  maxSteps?: number;
  /** Pseudonyms / fast re-authentication; `save` keeps what a successful session issued. */
  identities?: EapIdentityPort & { save?(imsi: string, issued: IssuedIdentities | undefined): Promise<void> };
}): Promise<ExchangeResult> {
  const now = args.now ?? 0;
  const source = new MilenageVectorSource({ ...args.sub }, args.rand);
  const ctx: EapDriveContext = { vectors: source, now: () => now, ...(args.identities ? { identities: args.identities } : {}) };
  let server = startServer(args.server, now);
  let peer = args.peer;
  const outcomes: EapDriveOutcome[] = [];
  const peerActions: EapPeerAction[] = [];
  const rows: ServerRowId[] = [];
  const wire: ExchangeResult['wire'] = [];
  let input: EapDriveInput | null = { type: 'identity', identity: args.identity ?? peer.identity };
  let sent = 0;
  for (let i = 0; input && i < (args.maxSteps ?? 50); i++) {
    const r = await driveEapServer(server, input, ctx);
    server = r.state;
    rows.push(...r.rows);
    outcomes.push(r.outcome);
    if (r.outcome.type === 'success') await args.identities?.save?.(r.outcome.imsi, r.outcome.issued);
    input = null;
    if (r.outcome.type !== 'request' && r.outcome.type !== 'success' && r.outcome.type !== 'failure') break;
    wire.push({ from: 'server', packet: r.outcome.packet });
    const pr = stepPeer(peer, { type: 'eap', packet: r.outcome.packet, iv: args.rand() });
    peer = pr.state;
    for (const pa of pr.actions) {
      peerActions.push(pa);
      if (pa.type !== 'send') continue;
      const out = args.tamper ? args.tamper(pa.packet, sent) : pa.packet;
      sent++;
      wire.push({ from: 'peer', packet: out });
      input = { type: 'eap', packet: out };
    }
  }
  return { server, peer, sqnHe: source.sub.sqn, outcomes, peerActions, rows, wire };
}
