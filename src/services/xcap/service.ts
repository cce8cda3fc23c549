/**
 * The XCAP service: simservs documents per subscriber over the Store
 * (`xcap_profiles`, keyed by MSISDN digits), XUI → MSISDN → IMSI, the
 * default document, preconditions (RFC 4825 §7.10-§7.11 with RFC 7232
 * If-Match / If-None-Match), the admin JSON view and merge, HTTP Digest
 * credentials (HA1 only), and the optional Sh sync port (DIAMETER.md § Sh).
 *
 * Concurrency: every write is one `Collection.update()` whose function reads
 * the current record, checks the precondition, computes the new document and
 * returns it (pure; a driver may run it again after a concurrent change), so
 * the read-check-write is atomic per MSISDN across every daemon sharing the
 * store. Two PUTs with the same If-Match: exactly one wins.
 */
import type { Clock, Collection, Store, Tally } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { pages } from '../../util/pages.js';
import type { XcapErrorDetail } from '../../codec/xcap/error-doc.js';
import { normaliseMsisdn, xuiToMsisdn, type XcapTarget } from '../../codec/xcap/uri.js';
import { DEFAULT_XML_LIMITS, parseXmlDocument, type XmlElement, type XmlLimits } from '../../codec/xcap/xml.js';
import type { XcapList, XcapPatch, XcapView } from '../../contracts/xcap.js';
import { applyPatch, defaultDocumentText, documentToView, etagOf, PatchError, serialise, servicesSummary } from './document.js';
import { ha1Table, type Ha1Table } from './digest.js';
import { CONTENT_TYPE, deleteNode, getNode, putDocument, putNode, type NodeTarget, type OpOptions, type OpOutcome } from './operations.js';
import { validateSimservs, type SchemaOptions } from './schema.js';
import { RecentMap } from '../../util/recent-map.js';

export const XCAP_PROFILES = 'xcap_profiles';
/** Sh Service-Indication under which the simservs document is kept in the HSS repository data (TS 29.328 §7.6.1). */
export const SH_SERVICE_INDICATION = 'simservs';

/** One stored profile. `digest` is password-equivalent: never in a response, log or activity record. */
export interface XcapProfileRecord {
  msisdn: string;
  imsi: string | null;
  /** The serialised document; null = none stored (the default is served). */
  document: string | null;
  etag: string | null;
  /** Incremented on every write; the Sh SequenceNumber (TS 29.328 §7.6.1). */
  sequence: number;
  updated_at: string;
  digest?: { realm: string; ha1: Ha1Table };
}

/** The Sh port (DIAMETER.md § Sh): UDR/UDA and PUR/PUA on RepositoryData. The Diameter area implements it. */
export interface HssSh {
  /** UDR, Data-Reference RepositoryData (0): the stored ServiceData, or null when the HSS has none. */
  readRepositoryData(req: { msisdn: string; serviceIndication: string }): Promise<{ serviceData: string; sequenceNumber: number } | null>;
  /** PUR with the document as ServiceData and the incremented SequenceNumber. */
  writeRepositoryData(req: { msisdn: string; serviceIndication: string; serviceData: string; sequenceNumber: number }): Promise<void>;
  /**
   * SNR (TS 29.328 §6.1.3) on RepositoryData: subscribe to its changes (the HSS then sends PNRs, which the
   * Diameter area hands to `applyHssNotification`), or unsubscribe. Resolves with the expiry the HSS granted
   * (ms since the epoch; null = none); throws when refused or unreachable. Optional: without it nothing subscribes.
   */
  subscribeRepositoryData?(req: { msisdn: string; serviceIndication: string; subscribe: boolean }): Promise<{ expiresAt: number | null }>;
}

/** One RepositoryData pushed by the HSS (Sh PNR, TS 29.328 §6.1.4); serviceData '' = removed in the HSS. */
export interface HssNotification {
  msisdn: string;
  serviceIndication: string;
  sequenceNumber: number;
  serviceData: string;
}

/**
 * What a PNR did (docs/xcap.md § HSS (Sh) sync): `updated` (new document and ETag), `stale` (its SequenceNumber
 * is not newer than ours: nothing changed), `user_unknown` (not provisioned for XCAP here), `not_recognized`
 * (another Service-Indication, or a document that is not valid simservs).
 */
export type HssNotificationOutcome =
  | { outcome: 'updated'; etag: string | null; sequence: number }
  | { outcome: 'stale'; sequence: number }
  | { outcome: 'user_unknown' }
  | { outcome: 'not_recognized'; reason: string };

