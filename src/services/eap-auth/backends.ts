/**
 * The three ways an EAP-AKA exchange is carried out (EAP-AKA.md § back-ends):
 *   swm   — relay to the operator's 3GPP AAA over Diameter SWm (AaaRelay);
 *   swx   — omnisep's own EAP server, vectors from the HSS over SWx;
 *   local — omnisep's own EAP server, vectors from the Milenage store.
 * swx and local share FsmBackend: the pure server state machine
 * (src/fsm/eap-aka-server.ts) fed by an AuthVectorSource.
 *
 * Android parses nothing but AKA-Challenge as the first packet (TS43.md
 * § EAP-AKA step 1), so for a permanent EAP_ID an AKA-Identity request is
 * answered here with AT_IDENTITY = EAP_ID and never relayed. A phone that
 * presents a pseudonym or a fast re-authentication identity (swm only) is an
 * RFC 4187 peer that holds them: its AKA-Identity rounds (AT_FULLAUTH_ID_REQ
 * after an unknown re-auth identity, …) go to it unchanged, and the phone's
 * IMSI is the one the AAA names on success (docs/eap-aka.md § Through TS.43).
 */
import { AaaUnavailableError, type AaaRelay, type AaaRelaySession, type AuthVectorSource } from '../../ports.js';
import { AkaSubtype, EapCode, EapType, attr, decodeEap, encodeEap, isAkaPacket } from '../../codec/eap/index.js';
import { DecodeError } from '../../codec/decode-error.js';
import { describeFailure, FAILURE_CLASS, type EapServerState } from '../../fsm/eap-aka-server.js';
import { driveEapServer, openEapServer, type EapDriveInput, type EapDriveOutcome } from '../../fsm/eap-aka-driver.js';
import { loadServerState, storeServerState, type StoredServerState } from '../../fsm/eap-aka-state.js';
import { describeResult, type DiameterResult } from '../../codec/diameter/result.js';
import { classifyAaaResult } from './result-codes.js';
import { parseIdentity } from '../../aka/identity.js';

/** The IMSI of a permanent identity in root NAI form (`0<IMSI>@realm`, TS 23.003 §19.3.2), else undefined. */
export function imsiOfPermanent(nai: string | undefined): string | undefined {
  if (nai === undefined || !nai.includes('@')) return undefined;
  const p = parseIdentity(nai);
  return p.kind === 'permanent' ? p.imsi : undefined;
}

export type BackendOutcome =
  /** An EAP-Request to relay to the phone (AKA-Challenge, or the next round after a resync). */
  | { type: 'challenge'; packet: Buffer }
  /**
   * `imsi`: the permanent IMSI the back-end authenticated — the AAA's Mobile-Node-Identifier (swm, TS 29.273
   * §7.1.2.1.1) or the EAP server's own (swx/local); absent when the AAA did not name one.
   * `reauth`: it was a fast re-authentication (RFC 4187 §5), when the back-end can tell.
   */
  | { type: 'success'; imsi?: string; reauth?: boolean }
  /** `result`: the AAA's Diameter result when an answer said so (swm), null when none came or the own EAP server decided. */
  | { type: 'failure'; cause: 'rejected' | 'user_unknown' | 'unavailable'; result: DiameterResult | null; detail: string };

export interface BackendSession {
  /** Begin with the phone's EAP_ID; resolves with the first packet for the phone (an AKA-Challenge) or a failure. */
  start(identity: string, imsi: string): Promise<BackendOutcome>;
  /** The phone's EAP-Response. */
  respond(packet: Buffer): Promise<BackendOutcome>;
  /** Diameter Session-Id (swm) for the admin API, else null. */
  readonly aaaSessionId: string | null;
  /** What another daemon needs to take the next step (kept in `eap_state`; the service seals `keys`). */
  save(): SavedBackendSession;
  close(): void;
}

/** A back-end session as data (docs/eap-aka.md § Sessions across daemons). */
export type SavedBackendSession =
  /** swm: the AAA holds the EAP state; the Diameter session is continued by its Session-Id and AAA host. */
  | { kind: 'relay'; identity: string; aaa_session_id: string; server?: string; relay_identity_rounds?: true }
  /** swx/local: the EAP server state; `keys` (XRES, K_aut, MSK, EMSK) must be sealed before it is stored. */
  | { kind: 'fsm'; state: StoredServerState; keys: Buffer | null };

export interface EapBackend {
  readonly name: 'swm' | 'swx' | 'local';
  open(): BackendSession;
  /** Continue a session saved by this or another daemon. Throws RangeError on a record of another kind. */
  resume(saved: SavedBackendSession): BackendSession;
}

