/**
 * Push on change (GSMA TS.43 v12.0 §2.6; docs/odsa.md § Push): a device that sent `notif_action` (1 GCM,
 * 2 FCM) and `notif_token` with an authenticated request is told when its subscriber's configuration
 * changes — an entitlement override, an ODSA subscription, the VoWiFi emergency address — so that
 * `omnisep entitlement set` reaches the phone without waiting for its next poll.
 *
 *   push_registrations  one per device and client (IMSI + terminal_id + app_name), index `imsi`
 *   push_backlog        one pending notification per registration (same key: a second change while one
 *                       is pending coalesces into it), with attempts, next try and last error; kept after
 *                       `max_attempts` failures as `failed` (visible in `omnisep push ls`) until pruned
 *
 * The sending (HTTP, timers) is the daemon's (daemon/push/): this service decides what is due and records
 * outcomes. A phone's request never waits for a push: registration is one store write (none when
 * unchanged), and changes are queued by a store listener.
 */
import { createHash } from 'node:crypto';
import type { Clock, Collection, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import type { PushBacklogView, PushReason } from '../../contracts/push.js';
import { pages } from '../../util/pages.js';

export interface PushRegistration {
  key: string;
  imsi: string;
  terminal_id: string | null;
  app_name: string | null;
  /** App ids the device asked for with this registration. */
  apps: string[];
  /** TS.43 notif_action: 1 GCM, 2 FCM (both sent through FCM). */
  notif_action: number;
  /** The device's push token: a credential of the device, never shown or logged. */
  notif_token: string;
  updated_at: string;
}

export interface PushBacklogRecord {
  key: string;
  imsi: string;
  reasons: PushReason[];
  apps: string[];
  state: 'pending' | 'failed';
  attempts: number;
  /** Unix ms of the next attempt. */
  next_at: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface PushPolicy {
  max_attempts: number;
  backoff_ms: number;
  max_backoff_ms: number;
  failed_retention_seconds: number;
}

/** notif_action values sent through the FCM gateway (TS.43 §2.6: 1 GCM, 2 FCM; 3 WNS and 4 APNS are not). */
export const PUSH_ACTIONS: readonly number[] = [1, 2];

export const registrationKey = (imsi: string, terminalId: string | null, appName: string | null): string =>
  `${imsi}.${createHash('sha256').update(`${(terminalId ?? '').toLowerCase()}\0${(appName ?? '').toLowerCase()}`).digest('hex').slice(0, 24)}`;

/** The IMSI a changed record belongs to: the key itself (entitlements, websheet) or its first part (odsa_subscriptions). */
export const imsiOfKey = (key: string): string | null => {
  const imsi = key.split('.', 1)[0]!;
  return /^[0-9]{5,15}$/.test(imsi) ? imsi : null;
};

/** Which change of which collection is worth a push, and why (the apps it concerns, empty = all the device asked for). */
export const PUSH_TRIGGERS: Readonly<Record<string, { reason: PushReason; apps: readonly string[] }>> = {
  entitlements: { reason: 'entitlement', apps: [] },
  odsa_subscriptions: { reason: 'odsa', apps: ['ap2006', 'ap2009'] },
  websheet: { reason: 'vowifi_address', apps: ['ap2004'] },
};

export function backlogView(r: PushBacklogRecord): PushBacklogView {
  return { key: r.key, imsi: r.imsi, reasons: r.reasons, apps: r.apps, state: r.state, attempts: r.attempts, next_at: new Date(r.next_at).toISOString(), last_error: r.last_error, created_at: r.created_at, updated_at: r.updated_at };
}

export class PushService {
  readonly #regs: Collection<PushRegistration>;
  readonly #backlog: Collection<PushBacklogRecord>;

  constructor(private readonly deps: { store: Store; clock: Clock; policy: () => PushPolicy }) {
    this.#regs = openCollection<PushRegistration>(deps.store, 'push_registrations');
    this.#backlog = openCollection<PushBacklogRecord>(deps.store, 'push_backlog');
  }

  #now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Record a device's push token (after it authenticated). No write when nothing changed. Returns whether it was stored. */
  async register(input: { imsi: string; terminal_id: string | null; app_name: string | null; apps: readonly string[]; notif_action: number | null; notif_token: string | null }): Promise<boolean> {
    if (input.notif_token === null || input.notif_action === null) return false;
    const key = registrationKey(input.imsi, input.terminal_id, input.app_name);
    if (!PUSH_ACTIONS.includes(input.notif_action)) {
      // notif_action 0 (or a gateway omnisep does not speak): the device asks not to be pushed to.
      return (await this.#regs.delete(key)) && false;
    }
    const cur = await this.#regs.get(key);
    const apps = [...new Set([...(cur?.apps ?? []), ...input.apps])].sort();
    if (cur && cur.notif_token === input.notif_token && cur.notif_action === input.notif_action && cur.apps.join(',') === apps.join(',')) return false;
    await this.#regs.put(key, { key, imsi: input.imsi, terminal_id: input.terminal_id, app_name: input.app_name, apps, notif_action: input.notif_action, notif_token: input.notif_token, updated_at: this.#now() });
    return true;
  }

  /** The registered devices of an IMSI whose apps a change concerns (indexed: `imsi`). */
  async registrationsFor(imsi: string, apps: readonly string[]): Promise<PushRegistration[]> {
    return (await this.#regs.find('imsi', imsi)).filter((r) => apps.length === 0 || r.apps.some((a) => apps.includes(a)));
  }

  /**
   * The backlog item a change makes of a registration: merged into a pending one (reasons and apps
   * joined, the earlier next_at kept), else a new one due now. Pure: `cur` is the stored item, if any.
   */
  mergeItem(cur: PushBacklogRecord | undefined, reg: PushRegistration, reason: PushReason, apps: readonly string[]): PushBacklogRecord {
    const now = this.deps.clock.now();
    const base = cur && cur.state === 'pending' ? cur : undefined;
    const concerned = apps.length === 0 ? reg.apps : reg.apps.filter((a) => apps.includes(a));
    return {
      key: reg.key,
      imsi: reg.imsi,
      reasons: [...new Set([...(base?.reasons ?? []), reason])],
      apps: [...new Set([...(base?.apps ?? []), ...concerned])].sort(),
      state: 'pending',
      attempts: base?.attempts ?? 0,
      next_at: base ? Math.min(base.next_at, now) : now,
      last_error: base?.last_error ?? null,
      created_at: base?.created_at ?? this.#now(),
      updated_at: this.#now(),
    };
  }

  /** What the backlog holds for a registration now (no wait for a write). */
  peek(key: string): Promise<PushBacklogRecord | undefined> {
    return this.#backlog.get(key);
  }

  /** Queue one registration's notification (durable); resolves with the stored item. */
  queue(reg: PushRegistration, reason: PushReason, apps: readonly string[]): Promise<PushBacklogRecord> {
    return this.#backlog.update<PushBacklogRecord>(reg.key, (cur) => {
      const next = this.mergeItem(cur, reg, reason, apps);
      return { result: next, put: next };
    });
  }

  /** Queue one notification per registered device of the IMSI whose apps the change concerns. Returns how many were queued. */
  async enqueue(imsi: string, reason: PushReason, apps: readonly string[]): Promise<number> {
    const regs = await this.registrationsFor(imsi, apps);
    for (const reg of regs) await this.queue(reg, reason, apps);
    return regs.length;
  }

  /** Pending notifications whose time has come, with their registrations (worker only: pages through the backlog). */
  async due(limit: number): Promise<Array<{ item: PushBacklogRecord; registration: PushRegistration | undefined }>> {
    const now = this.deps.clock.now();
    const out: Array<{ item: PushBacklogRecord; registration: PushRegistration | undefined }> = [];
    let after: string | undefined;
    while (out.length < limit) {
      const page = await this.#backlog.scan({ ...(after !== undefined ? { after } : {}), limit: 500 });
      if (!page.length) break;
      after = page[page.length - 1]![0];
      for (const [, r] of page) if (r.state === 'pending' && r.next_at <= now && out.length < limit) out.push({ item: r, registration: await this.#regs.get(r.key) });
    }
    return out;
  }

  /** Delivered: gone from the backlog. A change queued while it was in flight stays (its updated_at moved). */
  async delivered(item: PushBacklogRecord): Promise<void> {
    await this.#backlog.update<void>(item.key, (cur) => (cur && cur.updated_at === item.updated_at ? { result: undefined, delete: true } : { result: undefined }));
  }

  /** Not delivered: try again after the back-off (doubling), or keep it as failed after max_attempts. Returns the new state. */
  async failed(item: PushBacklogRecord, error: string): Promise<'pending' | 'failed'> {
    const pol = this.deps.policy();
    const now = this.deps.clock.now();
    return this.#backlog.update<'pending' | 'failed'>(item.key, (cur) => {
      if (!cur) return { result: 'failed' };
      const attempts = cur.attempts + 1;
      const state = attempts >= pol.max_attempts ? 'failed' : 'pending';
      const delay = Math.min(pol.max_backoff_ms, pol.backoff_ms * 2 ** (attempts - 1));
      return { result: state, put: { ...cur, attempts, state, next_at: now + delay, last_error: error.slice(0, 300), updated_at: this.#now() } };
    });
  }

  /** A registration that is gone (the device unregistered, or an admin removed it): drop the item. */
  async drop(key: string): Promise<void> {
    await this.#backlog.delete(key);
  }

  /** Failed items older than the retention are removed (worker). */
  async prune(): Promise<number> {
    const cutoff = this.deps.clock.now() - this.deps.policy().failed_retention_seconds * 1000;
    let n = 0;
    for await (const page of pages((o) => this.#backlog.scan(o), 1000)) {
      // A page's at once, each only while still failed (a retry meanwhile keeps it).
      const old = page.filter(([, r]) => r.state === 'failed' && Date.parse(r.updated_at) < cutoff).map(([k]) => k);
      if (old.length) n += (await this.#backlog.deleteMany(old, { field: 'state', values: old.map(() => 'failed') })).length;
    }
    return n;
  }

  /** The backlog for `omnisep push ls` (first page in key order) and the counts. */
  async list(limit = 1000): Promise<{ backlog: PushBacklogView[]; registrations: number; registrationsEstimated: boolean; pending: number; failed: number }> {
    const page = await this.#backlog.scan({ limit });
    const backlog = page.map(([, r]) => backlogView(r));
    // A tally: a device per registration, millions in a fleet; past 100,000 PostgreSQL's estimate (src/ports.ts Tally).
    const regs = await this.#regs.tally();
    return { backlog, registrations: regs.n, registrationsEstimated: regs.estimated, pending: backlog.filter((b) => b.state === 'pending').length, failed: backlog.filter((b) => b.state === 'failed').length };
  }

  backlogCount(): Promise<number> {
    return this.#backlog.count();
  }
}