/** One Sh subscription this AS holds in the HSS (`sh_subscriptions`, key MSISDN). */
export interface ShSubscriptionRecord {
  msisdn: string;
  /** The expiry the HSS granted, ms since the epoch; null = none. */
  expires_at: number | null;
  /** Minute (ms / 60 000) at which it is renewed, as a string for the index; null = never (no expiry). */
  renew_slot: string | null;
  subscribed_at: number;
}

const MINUTE = 60_000;
/** A subscription is renewed when three quarters of its granted lifetime have passed (at least a minute before it ends). */
export function renewAt(now: number, expiresAt: number): number {
  return Math.max(now, Math.min(now + Math.floor((expiresAt - now) * 0.75), expiresAt - MINUTE));
}

/**
 * The renewal minute recorded for a subscription granted at `now` (null: no expiry, never renewed): three quarters
 * of the lifetime, but never at or before the minute of `walked` (the renewal walk has passed it, so a slot there
 * would be renewed twice by one walk or not at all).
 */
export function renewSlot(now: number, expiresAt: number | null, walked: number): string | null {
  if (expiresAt === null) return null;
  return String(Math.max(Math.floor(renewAt(now, expiresAt) / MINUTE), Math.floor(Math.max(now, walked) / MINUTE) + 1));
}

export interface XcapServiceOptions {
  store: Store;
  clock: Clock;
  schema?: SchemaOptions;
  limits?: XmlLimits;
  /** Digest realm for HA1 (xcap.digest_realm). */
  digestRealm: string;
  /**
   * Set only when xcap.hss_sync is on. A function is asked on each use (the Diameter wiring may register
   * the Sh client after the service is built).
   */
  hss?: HssSh | null | (() => HssSh | null);
}

export interface Preconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

export interface XcapResult {
  status: number;
  /** The document's ETag after the operation (absent when there is no document at all). */
  etag?: string;
  body?: string;
  contentType?: string;
  error?: XcapErrorDetail;
  reason?: string;
}

