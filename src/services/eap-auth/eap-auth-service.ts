/**
 * The EAP session orchestrator of the TS.43 server (GSMA TS.43 §2.8.1;
 * TS43.md § EAP-AKA; ADMIN-API.md § EAP sessions; docs/eap-aka.md § Sessions
 * across daemons).
 *
 * A phone's first GET (with EAP_ID) starts a session: the back-end produces an
 * AKA-Challenge, the phone gets it with a session cookie, and POSTs its
 * EAP-Response to the bare URL with only that cookie. The POST may reach
 * another daemon sharing the store (a load balancer without stickiness), so
 * nothing of a session in flight lives only here:
 *  - `sessions` holds the admin view (listable, deletable: a deleted session
 *    must start over); every change is one atomic update on it;
 *  - `eap_state` holds, under `s:<session_id>`, what the next step needs: the
 *    request context, the expected EAP Identifier, the deadline, a digest of
 *    the cookie's secret, and the back-end session (swm: Diameter Session-Id
 *    and AAA host; swx/local: the EAP server state, its keys sealed with
 *    AES-256-GCM under the cluster key, src/crypto/seal.ts); and under
 *    `imsi:<IMSI>` the sessions in flight of that IMSI (the per-IMSI cap).
 * A step claims the record with an atomic update (busy_until), so two POSTs of
 * one session on two daemons cannot both run it.
 *
 * Admission (issue 13 item 3): a token bucket per client address, a cap per
 * IMSI across the cluster and a cap on sessions this daemon started; over any
 * of them → 503 + Retry-After (docs/eap-aka.md § Limits) and onLimit().
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DecodeError } from '../../codec/decode-error.js';
import { EapCode, decodeEap } from '../../codec/eap/index.js';
import type { SessionState, SessionView } from '../../contracts/sessions.js';
import { open as openBox, seal } from '../../crypto/seal.js';
import type { StoredServerState } from '../../fsm/eap-aka-state.js';
import type { Clock, Collection, EventSink, Random, Store, Tally } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { Secret } from '../../util/secret.js';
import { resultView, type DiameterResultView } from '../../codec/diameter/result.js';
import type { BackendOutcome, BackendSession, EapBackend, SavedBackendSession } from './backends.js';
import { anyLive, claimSlot, ClientRateLimiter, releaseSlot, type ImsiSlots } from './limits.js';
import { ownString, ownStringOrNull } from '../../util/own-string.js';
import { RETRY_AFTER_SECONDS, mapAaaResult } from './result-codes.js';
import { TERMINAL_STATES, stepSession, type SessionEvent } from './session-states.js';

/** What the first request said: kept for the bare-URL POSTs that follow. */
export interface SessionRequestContext {
  eap_id: string;
  /**
   * The permanent IMSI; '' while unknown — the EAP_ID was a pseudonym or fast re-authentication identity (swm):
   * the AAA names the IMSI on success (Mobile-Node-Identifier) and the success result carries it here.
   */
  imsi: string;
  terminal_id: string | null;
  terminal_vendor: string | null;
  terminal_model: string | null;
  terminal_sw_version: string | null;
  app_name: string | null;
  app_version: string | null;
  entitlement_version: string | null;
  vers: number;
  apps: string[];
  user_agent: string | null;
  client_ip: string | null;
  /** ODSA parameters of a tokenless ODSA request (names lower-cased): the operation runs after success (docs/odsa.md). */
  odsa?: Record<string, string>;
  /** notif_action + notif_token of the first request: registered for push once EAP-AKA succeeds (docs/odsa.md § Push). */
  notif?: { action: number; token: string };
}

export interface SessionInfo {
  readonly id: string;
  readonly context: SessionRequestContext;
  readonly view: SessionView;
}

/** Which admission limit refused a new session. */
export type EapLimit = 'client_rate' | 'imsi' | 'total';

