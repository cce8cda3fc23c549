/**
 * The EAP-AKA server state as data, so a session in flight can be kept in the
 * shared `eap_state` collection and the next step taken by another daemon
 * (docs/eap-aka.md § Sessions across daemons).
 *
 * storeServerState() splits the state in two: `plain` (phase, config,
 * identifiers, RAND, identity round packets — nothing that authenticates
 * anyone) and `secret` (XRES, K_aut, MSK, EMSK: the only key material the
 * state holds; MK, K_encr, CK and IK are never kept after the challenge is
 * built). The caller seals `secret` (src/crypto/seal.ts) before it leaves the
 * process. Pure.
 *
 * Not stored: the identities a challenge issues and a fast re-authentication
 * round in flight. Only the built-in AAA enables them (resolveIdentities, the
 * `issue` of a vector event) and it keeps its sessions in its own memory;
 * storeServerState refuses such a state rather than lose them silently.
 */
import { Secret } from '../util/secret.js';
import type { EapChallenge, EapFailure, EapServerConfig, EapServerPhase, EapServerState, IdRequest } from './eap-aka-server.js';

export interface StoredServerState {
  v: 1;
  phase: EapServerPhase;
  cfg: EapServerConfig;
  identifier: number;
  imsi?: string;
  identity?: string;
  started_at: number;
  resync_count: number;
  /** base64 */
  identity_packets: string[];
  /** base64; present when a challenge is outstanding (its keys are in the secret part). */
  rand?: string;
  notified?: 'bad_mac' | 'bad_res';
  failure?: EapFailure;
  id_request?: IdRequest;
  id_rounds?: number;
}

/** XRES, K_aut, MSK, EMSK, each behind one length byte (K_aut is 16 bytes for EAP-AKA, 32 for EAP-AKA'). */
const encodeSecret = (c: EapChallenge): Buffer =>
  Buffer.concat([c.xres, c.kAut, c.msk, c.emsk].flatMap((k) => [Buffer.from([k.reveal().length]), k.reveal()]));

function decodeSecret(b: Buffer): Secret<Buffer>[] {
  const out: Secret<Buffer>[] = [];
  let o = 0;
  while (o < b.length) {
    const n = b[o]!;
    if (o + 1 + n > b.length) throw new RangeError('eap_state: bad key block');
    out.push(new Secret(Buffer.from(b.subarray(o + 1, o + 1 + n))));
    o += 1 + n;
  }
  if (out.length !== 4) throw new RangeError('eap_state: bad key block');
  return out;
}

export function storeServerState(s: EapServerState): { plain: StoredServerState; secret: Buffer | null } {
  if (s.reauth || s.challenge?.issued) throw new RangeError('eap_state: identities issued or a re-authentication in flight are not stored');
  const plain: StoredServerState = {
    v: 1, phase: s.phase, cfg: { ...s.cfg }, identifier: s.identifier, started_at: s.startedAt, resync_count: s.resyncCount,
    identity_packets: s.identityPackets.map((b) => b.toString('base64')),
    ...(s.imsi !== undefined ? { imsi: s.imsi } : {}),
    ...(s.identity !== undefined ? { identity: s.identity } : {}),
    ...(s.challenge ? { rand: s.challenge.rand.toString('base64') } : {}),
    ...(s.notified ? { notified: s.notified } : {}),
    ...(s.failure ? { failure: { ...s.failure } } : {}),
    ...(s.idRequest ? { id_request: s.idRequest } : {}),
    ...(s.idRounds !== undefined ? { id_rounds: s.idRounds } : {}),
  };
  return { plain, secret: s.challenge ? encodeSecret(s.challenge) : null };
}

/** The inverse of storeServerState. Throws RangeError on a record it did not write. */
export function loadServerState(plain: StoredServerState, secret: Buffer | null): EapServerState {
  if (plain?.v !== 1) throw new RangeError('eap_state: unknown record version');
  let challenge: EapChallenge | undefined;
  if (plain.rand !== undefined) {
    if (!secret) throw new RangeError('eap_state: challenge without its keys');
    const [xres, kAut, msk, emsk] = decodeSecret(secret) as [Secret<Buffer>, Secret<Buffer>, Secret<Buffer>, Secret<Buffer>];
    challenge = { rand: Buffer.from(plain.rand, 'base64'), xres, kAut, msk, emsk };
  }
  return {
    phase: plain.phase, cfg: { ...plain.cfg }, identifier: plain.identifier, startedAt: plain.started_at, resyncCount: plain.resync_count,
    identityPackets: plain.identity_packets.map((b) => Buffer.from(b, 'base64')),
    ...(plain.imsi !== undefined ? { imsi: plain.imsi } : {}),
    ...(plain.identity !== undefined ? { identity: plain.identity } : {}),
    ...(challenge ? { challenge } : {}),
    ...(plain.notified ? { notified: plain.notified } : {}),
    ...(plain.failure ? { failure: { ...plain.failure } } : {}),
    ...(plain.id_request ? { idRequest: plain.id_request } : {}),
    ...(plain.id_rounds !== undefined ? { idRounds: plain.id_rounds } : {}),
  };
}
