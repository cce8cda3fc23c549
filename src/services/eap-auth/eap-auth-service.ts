/**
 * The EAP session orchestrator of the TS.43 server (GSMA TS.43 §2.8.1;
 * TS43.md § EAP-AKA; ADMIN-API.md § EAP sessions).
 *
 * A phone's first GET (with EAP_ID) starts a session: the back-end produces an
 * AKA-Challenge, the phone gets it with a session cookie, and POSTs its
 * EAP-Response to the bare URL with only that cookie. Everything from the
 * first request therefore lives here, in the session. Session views are
 * kept in the `sessions` collection (volatile; listable from the admin API,
 * and deletable through delete(): a deleted session must start over), events
 * `{kind:'session'}` are emitted on every change, timeouts use the injected Clock.
 *
 * Live back-end state (relay session or EAP server state) stays in memory: a
 * restart fails the sessions that were in flight (recover()).
 */
import { DecodeError } from '../../codec/decode-error.js';
import { EapCode, decodeEap } from '../../codec/eap/index.js';
import type { SessionState, SessionView } from '../../contracts/sessions.js';
import type { Clock, Collection, EventSink, Random, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { Secret } from '../../util/secret.js';
import type { BackendOutcome, BackendSession, EapBackend } from './backends.js';
import { RETRY_AFTER_SECONDS, mapAaaResult } from './result-codes.js';
import { TERMINAL_STATES, stepSession, type SessionEvent } from './session-states.js';

/** What the first request said: kept for the bare-URL POSTs that follow. */
export interface SessionRequestContext {
  eap_id: string;
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
}

export interface SessionInfo {
  readonly id: string;
  readonly context: SessionRequestContext;
  readonly view: SessionView;
}

export type EapStepResult =
  /** 200 + eap-relay-packet. `cookie` only on the first answer (never rotated mid-exchange). */
  | { kind: 'challenge'; session: SessionInfo; packet: Buffer; cookie?: Secret<string> }
  /** 200 + the configuration document; call complete() once the token is issued. */
  | { kind: 'success'; session: SessionInfo }
  /** The session ended: 403 rejected, 503 back-end down (Retry-After), 511 start over. */
  | { kind: 'failed'; status: 403 | 503 | 511; retryAfter?: number; reason: string; session?: SessionInfo }
  /** Refused input; the session (if any) is untouched. */
  | { kind: 'invalid'; status: 400 | 403 | 409; reason: string };

interface LiveSession extends SessionInfo {
  view: SessionView;
  backend: BackendSession;
  cookie: string;
  /** Identifier of the last EAP-Request sent to the phone: its response must carry it (RFC 3748 §4.1). */
  identifier: number;
  deadline: number;
  busy: boolean;
  /** Deleted through delete(): no view of it is written again. */
  deleted?: boolean;
}

export interface EapAuthDeps {
  store: Store;
  clock: Clock;
  random: Random;
  events?: EventSink | undefined;
  backend: EapBackend;
  /** eap_aka.session_timeout_ms */
  timeoutMs: number;
  /** Finished sessions stay listable this long (ms) before sweep() drops them; default 1 h. */
  keepFinishedMs?: number;
  /** Sessions in flight at most (memory bound); beyond it new ones get 503. Default 100 000. */
  maxLiveSessions?: number;
  /** A session view could not be written (logged by the daemon). */
  onWriteError?: (e: unknown) => void;
}

export class EapAuthService {
  readonly #sessions: Collection<SessionView>;
  readonly #live = new Map<string, LiveSession>();
  readonly #byCookie = new Map<string, LiveSession>();

  constructor(private readonly deps: EapAuthDeps) {
    this.#sessions = openCollection<SessionView>(deps.store, 'sessions');
  }

  get backendName(): string {
    return this.deps.backend.name;
  }

  /** Number of sessions in flight (memory). */
  get liveCount(): number {
    return this.#live.size;
  }

  /**
   * A view is written before the step's answer goes out, so the admin API (on any daemon sharing the store)
   * shows the state the phone was just told. `sessions` is a volatile collection: the embedded driver keeps
   * it in memory (no fsync), PostgreSQL shares it. A failed write is reported (onWriteError), never thrown
   * at the phone: the view mirrors state that lives here.
   */
  async #save(view: SessionView, change: 'created' | 'updated'): Promise<void> {
    await this.#sessions.put(view.session_id, view).catch((e: unknown) => this.deps.onWriteError?.(e));
    this.deps.events?.emit({ kind: 'session', at: new Date(this.deps.clock.now()).toISOString(), change, session: view });
  }

  async #transition(s: LiveSession, event: SessionEvent, patch: Partial<SessionView> = {}): Promise<void> {
    const to = stepSession(s.view.state, event);
    if (to === null) throw new Error(`EAP session ${s.id}: event ${event} not declared in state ${s.view.state}`);
    s.view = { ...s.view, ...patch, state: to, completed_at: TERMINAL_STATES.has(to) ? this.deps.clock.now() : s.view.completed_at };
    if (TERMINAL_STATES.has(to)) this.#forget(s);
    if (!s.deleted) await this.#save(s.view, 'updated'); // never resurrect a session the admin deleted
  }

  #forget(s: LiveSession): void {
    this.#live.delete(s.id);
    this.#byCookie.delete(s.cookie);
    s.backend.close();
  }

  #failStatus(o: Extract<BackendOutcome, { type: 'failure' }>): { status: 403 | 503 | 511; retryAfter?: number } {
    if (o.cause !== 'unavailable') return { status: 403 };
    const m = mapAaaResult(o.resultCode, { otherMethodPossible: false, hadToken: false });
    if (m.status === 403) return { status: 403 };
    if (m.status === 511) return { status: 511 };
    return { status: 503, retryAfter: m.status === 503 ? m.retryAfter : RETRY_AFTER_SECONDS };
  }

  async #apply(s: LiveSession, outcome: BackendOutcome, cookie?: Secret<string>): Promise<EapStepResult> {
    if (outcome.type === 'challenge') {
      let identifier: number;
      try {
        const p = decodeEap(outcome.packet);
        if (p.code !== EapCode.REQUEST) throw new DecodeError('eap', 0, `back-end sent code ${p.code} where a request was due`);
        identifier = p.identifier;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        await this.#transition(s, 'fail', { failure_reason: `back-end packet: ${e.reason}` });
        return { kind: 'failed', status: 503, retryAfter: RETRY_AFTER_SECONDS, reason: e.reason, session: s };
      }
      s.identifier = identifier;
      await this.#transition(s, 'challenge', { eap_id: identifier, aaa_session_id: s.backend.aaaSessionId });
      return cookie ? { kind: 'challenge', session: s, packet: outcome.packet, cookie } : { kind: 'challenge', session: s, packet: outcome.packet };
    }
    if (outcome.type === 'success') {
      await this.#transition(s, 'success', { aaa_session_id: s.backend.aaaSessionId });
      // Keep the session in memory until complete(): the document is being built.
      this.#byCookie.delete(s.cookie);
      return { kind: 'success', session: s };
    }
    await this.#transition(s, 'fail', { failure_reason: `${outcome.cause}: ${outcome.detail}`, aaa_session_id: s.backend.aaaSessionId });
    const st = this.#failStatus(outcome);
    return { kind: 'failed', ...st, reason: outcome.detail, session: s };
  }

  /** The first request (GET or POST with EAP_ID): start the back-end and get the first challenge. */
  async start(ctx: SessionRequestContext): Promise<EapStepResult> {
    if (this.#live.size >= (this.deps.maxLiveSessions ?? 100_000)) {
      return { kind: 'failed', status: 503, retryAfter: RETRY_AFTER_SECONDS, reason: 'too many EAP sessions in flight' };
    }
    const now = this.deps.clock.now();
    const id = this.deps.random.uuid();
    const cookie = this.deps.random.bytes(24).toString('base64url');
    const s: LiveSession = {
      id,
      context: ctx,
      view: {
        session_id: id,
        imsi: ctx.imsi,
        state: 'pending',
        created_at: now,
        eap_id: 0,
        aaa_session_id: null,
        completed_at: null,
        backend: this.deps.backend.name,
        terminal_id: ctx.terminal_id,
        app_ids: ctx.apps,
        failure_reason: null,
      },
      backend: this.deps.backend.open(),
      cookie,
      identifier: -1,
      deadline: now + this.deps.timeoutMs,
      busy: true,
    };
    this.#live.set(id, s);
    this.#byCookie.set(cookie, s);
    await this.#save(s.view, 'created');
    try {
      const outcome = await s.backend.start(ctx.eap_id, ctx.imsi);
      return await this.#apply(s, outcome, new Secret(cookie));
    } catch (e) {
      if (this.#live.has(id)) await this.#transition(s, 'fail', { failure_reason: 'internal error' });
      throw e;
    } finally {
      s.busy = false;
    }
  }

  /** The phone's POST on the bare URL: its cookie, its EAP-Response, and who it says it is. */
  async respond(cookie: string, packet: Buffer, meta: { user_agent: string | null; terminal_id: string | null }): Promise<EapStepResult> {
    const s = this.#byCookie.get(cookie);
    if (!s) return { kind: 'failed', status: 511, reason: 'no EAP session for this cookie (unknown, finished or expired): start over' };
    // Our own view was written before the last answer, so a view missing from the store was deleted
    // (here, or by another daemon sharing the store).
    if (s.deleted || !(await this.#sessions.get(s.id))) {
      // Deleted (here, or by another daemon sharing the store): the phone must start over.
      this.#forget(s);
      return { kind: 'failed', status: 511, reason: 'EAP session was deleted: start over' };
    }
    if (this.deps.clock.now() >= s.deadline) {
      await this.#transition(s, 'timeout', { failure_reason: 'timeout' });
      return { kind: 'failed', status: 511, reason: 'EAP session timed out: start over', session: s };
    }
    const ua = s.context.user_agent;
    const sameTerminal =
      (meta.terminal_id === null || s.context.terminal_id === null || meta.terminal_id.toLowerCase() === s.context.terminal_id.toLowerCase()) &&
      (ua === null || meta.user_agent === ua);
    if (!sameTerminal) return { kind: 'invalid', status: 403, reason: 'session cookie presented by another terminal' };
    let identifier: number;
    try {
      const p = decodeEap(packet);
      if (p.code !== EapCode.RESPONSE) return { kind: 'invalid', status: 400, reason: 'eap-relay-packet is not an EAP-Response' };
      identifier = p.identifier;
    } catch (e) {
      if (e instanceof DecodeError) return { kind: 'invalid', status: 400, reason: `eap-relay-packet: ${e.reason}` };
      throw e;
    }
    if (identifier !== s.identifier) return { kind: 'invalid', status: 400, reason: 'EAP packet does not belong to this session (identifier mismatch)' };
    if (s.busy) return { kind: 'invalid', status: 409, reason: 'an exchange for this session is in progress' };
    s.busy = true;
    try {
      const outcome = await s.backend.respond(packet);
      return await this.#apply(s, outcome);
    } catch (e) {
      if (this.#live.has(s.id)) await this.#transition(s, 'fail', { failure_reason: 'internal error' });
      throw e;
    } finally {
      s.busy = false;
    }
  }

  /** The document with its token went out: authenticated → completed. */
  async complete(sessionId: string): Promise<void> {
    const s = this.#live.get(sessionId);
    if (!s || s.view.state !== 'authenticated') return;
    await this.#transition(s, 'token_issued');
  }

  /** Building the document failed after authentication. */
  async abandon(sessionId: string, reason: string): Promise<void> {
    const s = this.#live.get(sessionId);
    if (s && !TERMINAL_STATES.has(s.view.state)) await this.#transition(s, 'fail', { failure_reason: reason });
  }

  /** Time out sessions past their deadline; drop finished ones older than keepFinishedMs. Call periodically. */
  async sweep(): Promise<{ timedOut: number; pruned: number }> {
    const now = this.deps.clock.now();
    let timedOut = 0;
    for (const s of [...this.#live.values()]) {
      if (now >= s.deadline && !s.busy && (s.view.state === 'pending' || s.view.state === 'challenge_sent')) {
        await this.#transition(s, 'timeout', { failure_reason: 'timeout' });
        timedOut++;
      } else if (now >= s.deadline + this.deps.timeoutMs && s.view.state === 'authenticated') {
        await this.#transition(s, 'fail', { failure_reason: 'document never sent' });
      }
    }
    let pruned = 0;
    const keep = this.deps.keepFinishedMs ?? 3_600_000;
    for await (const v of this.#all()) {
      if (TERMINAL_STATES.has(v.state) && v.completed_at !== null && now - v.completed_at > keep) {
        if (await this.#sessions.delete(v.session_id)) pruned++;
      }
    }
    return { timedOut, pruned };
  }

  /** Every stored view, a page at a time (sweep and recover: off the request path). */
  async *#all(): AsyncGenerator<SessionView> {
    let after: string | undefined;
    for (;;) {
      const page = await this.#sessions.scan({ ...(after !== undefined ? { after } : {}), limit: 1000 });
      if (!page.length) return;
      after = page[page.length - 1]![0];
      for (const [, v] of page) yield v;
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

  /**
   * The admin deletes a session: a live one is dropped at once (its back-end closed, its cookie dead, so
   * the phone's next POST gets 511), the view goes and a `deleted` event is emitted. Returns the view, or
   * undefined when there was none.
   */
  async delete(sessionId: string): Promise<SessionView | undefined> {
    const live = this.#live.get(sessionId);
    if (live) {
      live.deleted = true;
      this.#forget(live);
    }
    const v = live?.view ?? (await this.#sessions.get(sessionId));
    const existed = await this.#sessions.delete(sessionId);
    if (!v || (!existed && !live)) return undefined;
    this.deps.events?.emit({ kind: 'session', at: new Date(this.deps.clock.now()).toISOString(), change: 'deleted', session: v });
    return v;
  }

  /** At start-up: sessions stored as in flight cannot continue (their back-end state was in memory). */
  async recover(): Promise<number> {
    let n = 0;
    const open: SessionState[] = ['pending', 'challenge_sent', 'authenticated'];
    for await (const v of this.#all()) {
      if (open.includes(v.state) && !this.#live.has(v.session_id)) {
        await this.#save({ ...v, state: 'failed', completed_at: this.deps.clock.now(), failure_reason: 'daemon restarted' }, 'updated');
        n++;
      }
    }
    return n;
  }
}
