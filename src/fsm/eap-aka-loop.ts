/**
 * An in-process EAP-AKA exchange: a Milenage vector source (the `local`
 * back-end's logic, without a store) and a loop that plays server and peer
 * against each other. Pure apart from the injected RAND source; used by the
 * tests, the benchmark and as the reference for wiring the daemon.
 */
import { generateVector, recoverSqnFromAuts } from '../crypto/milenage.js';
import { nextSqn, sqnAfterResync } from '../aka/sqn.js';
import type { AuthVector } from '../aka/types.js';
import type { Secret } from '../util/secret.js';
import { startServer, step, type EapServerAction, type EapServerConfig, type EapServerEvent, type EapServerState } from './eap-aka-server.js';
import { stepPeer, type EapPeerAction, type EapPeerState } from './eap-aka-peer.js';

export interface MilenageSubscriber {
  k: Secret<Buffer>;
  opc: Secret<Buffer>;
  amf: number;
  /** SQN_HE: the SQN of the last vector issued. */
  sqn: bigint;
}

/**
 * What the `local` back-end does on need_vector: verify AUTS and move SQN_HE on resync
 * (TS 33.102 §6.3.5), then issue the next vector. Returns the event for step() and the new SQN_HE.
 */
export function answerNeedVector(
  sub: MilenageSubscriber,
  need: Extract<EapServerAction, { type: 'need_vector' }>,
  rand: Buffer,
): { event: EapServerEvent; sqn: bigint } {
  let sqn = sub.sqn;
  if (need.resync) {
    const r = recoverSqnFromAuts({ k: sub.k, opc: sub.opc, rand: need.resync.rand, auts: need.resync.auts });
    if (!r.ok) return { event: { type: 'vector_error', reason: 'resync_failed' }, sqn };
    sqn = sqnAfterResync(r.sqnMs, sqn);
  }
  sqn = nextSqn(sqn);
  const vector: AuthVector = generateVector({ k: sub.k, opc: sub.opc, amf: sub.amf, sqn, rand });
  return { event: { type: 'vector', vector }, sqn };
}

export interface ExchangeResult {
  server: EapServerState;
  peer: EapPeerState;
  sqnHe: bigint;
  serverActions: EapServerAction[];
  peerActions: EapPeerAction[];
  /** Every packet on the wire, in order, with its direction. */
  wire: { from: 'server' | 'peer'; packet: Buffer }[];
}

/**
 * Run one authentication to its end. `tamper` may rewrite any packet the peer sends
 * (to test a rejected response). `now` is fixed: no clock is read.
 */
export function runExchange(args: {
  server: EapServerConfig;
  peer: EapPeerState;
  sub: MilenageSubscriber;
  rand: () => Buffer;
  identity?: string;
  now?: number;
  tamper?: (packet: Buffer, index: number) => Buffer;
  maxSteps?: number;
}): ExchangeResult {
  const now = args.now ?? 0;
  let server = startServer(args.server, now);
  let peer = args.peer;
  let sqnHe = args.sub.sqn;
  const serverActions: EapServerAction[] = [];
  const peerActions: EapPeerAction[] = [];
  const wire: ExchangeResult['wire'] = [];
  const queue: EapServerEvent[] = [{ type: 'identity', identity: args.identity ?? peer.identity }];
  let sent = 0;
  for (let i = 0; queue.length > 0 && i < (args.maxSteps ?? 50); i++) {
    const r = step(server, queue.shift()!, now);
    server = r.state;
    for (const a of r.actions) {
      serverActions.push(a);
      if (a.type === 'need_vector') {
        const ans = answerNeedVector({ ...args.sub, sqn: sqnHe }, a, args.rand());
        sqnHe = ans.sqn;
        queue.push(ans.event);
        continue;
      }
      wire.push({ from: 'server', packet: a.packet });
      const pr = stepPeer(peer, { type: 'eap', packet: a.packet });
      peer = pr.state;
      for (const pa of pr.actions) {
        peerActions.push(pa);
        if (pa.type !== 'send') continue;
        const out = args.tamper ? args.tamper(pa.packet, sent) : pa.packet;
        sent++;
        wire.push({ from: 'peer', packet: out });
        queue.push({ type: 'eap', packet: out });
      }
    }
  }
  return { server, peer, sqnHe, serverActions, peerActions, wire };
}