export type EapStepResult =
  /** 200 + eap-relay-packet. `cookie` only on the first answer (never rotated mid-exchange). */
  | { kind: 'challenge'; session: SessionInfo; packet: Buffer; cookie?: Secret<string> }
  /**
   * 200 + the configuration document; call complete() once the token is issued. `session.context.imsi` is the
   * permanent IMSI the back-end authenticated. `reauth`: a fast re-authentication (RFC 4187 §5), when known.
   */
  | { kind: 'success'; session: SessionInfo; reauth?: boolean }
  /** The session ended (or was not admitted: `limit`): 403 rejected, 503 back-end down or over a limit (Retry-After), 511 start over. */
  | { kind: 'failed'; status: 403 | 503 | 511; retryAfter?: number; reason: string; session?: SessionInfo; limit?: EapLimit; diameter?: DiameterResultView }
  /** Refused input; the session (if any) is untouched. */
  | { kind: 'invalid'; status: 400 | 403 | 409; reason: string };

/** The `s:<session_id>` record of `eap_state`. */
interface LiveRecord {
  kind: 'session';
  session_id: string;
  /** SHA-256 of the cookie's secret part, base64url: the cookie itself is never stored. */
  cookie_digest: string;
  context: SessionRequestContext;
  /** Identifier of the last EAP-Request sent to the phone: its response must carry it (RFC 3748 §4.1). */
  identifier: number;
  deadline: number;
  /** A step is running until then (any daemon); 0 = free. */
  busy_until: number;
  backend: SavedRecord | null;
}

/** SavedBackendSession with the key block sealed. */
type SavedRecord =
  | Extract<SavedBackendSession, { kind: 'relay' }>
  | { kind: 'fsm'; state: StoredServerState; keys_sealed: string | null };

type EapStateRecord = LiveRecord | ImsiSlots;

export interface EapLimits {
  /** eap_aka.max_sessions: sessions in flight started by this daemon. */
  maxSessions: number;
  /** eap_aka.max_sessions_per_imsi: sessions in flight per IMSI, across daemons sharing the store. */
  maxPerImsi: number;
  /** eap_aka.client_rate_per_s / client_burst: new sessions per client address (token bucket). */
  clientRatePerS: number;
  clientBurst: number;
}

export const DEFAULT_EAP_LIMITS: EapLimits = { maxSessions: 100_000, maxPerImsi: 4, clientRatePerS: 10, clientBurst: 50 };

export interface EapAuthDeps {
  store: Store;
  clock: Clock;
  random: Random;
  events?: EventSink | undefined;
  backend: EapBackend;
  /** eap_aka.session_timeout_ms */
  timeoutMs: number;
  /** eap_aka.keep_finished_ms: finished sessions stay listable this long before sweep() drops them; default 10 min. */
  keepFinishedMs?: number;
  limits?: Partial<EapLimits>;
  /**
   * AES-256-GCM key sealing session keys in `eap_state` (deriveSealKey(storage.cluster_secret, 'eap_state'));
   * absent = a random key of this process (fine while the store is not shared: docs/eap-aka.md).
   */
  sealKey?: Secret<Buffer>;
  /** A new session was refused by an admission limit (counted in /metrics). */
  onLimit?: (limit: EapLimit) => void;
  /** A session view could not be written (logged by the daemon). */
  onWriteError?: (e: unknown) => void;
}

const sKey = (id: string) => `s:${id}`;
const iKey = (imsi: string) => `imsi:${imsi}`;
/**
 * The per-IMSI cap's key: the IMSI, or for a pseudonym / re-auth identity (IMSI unknown until the AAA answers)
 * the identity itself, marked with `~` so it never equals an IMSI. The per-address rate limit covers the rest.
 */
const slotOf = (ctx: SessionRequestContext) => (ctx.imsi !== '' ? ctx.imsi : `~${ctx.eap_id.toLowerCase()}`);
const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');
/** The cookie: 32 base64url characters of secret (24 random bytes), then the session id. */
const COOKIE_RE = /^([A-Za-z0-9_-]{32})([A-Za-z0-9_-]{1,64})$/;
/** The sweep goes round all kept session views within this many sweeps (a minute at one sweep a second). */
export const SESSION_SWEEP_ROUND_S = 60;