/** An admin-side failure: `code` is the OMNISEP_XCAP_* code, `status` the HTTP status. */
export class XcapAdminError extends Error {
  override readonly name = 'XcapAdminError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

interface SubscriberLike { imsi?: string; msisdn?: string | null }

interface Current { doc: XmlElement; text: string; etag: string; stored: boolean }

/** What one write decides: the answer, and the new document (null = remove it) unless refused. */
interface WriteDecision<R> {
  result: R;
  write?: { doc: XmlElement | null; text?: string; extra?: Partial<XcapProfileRecord> };
}

/** RFC 7232 §3.1/§3.2: does an If-Match / If-None-Match list match the current ETag (weak comparison for None-Match)? */
export function etagListMatches(header: string, etag: string | undefined, weak = false): boolean {
  if (header.trim() === '*') return etag !== undefined;
  if (etag === undefined) return false;
  const strip = (t: string) => (weak ? t.replace(/^W\//, '') : t);
  return header.split(',').map((t) => t.trim()).filter(Boolean).some((t) => (t.startsWith('W/') && !weak ? false : strip(t) === etag));
}

/** One Sh push waiting for the HSS (`sh_backlog`). */
export interface ShBacklogEntry {
  msisdn: string;
  /** When the first push failed, ms since the epoch. */
  since: number;
  attempts: number;
  last_error: string;
}

/** `XcapService.lookup`: one read of what a request needs. */
export interface SubscriberLookup {
  provisioned: boolean;
  imsi: string | null;
  /** The stored profile as `getShared` reads it: frozen, possibly the object an earlier request read. */
  profile: { record: Readonly<XcapProfileRecord> | undefined };
}

export class XcapService {
  readonly profiles: Collection<XcapProfileRecord>;
  readonly #subscribers: Collection<SubscriberLike>;
  readonly #clock: Clock;
  readonly #schema: SchemaOptions;
  readonly #limits: Required<XmlLimits>;
  readonly #realm: string;
  readonly #hssOf: () => HssSh | null;
  readonly #defaultText: string;
  readonly #defaultEtag: string;
  /** Parsed documents by ETag (documents are small; parsing once per version keeps GET cheap). */
  readonly #parsed = new RecentMap<string, XmlElement>(1000);
  /** MSISDNs whose last Sh push failed, durable (retryHss() retries them; any daemon sharing the store may). */
  readonly #backlog: Collection<ShBacklogEntry>;
  /** Sh SNR subscriptions held in the HSS, durable (renewHssSubscriptions() renews those due). */
  readonly #subscriptions: Collection<ShSubscriptionRecord>;
  /** MSISDNs with an SNR in flight from this process (one at a time per MSISDN). */
  readonly #subscribing = new Set<string>();
  /** The last renewal minute processed; starts a day back so a restart renews what came due while it was down. */
  #renewedUpTo: number | null = null;
  /** The renewal walk in progress (calls are serialised). */
  #renewing: Promise<unknown> = Promise.resolve();

  constructor(opts: XcapServiceOptions) {
    this.profiles = openCollection<XcapProfileRecord>(opts.store, XCAP_PROFILES);
    this.#subscribers = openCollection<SubscriberLike>(opts.store, 'subscribers');
    this.#backlog = openCollection<ShBacklogEntry>(opts.store, 'sh_backlog');
    this.#subscriptions = openCollection<ShSubscriptionRecord>(opts.store, 'sh_subscriptions');
    this.#clock = opts.clock;
    this.#schema = opts.schema ?? { noReplyTimer: { min: 5, max: 180 } };
    this.#limits = { ...DEFAULT_XML_LIMITS, maxBytes: 256 * 1024, maxDepth: 24, maxNodes: 10_000, ...opts.limits };
    this.#realm = opts.digestRealm;
    const hss = opts.hss ?? null;
    this.#hssOf = typeof hss === 'function' ? hss : () => hss;
    const { min, max } = this.#schema.noReplyTimer;
    this.#defaultText = defaultDocumentText(Math.min(Math.max(20, min), max));
    this.#defaultEtag = etagOf(this.#defaultText);
  }

  get #hss(): HssSh | null { return this.#hssOf(); }
  get limits(): Required<XmlLimits> { return this.#limits; }
  get digestRealm(): string { return this.#realm; }

  // -------------------------------------------------------------------------
  // Who

  /** XUI → MSISDN digits, or null when the XUI carries no number. */
  msisdnOf(xui: string): string | null {
    return xuiToMsisdn(xui);
  }

  /**
   * The IMSI of an MSISDN: the subscriber with this MSISDN (the `subscribers.msisdn` index, stored with or
   * without `+`), else the IMSI the XCAP profile names.
   */
  async imsiOf(msisdn: string, profile?: Readonly<XcapProfileRecord>): Promise<string | null> {
    // A subscriber's key is its IMSI (src/store/collections.ts RECORD_CHECKS): the keys alone, no record parsed.
    const [imsi] = await this.#subscribers.findKeys('msisdn', msisdn);
    if (imsi !== undefined) return imsi;
    const [plus] = await this.#subscribers.findKeys('msisdn', `+${msisdn}`);
    if (plus !== undefined) return plus;
    return (profile ?? (await this.profiles.getShared(msisdn)))?.imsi ?? null;
  }

  /** docs/xcap.md § Provisioning: a stored XCAP profile, or a subscriber with this MSISDN. */
  async isProvisioned(msisdn: string): Promise<boolean> {
    return (await this.profiles.getShared(msisdn)) !== undefined || (await this.imsiOf(msisdn)) !== null;
  }

  /**
   * What one XCAP request needs to know of its subscriber, read once: the stored profile (for `get`), the IMSI
   * (for the activity record) and whether it is provisioned at all (`isProvisioned`).
   */
  async lookup(msisdn: string): Promise<SubscriberLookup> {
    // Shared: a phone's XCAP client reads its document once per supplementary service, in a burst, and a read
    // parses the record's JSON (the whole document as one escaped string) each time it is not shared.
    const profile = await this.profiles.getShared(msisdn);
    const imsi = await this.imsiOf(msisdn, profile);
    return { provisioned: profile !== undefined || imsi !== null, imsi, profile: { record: profile } };
  }

  /** HA1 for Digest, or null when no password is set (→ Digest cannot succeed). */
  async ha1For(msisdn: string, algorithm: keyof Ha1Table, username: string): Promise<string | null> {
    // The same read as the request's `lookup` after it: shared, the second is not parsed again.
    const d = (await this.profiles.getShared(msisdn))?.digest;
    if (!d || d.realm !== this.#realm) return null;
    return d.ha1[algorithm][username] ?? null;
  }

  // -------------------------------------------------------------------------
  // The document

  /** The document of a stored record (or the default), parsed once per ETag. */
  #currentOf(rec: Readonly<XcapProfileRecord> | undefined): Current {
    const stored = !!rec?.document;
    const text = stored ? rec!.document! : this.#defaultText;
    const etag = stored ? rec!.etag ?? etagOf(text) : this.#defaultEtag;
    let doc = this.#parsed.get(etag);
    if (!doc) {
      doc = parseXmlDocument(text, { ...this.#limits, maxBytes: Infinity });
      this.#parsed.set(etag, doc);
    }
    return { doc, text, etag, stored };
  }

  async #current(msisdn: string): Promise<Current> {
    return this.#currentOf(await this.profiles.getShared(msisdn));
  }

  /** With hss_sync: a subscriber without a stored document is looked up in the HSS first (Sh UDR). */
  async #prime(msisdn: string): Promise<void> {
    const hss = this.#hss;
    if (!hss || (await this.profiles.getShared(msisdn))?.document) return;
    let got: Awaited<ReturnType<HssSh['readRepositoryData']>> = null;
    try {
      got = await hss.readRepositoryData({ msisdn, serviceIndication: SH_SERVICE_INDICATION });
    } catch {
      return; // HSS unreachable: serve the default; the next write will push.
    }
    // First sync with the HSS: from now on it tells us of changes (SNR), off the phone's answer.
    this.#subscribe(msisdn);
    if (!got) return;
    try {
      const doc = parseXmlDocument(got.serviceData, this.#limits);
      if (validateSimservs(doc, this.#schema)) return;
      const text = serialise(doc);
      const imsi = await this.imsiOf(msisdn);
      const at = new Date(this.#clock.now()).toISOString();
      const sequence = got.sequenceNumber;
      await this.profiles.update(msisdn, (prev) => {
        // Someone stored a document meanwhile: theirs wins.
        if (prev?.document) return { result: undefined };
        return {
          result: undefined,
          put: { msisdn, imsi: prev?.imsi ?? imsi, document: text, etag: etagOf(text), sequence, updated_at: at, ...(prev?.digest ? { digest: prev.digest } : {}) },
        };
      });
    } catch {
      /* a repository document omnisep cannot read is ignored: the default is served */
    }
  }

  /**
   * One atomic read-check-write of a profile. `decide` sees the current document and either refuses
   * (`write` absent: nothing is written) or gives the new document (null = remove it) and extra fields.
   * It runs inside `update()`, so it must be pure. The Sh push (hss_sync) follows a changed document.
   */
  async #write<R>(msisdn: string, decide: (cur: Current, prev: XcapProfileRecord | undefined) => WriteDecision<R>, known?: { imsi: string | null }): Promise<{ result: R; record?: XcapProfileRecord }> {
    const imsi = known ? known.imsi : await this.imsiOf(msisdn);
    const at = new Date(this.#clock.now()).toISOString();
    const out = await this.profiles.update<{ result: R; record?: XcapProfileRecord; changed?: boolean }>(msisdn, (prev) => {
      const d = decide(this.#currentOf(prev), prev);
      if (!d.write) return { result: { result: d.result } };
      const { doc, text: serialised, extra } = d.write;
      const text = doc ? serialised ?? serialise(doc) : null;
      const changed = text !== (prev?.document ?? null);
      const record: XcapProfileRecord = {
        msisdn,
        imsi: prev?.imsi ?? imsi,
        document: text,
        etag: text ? etagOf(text) : null,
        // The Sh SequenceNumber moves with the data only (an IMSI or password change is not a new document).
        sequence: (prev?.sequence ?? 0) + (changed ? 1 : 0),
        updated_at: at,
        ...(prev?.digest ? { digest: prev.digest } : {}),
        ...extra,
      };
      if (record.digest === undefined) delete record.digest;
      return { result: { result: d.result, record, changed }, put: record };
    });
    const rec = out.record;
    if (rec?.document && rec.etag && !this.#parsed.has(rec.etag)) this.#currentOf(rec);
    if (this.#hss && rec?.document && out.changed) this.#push(msisdn, rec.document, rec.sequence);
    if (this.#hss && rec && !rec.document && out.changed) this.#unsubscribe(msisdn);
    return rec ? { result: out.result, record: rec } : { result: out.result };
  }

  #push(msisdn: string, serviceData: string, sequenceNumber: number): void {
    const hss = this.#hss;
    if (!hss) return;
    hss.writeRepositoryData({ msisdn, serviceIndication: SH_SERVICE_INDICATION, serviceData, sequenceNumber }).then(
      () => { this.#subscribe(msisdn); return this.#backlog.delete(msisdn); },
      (e: unknown) => this.#pending(msisdn, e),
    ).catch(() => undefined); // the store is down: the next change or retry pushes again
  }

  /** Records (or re-records) a failed push: first failure time kept, attempts counted. */
  async #pending(msisdn: string, e: unknown): Promise<void> {
    const now = this.#clock.now();
    const last_error = e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200);
    await this.#backlog.update(msisdn, (cur) => {
      const next: ShBacklogEntry = { msisdn, since: cur?.since ?? now, attempts: (cur?.attempts ?? 0) + 1, last_error };
      return { result: null, put: next };
    });
  }

  /** How many Sh pushes wait for the HSS (the store counts; no scan). */
  hssBacklogCount(): Promise<number> {
    return this.#backlog.count();
  }

  /** The first `limit` waiting pushes, by MSISDN. */
  async hssBacklog(limit = 100): Promise<ShBacklogEntry[]> {
    return (await this.#backlog.scan({ limit })).map(([, v]) => v);
  }

  /**
   * Retry the Sh pushes that failed (the daemon calls this on a timer, off the request path), a page at a
   * time. Resolves with how many are still pending.
   */
  async retryHss(): Promise<number> {
    const hss = this.#hss;
    if (!hss) return 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#backlog.scan({ ...(after !== undefined ? { after } : {}), limit: 500 });
      if (!page.length) break;
      after = page[page.length - 1]![0];
      for (const [msisdn] of page) {
        const rec = await this.profiles.get(msisdn);
        if (!rec?.document) { await this.#backlog.delete(msisdn); continue; }
        try {
          await hss.writeRepositoryData({ msisdn, serviceIndication: SH_SERVICE_INDICATION, serviceData: rec.document, sequenceNumber: rec.sequence });
          await this.#backlog.delete(msisdn);
        } catch (e) {
          await this.#pending(msisdn, e);
        }
      }
    }
    return this.#backlog.count();
  }

  // -------------------------------------------------------------------------
  // Sh notifications (SNR/PNR, docs/diameter.md § Sh notifications)

  /** Subscribes (SNR) unless a live subscription is recorded or one is in flight; failures wait for the next sync. */
  #subscribe(msisdn: string, force = false): void {
    const hss = this.#hss;
    if (!hss?.subscribeRepositoryData || this.#subscribing.has(msisdn)) return;
    this.#subscribing.add(msisdn);
    void (async () => {
      const now = this.#clock.now();
      const cur = await this.#subscriptions.get(msisdn);
      if (!force && cur && (cur.expires_at === null || cur.expires_at > now + MINUTE)) return;
      const { expiresAt } = await hss.subscribeRepositoryData!({ msisdn, serviceIndication: SH_SERVICE_INDICATION, subscribe: true });
      const at = this.#clock.now();
      await this.#subscriptions.put(msisdn, { msisdn, expires_at: expiresAt, renew_slot: renewSlot(at, expiresAt, at), subscribed_at: at });
    })().catch(() => undefined).finally(() => this.#subscribing.delete(msisdn)); // refused or unreachable: the next UDR/PUR or renewal tries again
  }

  /** The document is gone here: forget the subscription and unsubscribe (SNR Subs-Req-Type 1); a failure lets it lapse at its expiry. */
  #unsubscribe(msisdn: string): void {
    const hss = this.#hss;
    if (!hss?.subscribeRepositoryData) return;
    void this.#subscriptions.update<boolean>(msisdn, (cur) => (cur ? { result: true, delete: true } : { result: false })).then(
      (had) => (had ? hss.subscribeRepositoryData!({ msisdn, serviceIndication: SH_SERVICE_INDICATION, subscribe: false }) : undefined),
    ).catch(() => undefined);
  }

  /** Sh subscriptions held (the store counts; no scan). */
  hssSubscriptionCount(): Promise<number> {
    return this.#subscriptions.count();
  }

  /** As hssSubscriptionCount, for status and the gauge: one per subscriber, so past 100,000 PostgreSQL's estimate (src/ports.ts Tally). */
  hssSubscriptionTally(): Promise<Tally> {
    return this.#subscriptions.tally();
  }

  /** The subscription recorded for an MSISDN. */
  hssSubscription(msisdn: string): Promise<ShSubscriptionRecord | undefined> {
    return this.#subscriptions.get(msisdn);
  }

  /**
   * Renews (SNR) the subscriptions whose renewal minute has come, up to `upTo` (the daemon calls this on a timer,
   * off the request path). Looks up one index entry per minute since the last call: the cost follows what is due,
   * not how many subscriptions exist. Each due record is claimed with one update (its slot moved past the walk), so
   * daemons sharing the store do not renew it twice; a failed renewal is retried five minutes after the walk's end.
   * A renewed record's next slot is always after the walk's last minute, so one call never sends two SNRs for one
   * MSISDN, and a short lifetime is renewed again by the next call rather than left behind the walk. Calls run one
   * after the other (the timer's and an explicit one never walk the same minutes at once). Resolves with how many
   * SNRs were sent.
   */
  renewHssSubscriptions(upTo = this.#clock.now()): Promise<number> {
    const run = this.#renewing.then(() => this.#renewDue(upTo));
    this.#renewing = run.catch(() => undefined);
    return run;
  }

  async #renewDue(upTo: number): Promise<number> {
    const hss = this.#hss;
    if (!hss?.subscribeRepositoryData) return 0;
    const last = Math.floor(upTo / MINUTE);
    let slot = this.#renewedUpTo === null ? last - 24 * 60 : this.#renewedUpTo + 1;
    let sent = 0;
    for (; slot <= last; slot++) {
      // A page at a time: a minute may hold many subscriptions (records leave it as they are claimed; the pages follow keys).
      for await (const page of pages((o) => this.#subscriptions.findPage('renew_slot', String(slot), o), 1000)) for (const [, rec] of page) {
        const due = String(slot);
        const claimed = await this.#subscriptions.update<boolean>(rec.msisdn, (cur) =>
          cur?.renew_slot === due ? { result: true, put: { ...cur, renew_slot: String(last + 5) } } : { result: false });
        if (!claimed) continue;
        sent++;
        try {
          const { expiresAt } = await hss.subscribeRepositoryData({ msisdn: rec.msisdn, serviceIndication: SH_SERVICE_INDICATION, subscribe: true });
          const renew_slot = renewSlot(this.#clock.now(), expiresAt, upTo);
          await this.#subscriptions.update(rec.msisdn, (cur) => (cur ? { result: null, put: { ...cur, expires_at: expiresAt, renew_slot } } : { result: null }));
        } catch {
          /* kept at the retry slot */
        }
      }
      this.#renewedUpTo = slot;
    }
    return sent;
  }

  /**
   * A PNR from the HSS (TS 29.328 §6.1.4): the stored document becomes the pushed RepositoryData when its
   * SequenceNumber is newer than ours (new ETag: the phone's next GET sees it); an empty ServiceData means the
   * HSS removed it (back to the default document). Nothing is pushed back to the HSS.
   */
  async applyHssNotification(n: HssNotification): Promise<HssNotificationOutcome> {
    const { msisdn } = n;
    if (n.serviceIndication !== SH_SERVICE_INDICATION) return { outcome: 'not_recognized', reason: `Service-Indication ${n.serviceIndication} is not ${SH_SERVICE_INDICATION}` };
    if (!(await this.isProvisioned(msisdn))) return { outcome: 'user_unknown' };
    let text: string | null = null;
    if (n.serviceData.trim() !== '') {
      try {
        const doc = parseXmlDocument(n.serviceData, this.#limits);
        const v = validateSimservs(doc, this.#schema);
        if (v) return { outcome: 'not_recognized', reason: `${v.condition}${v.phrase ? `: ${v.phrase}` : ''}` };
        text = serialise(doc);
      } catch (e) {
        return { outcome: 'not_recognized', reason: e instanceof Error ? e.message.slice(0, 200) : 'not XML' };
      }
    }
    const imsi = await this.imsiOf(msisdn);
    const at = new Date(this.#clock.now()).toISOString();
    return this.profiles.update<HssNotificationOutcome>(msisdn, (prev) => {
      if (prev && n.sequenceNumber <= prev.sequence) return { result: { outcome: 'stale', sequence: prev.sequence } };
      const rec: XcapProfileRecord = {
        msisdn, imsi: prev?.imsi ?? imsi, document: text, etag: text ? etagOf(text) : null, sequence: n.sequenceNumber, updated_at: at,
        ...(prev?.digest ? { digest: prev.digest } : {}),
      };
      return { result: { outcome: 'updated', etag: rec.etag, sequence: rec.sequence }, put: rec };
    });
  }

  #opOptions(documentUri: string): OpOptions {
    return {
      schema: this.#schema,
      limits: this.#limits,
      nodeUri: (sel) => (sel === null ? documentUri : `${documentUri}/~~/${sel}`),
    };
  }

  // -------------------------------------------------------------------------
  // XCAP operations (the HTTP layer has already checked identity)

  /** `read`: the profile as `lookup` read it for this request (not used when the HSS may prime it first). */
  async get(msisdn: string, target: Exclude<XcapTarget, { kind: 'caps' }>, pre: Preconditions = {}, read?: SubscriberLookup['profile']): Promise<XcapResult> {
    // Without hss_sync nothing is primed: no call and no turn of the microtask queue per read.
    const hss = this.#hss;
    if (hss) await this.#prime(msisdn);
    const cur = read && !hss ? this.#currentOf(read.record) : await this.#current(msisdn);
    if (pre.ifMatch !== undefined && !etagListMatches(pre.ifMatch, cur.etag)) return { status: 412, etag: cur.etag, reason: 'If-Match does not match' };
    if (target.kind === 'document') {
      if (pre.ifNoneMatch !== undefined && etagListMatches(pre.ifNoneMatch, cur.etag, true)) return { status: 304, etag: cur.etag };
      return { status: 200, etag: cur.etag, body: cur.text, contentType: CONTENT_TYPE.document };
    }
    const out = getNode(cur.doc, target);
    if (!out.ok) return { status: out.status, etag: cur.etag, reason: out.reason };
    if (pre.ifNoneMatch !== undefined && etagListMatches(pre.ifNoneMatch, cur.etag, true)) return { status: 304, etag: cur.etag };
    return { status: 200, etag: cur.etag, body: out.body, contentType: out.contentType };
  }

  /**
   * Preconditions for a write (RFC 7232 §3.1, §3.2; RFC 4825 §7.11): the ETag is the document's.
   * `exists` is whether the target resource exists now.
   */
  #precondition(pre: Preconditions, etag: string, exists: boolean): XcapResult | null {
    if (pre.ifMatch !== undefined) {
      if (pre.ifMatch.trim() === '*' ? !exists : !etagListMatches(pre.ifMatch, etag)) return { status: 412, etag, reason: 'If-Match does not match' };
    }
    if (pre.ifNoneMatch !== undefined) {
      if (pre.ifNoneMatch.trim() === '*' ? exists : etagListMatches(pre.ifNoneMatch, etag, true)) return { status: 412, etag, reason: 'If-None-Match matches' };
    }
    return null;
  }

  #targetExists(doc: XmlElement, target: NodeTarget): boolean {
    return getNode(doc, target).ok;
  }

  /** The new document of a successful operation, or the refusal (a failed op, or a document over the size limit). */
  #outcome(out: OpOutcome, cur: Current, extraOk: Partial<XcapResult> = {}): WriteDecision<XcapResult> {
    if (!out.ok) return { result: { status: out.status, etag: cur.etag, error: out.error, reason: out.reason } };
    const text = serialise(out.doc);
    if (Buffer.byteLength(text) > this.#limits.maxBytes) {
      return { result: { status: 409, etag: cur.etag, error: { condition: 'constraint-failure', phrase: `the document would exceed ${this.#limits.maxBytes} bytes` } } };
    }
    return { result: { status: out.status, etag: etagOf(text), ...extraOk }, write: { doc: out.doc, text } };
  }

  /** `known`: the IMSI `lookup` found for this request (its record's IMSI when it has none yet), else read again. */
  async put(msisdn: string, target: Exclude<XcapTarget, { kind: 'caps' }>, body: Uint8Array, pre: Preconditions, documentUri: string, known?: { imsi: string | null }): Promise<XcapResult> {
    await this.#prime(msisdn);
    const opts = this.#opOptions(documentUri);
    const { result } = await this.#write(msisdn, (cur) => {
      const exists = target.kind === 'document' ? cur.stored : this.#targetExists(cur.doc, target);
      const refused = this.#precondition(pre, cur.etag, exists);
      if (refused) return { result: refused };
      return this.#outcome(target.kind === 'document' ? putDocument(body, cur.stored, opts) : putNode(cur.doc, target, body, opts), cur);
    }, known);
    return result;
  }

  async delete(msisdn: string, target: Exclude<XcapTarget, { kind: 'caps' }>, pre: Preconditions, documentUri: string, known?: { imsi: string | null }): Promise<XcapResult> {
    await this.#prime(msisdn);
    const { result } = await this.#write(msisdn, (cur): WriteDecision<XcapResult> => {
      if (target.kind === 'document') {
        const refused = this.#precondition(pre, cur.etag, true);
        if (refused) return { result: refused };
        // docs/xcap.md: after a DELETE the subscriber is back on the default document.
        if (!cur.stored) return { result: { status: 200, etag: this.#defaultEtag } };
        return { result: { status: 200, etag: this.#defaultEtag }, write: { doc: null } };
      }
      const exists = this.#targetExists(cur.doc, target);
      const refused = this.#precondition(pre, cur.etag, exists);
      if (refused) return { result: refused };
      return this.#outcome(deleteNode(cur.doc, target, this.#opOptions(documentUri)), cur);
    }, known);
    return result;
  }

  // -------------------------------------------------------------------------
  // Admin JSON view (XCAP.md § JSON view)

  async view(msisdn: string): Promise<XcapView | null> {
    const rec = await this.profiles.get(msisdn);
    const imsi = await this.imsiOf(msisdn, rec);
    if (!rec && imsi === null) return null;
    const cur = this.#currentOf(rec);
    return {
      msisdn,
      imsi: rec?.imsi ?? imsi,
      etag: cur.etag,
      is_default: !cur.stored,
      digest_password_set: !!rec?.digest,
      updated_at: rec?.updated_at ?? null,
      ...documentToView(cur.doc),
    };
  }

  /**
   * Stored profiles in MSISDN order whose MSISDN contains `query`: paged with `scan` (MSISDNs greater than
   * `after`), at most `limit` profiles returned.
   */
  async list(query = '', opts: { after?: string; limit?: number } = {}): Promise<XcapList> {
    const q = query.replace(/^\+/, '');
    // The store tests the keys (MSISDNs) for the query and reads only the profiles that match.
    const page = await this.profiles.scan({
      ...(opts.after !== undefined ? { after: opts.after } : {}),
      ...(q ? { contains: q } : {}),
      limit: opts.limit ?? 1000,
    });
    const profiles: XcapList['profiles'] = page.map(([k, r]) => {
      const cur = this.#currentOf(r);
      return { msisdn: k, imsi: r.imsi, etag: cur.etag, updated_at: r.updated_at, services: servicesSummary(documentToView(cur.doc)) };
    });
    return { count: profiles.length, profiles };
  }

  /** POST: merge the patch (creating the profile: the admin provisions), validate, bump the ETag. */
  async patch(msisdnRaw: string, patch: XcapPatch): Promise<XcapView> {
    const msisdn = normaliseMsisdn(msisdnRaw);
    if (!msisdn) throw new XcapAdminError(400, 'OMNISEP_XCAP_BAD_MSISDN', `not an MSISDN: ${msisdnRaw}`);
    await this.#prime(msisdn);
    const { password, imsi, ...docPatch } = patch;
    const touchesDoc = Object.keys(docPatch).length > 0;
    const extra: Partial<XcapProfileRecord> = {};
    if (imsi !== undefined) extra.imsi = imsi;
    if (password !== undefined) {
      if (password === null) extra.digest = undefined;
      else extra.digest = { realm: this.#realm, ha1: ha1Table(msisdn, this.#realm, password) };
    }
    await this.#write(msisdn, (cur): WriteDecision<undefined> => {
      let doc: XmlElement | null = cur.stored ? cur.doc : null;
      if (touchesDoc) {
        try {
          doc = applyPatch(parseXmlDocument(cur.text, { ...this.#limits, maxBytes: Infinity }), docPatch);
        } catch (e) {
          if (e instanceof PatchError) throw new XcapAdminError(400, 'OMNISEP_XCAP_INVALID', e.message);
          throw e;
        }
        const v = validateSimservs(doc, this.#schema);
        if (v) throw new XcapAdminError(400, 'OMNISEP_XCAP_INVALID', `${v.condition}: ${v.phrase ?? ''}`.trim());
      }
      return { result: undefined, write: { doc, extra } };
    });
    return (await this.view(msisdn))!;
  }

  /** Deletes the stored profile; returns what it was (undefined when there was none). */
  async remove(msisdnRaw: string): Promise<XcapProfileRecord | undefined> {
    const msisdn = normaliseMsisdn(msisdnRaw);
    if (!msisdn) return undefined;
    const prev = await this.profiles.take(msisdn);
    if (prev) this.#unsubscribe(msisdn);
    return prev;
  }

  /** Stored profiles (the store counts; no scan). */
  count(): Promise<number> {
    return this.profiles.count();
  }

  tally(): Promise<Tally> {
    return this.profiles.tally();
  }
}