/** At most this many AKA-Identity rounds are answered on the phone's behalf. */
const MAX_IDENTITY_ROUNDS = 2;

const identityResponse = (identifier: number, identity: string): Buffer =>
  encodeEap({ code: EapCode.RESPONSE, identifier, type: EapType.IDENTITY, data: Buffer.from(identity, 'utf8') });

// ---------------------------------------------------------------------------
// swm: relay

class RelaySession implements BackendSession {
  #session: AaaRelaySession | null = null;
  #identity = '';
  /** The EAP_ID is a pseudonym or re-auth identity: identity rounds go to the phone (it knows its identities). */
  #relayIdentityRounds = false;
  /** Subtype of the phone's last AKA response (AKA-Reauthentication → the success was a fast re-authentication). */
  #lastSubtype: number | null = null;
  constructor(private readonly relay: AaaRelay) {}

  get aaaSessionId(): string | null {
    return this.#session?.sessionId ?? null;
  }

  async #exchange(packet: Buffer): Promise<BackendOutcome> {
    const s = this.#session!;
    let answer;
    let rounds = 0;
    let out = packet;
    for (;;) {
      try {
        answer = await s.exchange(out);
      } catch (e) {
        if (e instanceof AaaUnavailableError) return { type: 'failure', cause: 'unavailable', result: null, detail: e.message };
        throw e;
      }
      const result = answer.result;
      const cls = classifyAaaResult(result);
      if (cls === 'success') {
        const imsi = imsiOfPermanent(answer.permanentIdentity);
        const reauth = this.#lastSubtype === null ? undefined : this.#lastSubtype === AkaSubtype.AKA_REAUTHENTICATION;
        return { type: 'success', ...(imsi !== undefined ? { imsi } : {}), ...(reauth !== undefined ? { reauth } : {}) };
      }
      if (cls !== 'continue') return { type: 'failure', cause: cls, result, detail: `AAA answered ${describeResult(result)}` };
      if (!answer.eapPayload) return { type: 'failure', cause: 'unavailable', result, detail: 'AAA answered 1001 without EAP-Payload' };
      let req;
      try {
        req = decodeEap(answer.eapPayload);
      } catch (e) {
        if (e instanceof DecodeError) return { type: 'failure', cause: 'unavailable', result, detail: `AAA sent an undecodable EAP packet: ${e.reason}` };
        throw e;
      }
      if (isAkaPacket(req) && req.code === EapCode.REQUEST && req.subtype === AkaSubtype.AKA_IDENTITY && !this.#relayIdentityRounds) {
        if (++rounds > MAX_IDENTITY_ROUNDS) return { type: 'failure', cause: 'unavailable', result, detail: 'AAA keeps asking AKA-Identity' };
        // Answer it ourselves: AT_IDENTITY = EAP_ID (RFC 4187 §9.2; TS43.md: never relay AKA-Identity).
        out = encodeEap({ code: EapCode.RESPONSE, identifier: req.identifier, type: req.type, subtype: AkaSubtype.AKA_IDENTITY, attributes: [attr.identity(this.#identity)] });
        continue;
      }
      if (req.code === EapCode.REQUEST && !isAkaPacket(req) && req.type === EapType.IDENTITY) {
        if (++rounds > MAX_IDENTITY_ROUNDS) return { type: 'failure', cause: 'unavailable', result, detail: 'AAA keeps asking Identity' };
        out = identityResponse(req.identifier, this.#identity);
        continue;
      }
      return { type: 'challenge', packet: answer.eapPayload };
    }
  }

  /** `imsi` '' = the EAP_ID is not a permanent identity (the route decides, docs/ts43.md § Requests). */
  async start(identity: string, imsi: string): Promise<BackendOutcome> {
    this.#identity = identity;
    this.#relayIdentityRounds = imsi === '';
    this.#session = this.relay.open({ userName: identity });
    return this.#exchange(identityResponse(0, identity));
  }

  resume(saved: Extract<SavedBackendSession, { kind: 'relay' }>): this {
    this.#identity = saved.identity;
    this.#relayIdentityRounds = saved.relay_identity_rounds === true;
    this.#session = this.relay.open({ userName: saved.identity, resume: { sessionId: saved.aaa_session_id, server: saved.server } });
    return this;
  }

  save(): SavedBackendSession {
    const s = this.#session;
    if (!s) throw new Error('relay session not started');
    return {
      kind: 'relay', identity: this.#identity, aaa_session_id: s.sessionId, ...(s.server !== undefined ? { server: s.server } : {}),
      ...(this.#relayIdentityRounds ? { relay_identity_rounds: true } : {}),
    };
  }

  respond(packet: Buffer): Promise<BackendOutcome> {
    // The phone's response has the subtype of the request it answers (the session is resumed per POST).
    try {
      const p = decodeEap(packet);
      if (isAkaPacket(p)) this.#lastSubtype = p.subtype;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    return this.#exchange(packet);
  }

  close(): void {
    this.#session?.close();
  }
}

export class RelayBackend implements EapBackend {
  readonly name = 'swm' as const;
  constructor(private readonly relay: AaaRelay) {}
  open(): BackendSession {
    return new RelaySession(this.relay);
  }
  resume(saved: SavedBackendSession): BackendSession {
    if (saved.kind !== 'relay') throw new RangeError('swm back-end: saved session is not a relay session');
    return new RelaySession(this.relay).resume(saved);
  }
}

// ---------------------------------------------------------------------------
// swx / local: own EAP server

export interface FsmBackendOptions {
  /** The method for identities without a 3GPP prefix digit (eap_aka.aka_prime). */
  variant: 'aka' | 'aka-prime';
  networkName?: string;
  maxResync: number;
  timeoutMs: number;
  now: () => number;
  /** The source hands out CK'/IK' for EAP-AKA' (the HSS over SWx, TS 29.273 §8.2.3.1); the local store hands out CK/IK. */
  sourceGivesPrimeKeys?: boolean;
}

/** The driver's outcome → what the TS.43 session does with it. */
function backendOutcome(o: EapDriveOutcome): BackendOutcome {
  switch (o.type) {
    case 'request':
      return { type: 'challenge', packet: o.packet };
    case 'success':
      return { type: 'success', imsi: o.imsi, reauth: o.reauth };
    case 'failure':
      return { type: 'failure', cause: FAILURE_CLASS[o.reason], result: null, detail: describeFailure(o) };
    case 'none':
      return { type: 'failure', cause: 'rejected', result: null, detail: 'EAP server gave no answer' };
    case 'refused':
      return { type: 'failure', cause: 'rejected', result: null, detail: o.detail };
  }
}

class FsmSession implements BackendSession {
  #state: EapServerState | null = null;
  readonly aaaSessionId = null;
  constructor(
    private readonly source: AuthVectorSource,
    private readonly opts: FsmBackendOptions,
  ) {}

  async #run(input: EapDriveInput): Promise<BackendOutcome> {
    const ctx = { vectors: this.source, now: this.opts.now, ...(this.opts.sourceGivesPrimeKeys ? { sourceGivesPrimeKeys: true } : {}) };
    const r = await driveEapServer(this.#state!, input, ctx);
    this.#state = r.state;
    return backendOutcome(r.outcome);
  }

  start(identity: string): Promise<BackendOutcome> {
    this.#state = openEapServer(identity, {
      defaultVariant: this.opts.variant,
      maxResync: this.opts.maxResync,
      timeoutMs: this.opts.timeoutMs,
      identityRound: 'never', // TS.43: the phone's first packet is the AKA-Challenge
      ...(this.opts.networkName !== undefined ? { networkName: this.opts.networkName } : {}),
    }, this.opts.now());
    return this.#run({ type: 'identity', identity });
  }

  respond(packet: Buffer): Promise<BackendOutcome> {
    return this.#run({ type: 'eap', packet });
  }

  resume(saved: Extract<SavedBackendSession, { kind: 'fsm' }>): this {
    this.#state = loadServerState(saved.state, saved.keys);
    return this;
  }

  save(): SavedBackendSession {
    if (!this.#state) throw new Error('EAP server session not started');
    const { plain, secret } = storeServerState(this.#state);
    return { kind: 'fsm', state: plain, keys: secret };
  }

  close(): void {
    this.#state = null;
  }
}

export class FsmBackend implements EapBackend {
  constructor(
    readonly name: 'swx' | 'local',
    private readonly source: AuthVectorSource,
    private readonly opts: FsmBackendOptions,
  ) {}
  open(): BackendSession {
    return new FsmSession(this.source, this.opts);
  }
  resume(saved: SavedBackendSession): BackendSession {
    if (saved.kind !== 'fsm') throw new RangeError(`${this.name} back-end: saved session is not an EAP server session`);
    return new FsmSession(this.source, this.opts).resume(saved);
  }
}