export class EapAuthService {
  readonly #sessions: Collection<SessionView>;
  readonly #state: Collection<EapStateRecord>;
  readonly #limits: EapLimits;
  readonly #rate: ClientRateLimiter;
  readonly #sealKey: Secret<Buffer>;
  /** Sessions this daemon started that are not known to be over (the total cap): session_id → deadline, and whether an ODSA operation follows. */
  readonly #mine = new Map<string, { deadline: number; operation: boolean }>();
  /** Where the sweep's walk over the session views stopped (it goes on from there next time). */
  #sweepAfter: string | undefined;
  /** Views the sweep looks at per call in the current round. */
  #roundBudget = 1000;
  /** The sweep running: a call meanwhile (the timer's next tick) shares it instead of walking the same records at once. */
  #sweeping: Promise<{ timedOut: number; pruned: number }> | null = null;

  constructor(private readonly deps: EapAuthDeps) {
    this.#sessions = openCollection<SessionView>(deps.store, 'sessions');
    this.#state = openCollection<EapStateRecord>(deps.store, 'eap_state');
    this.#limits = { ...DEFAULT_EAP_LIMITS, ...deps.limits };
    this.#rate = new ClientRateLimiter({ ratePerS: this.#limits.clientRatePerS, burst: this.#limits.clientBurst });
    this.#sealKey = deps.sealKey ?? new Secret(deps.random.bytes(32));
  }

  get backendName(): string {
    return this.deps.backend.name;
  }

  /** Sessions in flight started by this daemon (the eap_aka.max_sessions count). */
  get liveCount(): number {
    this.#pruneMine(this.deps.clock.now());
    return this.#mine.size;
  }

  #pruneMine(now: number): void {
    for (const [id, s] of this.#mine) if (s.deadline <= now) this.#mine.delete(id);
  }

  /**
   * Whether the session a cookie names was started by this daemon, is not known to be over, and runs no ODSA
   * operation after success: what the public listener's lean path answers an EAP-Response for (daemon/http/ts43).
   * Only what this daemon knows, no store read; any other session's POST goes through fastify, answered the same way.
   */
  startedHerePlain(cookie: string): boolean {
    const m = COOKIE_RE.exec(cookie);
    return m !== null && this.#mine.get(m[2]!)?.operation === false;
  }

  #emit(view: SessionView, change: 'created' | 'updated' | 'deleted'): void {
    this.deps.events?.emit({ kind: 'session', at: new Date(this.deps.clock.now()).toISOString(), change, session: view });
  }

  /**
   * One atomic step of the admin view. A view that is gone was deleted by the admin (here or on another
   * daemon): it is never resurrected. An event not declared for the stored state changes nothing.
   * Returns the new view, or undefined when nothing was written.
   */
  async #transition(id: string, event: SessionEvent, patch: Partial<SessionView> = {}): Promise<SessionView | undefined> {
    const now = this.deps.clock.now();
    let view: SessionView | undefined;
    try {
      view = await this.#sessions.update<SessionView | undefined>(id, (cur) => {
        if (!cur) return { result: undefined };
        const to = stepSession(cur.state, event);
        if (to === null) return { result: undefined };
        const next = { ...cur, ...patch, state: to, completed_at: TERMINAL_STATES.has(to) ? now : cur.completed_at };
        return { result: next, put: next };
      });
    } catch (e) {
      this.deps.onWriteError?.(e);
      throw e;
    }
    if (view) this.#emit(view, 'updated');
    return view;
  }

  /** The session is over (or was deleted): its state record and its IMSI slot go. */
  async #end(id: string, imsi: string | null): Promise<void> {
    this.#mine.delete(id);
    const now = this.deps.clock.now();
    await this.#state.delete(sKey(id));
    if (imsi !== null) {
      await this.#state.update(iKey(imsi), (cur) => {
        const next = releaseSlot(cur?.kind === 'imsi' ? cur : undefined, id, now);
        return next ? { result: null, put: next } : { result: null, delete: true };
      });
    }
  }

  #seal(saved: SavedBackendSession, id: string): SavedRecord {
    if (saved.kind === 'relay') return saved;
    const keys_sealed = saved.keys ? seal(this.#sealKey, saved.keys, this.deps.random.bytes(12), `eap_state|${sKey(id)}`) : null;
    return { kind: 'fsm', state: saved.state, keys_sealed };
  }

  #unseal(rec: SavedRecord, id: string): SavedBackendSession {
    if (rec.kind === 'relay') return rec;
    return { kind: 'fsm', state: rec.state, keys: rec.keys_sealed === null ? null : openBox(this.#sealKey, rec.keys_sealed, `eap_state|${sKey(id)}`) };
  }

  #failStatus(o: Extract<BackendOutcome, { type: 'failure' }>): { status: 403 | 503 | 511; retryAfter?: number } {
    if (o.cause !== 'unavailable') return { status: 403 };
    const m = mapAaaResult(o.result, { otherMethodPossible: false, hadToken: false });
    if (m.status === 403) return { status: 403 };
    if (m.status === 511) return { status: 511 };
    return { status: 503, retryAfter: m.status === 503 ? m.retryAfter : RETRY_AFTER_SECONDS };
  }

  /** After a back-end step: write the view, then keep (challenge) or drop (end) the state record. */
  async #apply(rec: LiveRecord, backend: BackendSession, outcome: BackendOutcome, cookie?: Secret<string>): Promise<EapStepResult> {
    const id = rec.session_id;
    const info = (view: SessionView | undefined): SessionInfo => ({ id, context: rec.context, view: view ?? ({} as SessionView) });
    if (outcome.type === 'challenge') {
      let identifier: number;
      try {
        const p = decodeEap(outcome.packet);
        if (p.code !== EapCode.REQUEST) throw new DecodeError('eap', 0, `back-end sent code ${p.code} where a request was due`);
        identifier = p.identifier;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        const v = await this.#transition(id, 'fail', { failure_reason: `back-end packet: ${e.reason}` });
        await this.#end(id, slotOf(rec.context));
        return { kind: 'failed', status: 503, retryAfter: RETRY_AFTER_SECONDS, reason: e.reason, session: info(v) };
      }
      const next: LiveRecord = { ...rec, identifier, busy_until: 0, backend: this.#seal(backend.save(), id) };
      await this.#state.put(sKey(id), next);
      const v = await this.#transition(id, 'challenge', { eap_id: identifier, aaa_session_id: backend.aaaSessionId });
      if (!v) {
        await this.#end(id, slotOf(rec.context)); // deleted while the back-end ran
        return { kind: 'failed', status: 511, reason: 'EAP session was deleted: start over' };
      }
      return cookie ? { kind: 'challenge', session: info(v), packet: outcome.packet, cookie } : { kind: 'challenge', session: info(v), packet: outcome.packet };
    }
    if (outcome.type === 'success') {
      // The cookie dies here; the view stays 'authenticated' until complete() or abandon().
      await this.#end(id, slotOf(rec.context));
      // The token and the activity are bound to the permanent IMSI the back-end authenticated, never to a
      // pseudonym (docs/eap-aka.md § Through TS.43). A temporary EAP_ID needs the AAA to name it.
      const named = outcome.imsi;
      const problem = rec.context.imsi === ''
        ? (named === undefined ? 'the AAA authenticated a pseudonym or re-auth identity without naming the permanent identity (Mobile-Node-Identifier)' : null)
        : (named !== undefined && named !== rec.context.imsi ? 'the AAA authenticated another IMSI than the EAP_ID names' : null);
      if (problem !== null) {
        const v = await this.#transition(id, 'fail', { failure_reason: `unavailable: ${problem}`, aaa_session_id: backend.aaaSessionId });
        return { kind: 'failed', status: 503, retryAfter: RETRY_AFTER_SECONDS, reason: problem, ...(v ? { session: info(v) } : {}) };
      }
      const imsi = rec.context.imsi || named!;
      const context = { ...rec.context, imsi };
      const v = await this.#transition(id, 'success', { aaa_session_id: backend.aaaSessionId, imsi: ownString(imsi) });
      if (!v) return { kind: 'failed', status: 511, reason: 'EAP session was deleted: start over' };
      return { kind: 'success', session: { id, context, view: v }, ...(outcome.reauth !== undefined ? { reauth: outcome.reauth } : {}) };
    }
    await this.#end(id, slotOf(rec.context));
    const v = await this.#transition(id, 'fail', { failure_reason: `${outcome.cause}: ${outcome.detail}`, aaa_session_id: backend.aaaSessionId });
    // No step written: deleted while the back-end ran (`respond` does not read the view first), or already ended.
    if (!v && !(await this.#sessions.get(id))) return { kind: 'failed', status: 511, reason: 'EAP session was deleted: start over' };
    // The AAA's Diameter result, when an answer carried one, goes to the TS.43 body and the activity record.
    return { kind: 'failed', ...this.#failStatus(outcome), reason: outcome.detail, ...(v ? { session: info(v) } : {}), ...(outcome.result ? { diameter: resultView(outcome.result) } : {}) };
  }

  #refuse(limit: EapLimit, retryAfter: number, reason: string): EapStepResult {
    this.deps.onLimit?.(limit);
    return { kind: 'failed', status: 503, retryAfter, reason, limit };
  }

  /** The first request (GET or POST with EAP_ID): admit, start the back-end and get the first challenge. */
  async start(ctx: SessionRequestContext): Promise<EapStepResult> {
    const now = this.deps.clock.now();
    const rate = this.#rate.take(ctx.client_ip ?? 'unknown', now);
    if (!rate.ok) return this.#refuse('client_rate', rate.retryAfterS, 'too many new EAP sessions from this address');
    if (this.#mine.size >= this.#limits.maxSessions) this.#pruneMine(now);
    if (this.#mine.size >= this.#limits.maxSessions) return this.#refuse('total', RETRY_AFTER_SECONDS, 'too many EAP sessions in flight');
    const id = this.deps.random.uuid();
    const deadline = now + this.deps.timeoutMs;
    const slot = await this.#state.update<{ ok: boolean; retryAfterS: number }>(iKey(slotOf(ctx)), (cur) => {
      const r = claimSlot(cur?.kind === 'imsi' ? cur : undefined, id, deadline, now, this.#limits.maxPerImsi);
      return r.ok ? { result: { ok: true, retryAfterS: 0 }, put: r.next } : { result: { ok: false, retryAfterS: r.retryAfterS } };
    });
    if (!slot.ok) return this.#refuse('imsi', slot.retryAfterS, 'too many EAP sessions in flight for this subscriber');
    // `operation`: an ODSA operation runs once EAP-AKA succeeds (the lean path leaves such a session to fastify).
    this.#mine.set(id, { deadline, operation: ctx.odsa !== undefined });

    const secret = this.deps.random.bytes(24).toString('base64url');
    const view: SessionView = {
      // Own copies: the view is kept for keep_finished_ms, and these are cut from the request (own-string.ts).
      session_id: id, imsi: ownStringOrNull(ctx.imsi || null), state: 'pending', created_at: now, eap_id: 0, aaa_session_id: null, completed_at: null,
      backend: this.deps.backend.name, terminal_id: ownStringOrNull(ctx.terminal_id), app_ids: ctx.apps, failure_reason: null,
    };
    const rec: LiveRecord = { kind: 'session', session_id: id, cookie_digest: digest(secret), context: ctx, identifier: -1, deadline, busy_until: deadline, backend: null };
    await this.#sessions.put(id, view).catch((e: unknown) => { this.deps.onWriteError?.(e); throw e; });
    this.#emit(view, 'created');
    const backend = this.deps.backend.open();
    try {
      const outcome = await backend.start(ctx.eap_id, ctx.imsi);
      return await this.#apply(rec, backend, outcome, new Secret(`${secret}${id}`));
    } catch (e) {
      await this.#transition(id, 'fail', { failure_reason: 'internal error' }).catch(() => undefined);
      await this.#end(id, slotOf(ctx)).catch(() => undefined);
      throw e;
    } finally {
      backend.close();
    }
  }

  /** The phone's POST on the bare URL: its cookie, its EAP-Response, and who it says it is. Any daemon of the cluster. */
  async respond(cookie: string, packet: Buffer, meta: { user_agent: string | null; terminal_id: string | null }): Promise<EapStepResult> {
    const gone: EapStepResult = { kind: 'failed', status: 511, reason: 'no EAP session for this cookie (unknown, finished or expired): start over' };
    const m = COOKIE_RE.exec(cookie);
    if (!m) return gone;
    const id = m[2]!;
    const want = Buffer.from(digest(m[1]!));
    const matches = (r: EapStateRecord | undefined): r is LiveRecord =>
      r?.kind === 'session' && r.cookie_digest.length === want.length && timingSafeEqual(Buffer.from(r.cookie_digest), want);
    // The packet is decoded first (no store work), its verdict given in the order below: a session gone (511) or timed
    // out before a terminal (403) or a packet (400) refused.
    let packetError: string | null = null;
    let identifier = -1;
    try {
      const p = decodeEap(packet);
      if (p.code !== EapCode.RESPONSE) packetError = 'eap-relay-packet is not an EAP-Response';
      identifier = p.identifier;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      packetError = `eap-relay-packet: ${e.reason}`;
    }
    const now = this.deps.clock.now();
    // One atomic update checks the record and claims the step (across daemons, so one response of a session runs
    // once): no read before it. On PostgreSQL that is one statement where a read and a claim were two, the claim a
    // compare on the record this daemon last wrote (docs/storage.md § Reads, writes, atomicity); a verdict that
    // writes nothing is checked on the database's record before it stands. An admin's delete takes the state record
    // with the view (`delete`), so a deleted session is `gone` here; the view is not read: a delete racing this step
    // leaves no view for the transition after the back-end, which answers 511 then (`#apply`).
    type Claim = { kind: 'claimed'; rec: LiveRecord } | { kind: 'timeout'; rec: LiveRecord } | { kind: 'busy' } | { kind: 'gone' } | { kind: 'invalid'; status: 400 | 403; reason: string };
    const claim = await this.#state.update<Claim>(sKey(id), (cur) => {
      if (!matches(cur)) return { result: { kind: 'gone' } };
      if (now >= cur.deadline) return { result: { kind: 'timeout', rec: cur } };
      const ua = cur.context.user_agent;
      const sameTerminal =
        (meta.terminal_id === null || cur.context.terminal_id === null || meta.terminal_id.toLowerCase() === cur.context.terminal_id.toLowerCase()) &&
        (ua === null || meta.user_agent === ua);
      if (!sameTerminal) return { result: { kind: 'invalid', status: 403, reason: 'session cookie presented by another terminal' } };
      if (packetError !== null) return { result: { kind: 'invalid', status: 400, reason: packetError } };
      if (identifier !== cur.identifier) return { result: { kind: 'invalid', status: 400, reason: 'EAP packet does not belong to this session (identifier mismatch)' } };
      if (cur.busy_until > now) return { result: { kind: 'busy' } };
      const next = { ...cur, busy_until: now + this.deps.timeoutMs };
      return { result: { kind: 'claimed', rec: next }, put: next };
    });
    if (claim.kind === 'gone') return gone;
    if (claim.kind === 'busy') return { kind: 'invalid', status: 409, reason: 'an exchange for this session is in progress' };
    if (claim.kind === 'invalid') return { kind: 'invalid', status: claim.status, reason: claim.reason };
    const rec = claim.rec;
    if (claim.kind === 'timeout') {
      const v = await this.#transition(id, 'timeout', { failure_reason: 'timeout' });
      await this.#end(id, slotOf(rec.context));
      return { kind: 'failed', status: 511, reason: 'EAP session timed out: start over', ...(v ? { session: { id, context: rec.context, view: v } } : {}) };
    }
    let backend: BackendSession;
    try {
      backend = this.deps.backend.resume(this.#unseal(rec.backend!, id));
    } catch (e) {
      // Sealed with another key (a daemon with another storage.cluster_secret) or a record of another back-end.
      const v = await this.#transition(id, 'fail', { failure_reason: 'session state unreadable here' });
      await this.#end(id, slotOf(rec.context));
      return { kind: 'failed', status: 511, reason: `EAP session cannot continue on this daemon: start over (${(e as Error).name})`, ...(v ? { session: { id, context: rec.context, view: v } } : {}) };
    }
    try {
      const outcome = await backend.respond(packet);
      return await this.#apply(rec, backend, outcome);
    } catch (e) {
      await this.#transition(id, 'fail', { failure_reason: 'internal error' }).catch(() => undefined);
      await this.#end(id, slotOf(rec.context)).catch(() => undefined);
      throw e;
    } finally {
      backend.close();
    }
  }

  /** The document with its token went out: authenticated → completed. */
  async complete(sessionId: string): Promise<void> {
    await this.#transition(sessionId, 'token_issued');
  }

  /** Building the document failed after authentication (or the session is otherwise given up). */
  async abandon(sessionId: string, reason: string): Promise<void> {
    const v = await this.#sessions.get(sessionId);
    if (v && !TERMINAL_STATES.has(v.state)) await this.#transition(sessionId, 'fail', { failure_reason: reason });
  }

  /**
   * Off the request path, on every daemon (each step is idempotent): time out sessions past their
   * deadline, fail authenticated ones whose document never went out, drop finished views older than
   * keepFinishedMs and IMSI records whose sessions all expired.
   */
  sweep(): Promise<{ timedOut: number; pruned: number }> {
    return (this.#sweeping ??= this.#sweep().finally(() => { this.#sweeping = null; }));
  }

  async #sweep(): Promise<{ timedOut: number; pruned: number }> {
    const now = this.deps.clock.now();
    this.#pruneMine(now);
    let timedOut = 0;
    for await (const [key, r] of this.#page(this.#state, 's:')) {
      if (r.kind !== 'session' || now < r.deadline || r.busy_until > now) continue;
      const v = await this.#transition(r.session_id, 'timeout', { failure_reason: 'timeout' });
      await this.#end(r.session_id, slotOf(r.context));
      if (v) timedOut++;
      void key;
    }
    for await (const [key, r] of this.#page(this.#state, 'imsi:')) {
      if (r.kind !== 'imsi' || anyLive(r, now)) continue;
      await this.#state.update(key, (cur) => (cur?.kind === 'imsi' && !anyLive(cur, now) ? { result: null, delete: true } : { result: null }));
    }
    const keep = this.deps.keepFinishedMs ?? 600_000;
    // Finished views past `keep` go together (a finished view never changes again): one `deleteMany` per sweep, where
    // a delete each was a statement each on PostgreSQL, one per authentication at a steady rate.
    const done: string[] = [];
    for (const [, v] of await this.#sessionsToVisit(keep)) {
      if (v.state === 'authenticated' && now >= v.created_at + 2 * this.deps.timeoutMs) {
        await this.#transition(v.session_id, 'fail', { failure_reason: 'document never sent' });
      } else if ((v.state === 'pending' || v.state === 'challenge_sent') && now >= v.created_at + 2 * this.deps.timeoutMs) {
        // Abandoned without a state record (its daemon died mid-step): it cannot continue.
        if (await this.#transition(v.session_id, 'timeout', { failure_reason: 'timeout' })) timedOut++;
      } else if (TERMINAL_STATES.has(v.state) && v.completed_at !== null && now - v.completed_at > keep) {
        done.push(v.session_id);
      }
    }
    const pruned = done.length ? (await this.#sessions.deleteMany(done)).length : 0;
    return { timedOut, pruned };
  }

  /**
   * The finished-session views this sweep looks at. The views stay listable for `keep` after they end, so at a
   * sustained rate there are rate × keep of them (1.7 million at 2,800 authentications/s and the default 10
   * minutes): parsing all of them every second would cost more than the authentications. So the sweep walks them
   * with a cursor that carries over from one sweep to the next, a page budget per sweep sized to go round all of
   * them in `SESSION_SWEEP_ROUND_S` sweeps, or in keep / 4 s if that is shorter (at least 1,000 views, all of them
   * when there are no more): the cost of
   * a sweep follows the authentication rate, not the history kept. A finished view is dropped up to one round late,
   * an abandoned or never-documented session ends up to one round late (the `s:` pass above still times out every
   * session in flight on time).
   */
  async #sessionsToVisit(keep: number): Promise<Array<[string, SessionView]>> {
    // A tally: past 100,000 views PostgreSQL's estimate, which sizes the budget as well as the exact count would.
    const total = (await this.#sessions.tally()).n;
    const rounds = Math.max(1, Math.min(SESSION_SWEEP_ROUND_S, Math.floor(keep / 4000)));
    // The budget is fixed for a round (from the count at its start): views dropped on the way do not stretch it.
    if (this.#sweepAfter === undefined) this.#roundBudget = Math.max(1000, Math.ceil(total / rounds));
    const budget = this.#roundBudget;
    if (total <= budget) {
      this.#sweepAfter = undefined;
      const all: Array<[string, SessionView]> = [];
      for await (const e of this.#page(this.#sessions)) all.push(e);
      return all;
    }
    const out: Array<[string, SessionView]> = [];
    let wrapped = false;
    while (out.length < budget) {
      const after = this.#sweepAfter;
      const page = await this.#sessions.scan({ ...(after !== undefined ? { after } : {}), limit: Math.min(1000, budget - out.length) });
      if (!page.length) {
        if (wrapped || after === undefined) break;
        wrapped = true;
        this.#sweepAfter = undefined;
        continue;
      }
      this.#sweepAfter = page[page.length - 1]![0];
      out.push(...page);
    }
    return out;
  }

  /** A collection a page at a time (sweep and recover: off the request path). */
  async *#page<T>(c: Collection<T>, prefix?: string): AsyncGenerator<[string, T]> {
    let after: string | undefined;
    for (;;) {
      const page = await c.scan({ ...(after !== undefined ? { after } : {}), ...(prefix !== undefined ? { prefix } : {}), limit: 1000 });
      if (!page.length) return;
      after = page[page.length - 1]![0];
      yield* page;
    }
  }

  /** One page of session views in session_id order (ids greater than `after`), newest first within the page. */
  async list(opts: { after?: string; limit?: number } = {}): Promise<SessionView[]> {
    const page = await this.#sessions.scan({ ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit ?? 1000 });
    return page.map(([, v]) => v).sort((a, b) => b.created_at - a.created_at);
  }

  /** The sessions of one IMSI (indexed), newest first. */
  async listByImsi(imsi: string): Promise<SessionView[]> {
    return (await this.#sessions.find('imsi', imsi)).sort((a, b) => b.created_at - a.created_at);
  }

  async get(sessionId: string): Promise<SessionView | undefined> {
    return this.#sessions.get(sessionId);
  }

  /** Session views held (in flight, and finished ones until the sweep drops them): the store counts, no scan. */
  count(): Promise<number> {
    return this.#sessions.count();
  }

  tally(): Promise<Tally> {
    return this.#sessions.tally();
  }

  /**
   * The admin deletes a session: its view and its state go at once (on whichever daemon holds it, the
   * phone's next POST gets 511) and a `deleted` event is emitted. Returns the view, or undefined.
   */
  async delete(sessionId: string): Promise<SessionView | undefined> {
    const v = await this.#sessions.get(sessionId);
    const existed = await this.#sessions.delete(sessionId);
    const rec = await this.#state.get(sKey(sessionId));
    if (rec?.kind === 'session') await this.#end(sessionId, slotOf(rec.context));
    if (!v || !existed) return undefined;
    this.#emit(v, 'deleted');
    return v;
  }

  /**
   * At start-up: views stored as in flight whose state record is gone (the store lost its volatile
   * data, e.g. an embedded daemon restarted) cannot continue. Sessions other daemons are running keep going.
   */
  async recover(): Promise<number> {
    let n = 0;
    const open: SessionState[] = ['pending', 'challenge_sent'];
    for await (const [, v] of this.#page(this.#sessions)) {
      if (!open.includes(v.state) || (await this.#state.get(sKey(v.session_id)))) continue;
      if (await this.#transition(v.session_id, 'fail', { failure_reason: 'daemon restarted' })) n++;
    }
    return n;
  }
}
