/**
 * The XCAP service: simservs documents per subscriber over the Store
 * (`xcap_profiles`, keyed by MSISDN digits), XUI → MSISDN → IMSI, the
 * default document, preconditions (RFC 4825 §7.10-§7.11 with RFC 7232
 * If-Match / If-None-Match), the admin JSON view and merge, HTTP Digest
 * credentials (HA1 only), and the optional Sh sync port (DIAMETER.md § Sh).
 *
 * Concurrency: the Store promises that a read-check-write with no await in
 * between is atomic, so every operation loads, checks the precondition,
 * computes the new document and calls put() synchronously; only then awaits
 * durability. Two PUTs with the same If-Match: exactly one wins.
 */
import type { Clock, Collection, Store } from '../../ports.js';
import type { XcapErrorDetail } from '../../codec/xcap/error-doc.js';
import { normaliseMsisdn, xuiToMsisdn, type XcapTarget } from '../../codec/xcap/uri.js';
import { DEFAULT_XML_LIMITS, parseXmlDocument, type XmlElement, type XmlLimits } from '../../codec/xcap/xml.js';
import type { XcapList, XcapPatch, XcapView } from '../../contracts/xcap.js';
import { applyPatch, defaultDocumentText, documentToView, etagOf, PatchError, serialise, servicesSummary } from './document.js';
import { ha1Table, type Ha1Table } from './digest.js';
import { CONTENT_TYPE, deleteNode, getNode, putDocument, putNode, type NodeTarget, type OpOptions, type OpOutcome } from './operations.js';
import { validateSimservs, type SchemaOptions } from './schema.js';

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
}

export interface XcapServiceOptions {
  store: Store;
  clock: Clock;
  schema?: SchemaOptions;
  limits?: XmlLimits;
  /** Digest realm for HA1 (xcap.digest_realm). */
  digestRealm: string;
  /** Set only when xcap.hss_sync is on. */
  hss?: HssSh | null;
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

/** RFC 7232 §3.1/§3.2: does an If-Match / If-None-Match list match the current ETag (weak comparison for None-Match)? */
export function etagListMatches(header: string, etag: string | undefined, weak = false): boolean {
  if (header.trim() === '*') return etag !== undefined;
  if (etag === undefined) return false;
  const strip = (t: string) => (weak ? t.replace(/^W\//, '') : t);
  return header.split(',').map((t) => t.trim()).filter(Boolean).some((t) => (t.startsWith('W/') && !weak ? false : strip(t) === etag));
}

export class XcapService {
  readonly profiles: Collection<XcapProfileRecord>;
  readonly #subscribers: Collection<SubscriberLike>;
  readonly #clock: Clock;
  readonly #schema: SchemaOptions;
  readonly #limits: Required<XmlLimits>;
  readonly #realm: string;
  readonly #hss: HssSh | null;
  readonly #defaultText: string;
  readonly #defaultEtag: string;
  /** Parsed documents by ETag (documents are small; parsing once per version keeps GET cheap). */
  readonly #parsed = new Map<string, XmlElement>();
  /** MSISDN → IMSI from the `subscribers` collection, rebuilt lazily. */
  #index = new Map<string, string>();
  #indexBuiltAt = -Infinity;
  #indexSize = -1;
  /** MSISDNs whose last Sh push failed (retryHss() retries them). */
  readonly hssBacklog = new Set<string>();

  constructor(opts: XcapServiceOptions) {
    this.profiles = opts.store.collection<XcapProfileRecord>(XCAP_PROFILES);
    this.#subscribers = opts.store.collection<SubscriberLike>('subscribers');
    this.#clock = opts.clock;
    this.#schema = opts.schema ?? { noReplyTimer: { min: 5, max: 180 } };
    this.#limits = { ...DEFAULT_XML_LIMITS, maxBytes: 256 * 1024, maxDepth: 24, maxNodes: 10_000, ...opts.limits };
    this.#realm = opts.digestRealm;
    this.#hss = opts.hss ?? null;
    const { min, max } = this.#schema.noReplyTimer;
    this.#defaultText = defaultDocumentText(Math.min(Math.max(20, min), max));
    this.#defaultEtag = etagOf(this.#defaultText);
  }

  get limits(): Required<XmlLimits> { return this.#limits; }
  get digestRealm(): string { return this.#realm; }

  // -------------------------------------------------------------------------
  // Who

  /** XUI → MSISDN digits, or null when the XUI carries no number. */
  msisdnOf(xui: string): string | null {
    return xuiToMsisdn(xui);
  }

  /** The IMSI of an MSISDN from the subscriber store (rebuilt at most once a second on a miss). */
  imsiOf(msisdn: string): string | null {
    const hit = this.#index.get(msisdn);
    if (hit) {
      const s = this.#subscribers.get(hit);
      if (s && normaliseMsisdn(String(s.msisdn ?? '')) === msisdn) return hit;
    }
    const now = this.#clock.now();
    if (this.#subscribers.size !== this.#indexSize || now - this.#indexBuiltAt > 1000) {
      const idx = new Map<string, string>();
      for (const key of this.#subscribers.keys()) {
        const s = this.#subscribers.get(key);
        const m = s?.msisdn ? normaliseMsisdn(String(s.msisdn)) : null;
        if (m) idx.set(m, s?.imsi ?? key);
      }
      this.#index = idx;
      this.#indexBuiltAt = now;
      this.#indexSize = this.#subscribers.size;
    }
    return this.#index.get(msisdn) ?? this.profiles.get(msisdn)?.imsi ?? null;
  }

  /** docs/xcap.md § Provisioning: a stored XCAP profile, or a subscriber with this MSISDN. */
  isProvisioned(msisdn: string): boolean {
    return this.profiles.has(msisdn) || this.imsiOf(msisdn) !== null;
  }

  /** HA1 for Digest, or null when no password is set (→ Digest cannot succeed). */
  ha1For(msisdn: string, algorithm: keyof Ha1Table, username: string): string | null {
    const d = this.profiles.get(msisdn)?.digest;
    if (!d || d.realm !== this.#realm) return null;
    return d.ha1[algorithm][username] ?? null;
  }

  // -------------------------------------------------------------------------
  // The document

  #current(msisdn: string): { doc: XmlElement; text: string; etag: string; stored: boolean } {
    const rec = this.profiles.get(msisdn);
    const stored = !!rec?.document;
    const text = stored ? rec!.document! : this.#defaultText;
    const etag = stored ? rec!.etag ?? etagOf(text) : this.#defaultEtag;
    let doc = this.#parsed.get(etag);
    if (!doc) {
      doc = parseXmlDocument(text, { ...this.#limits, maxBytes: Infinity });
      if (this.#parsed.size >= 1000) this.#parsed.delete(this.#parsed.keys().next().value!);
      this.#parsed.set(etag, doc);
    }
    return { doc, text, etag, stored };
  }

  /** With hss_sync: a subscriber without a stored document is looked up in the HSS first (Sh UDR). */
  async #prime(msisdn: string): Promise<void> {
    if (!this.#hss || this.profiles.get(msisdn)?.document) return;
    let got: Awaited<ReturnType<HssSh['readRepositoryData']>> = null;
    try {
      got = await this.#hss.readRepositoryData({ msisdn, serviceIndication: SH_SERVICE_INDICATION });
    } catch {
      return; // HSS unreachable: serve the default; the next write will push.
    }
    if (!got || this.profiles.get(msisdn)?.document) return;
    try {
      const doc = parseXmlDocument(got.serviceData, this.#limits);
      if (validateSimservs(doc, this.#schema)) return;
      const text = serialise(doc);
      const prev = this.profiles.get(msisdn);
      await this.profiles.put(msisdn, {
        msisdn, imsi: prev?.imsi ?? this.imsiOf(msisdn), document: text, etag: etagOf(text), sequence: got.sequenceNumber,
        updated_at: new Date(this.#clock.now()).toISOString(), ...(prev?.digest ? { digest: prev.digest } : {}),
      });
    } catch {
      /* a repository document omnisep cannot read is ignored: the default is served */
    }
  }

  /** Write a document (null = remove it), synchronously starting the durable put. */
  #commit(msisdn: string, doc: XmlElement | null, extra: Partial<XcapProfileRecord> = {}, serialised?: string): { record: XcapProfileRecord; done: Promise<void> } {
    const prev = this.profiles.get(msisdn);
    const text = doc ? serialised ?? serialise(doc) : null;
    const record: XcapProfileRecord = {
      msisdn,
      imsi: prev?.imsi ?? this.imsiOf(msisdn),
      document: text,
      etag: text ? etagOf(text) : null,
      // The Sh SequenceNumber moves with the data only (an IMSI or password change is not a new document).
      sequence: (prev?.sequence ?? 0) + (text !== (prev?.document ?? null) ? 1 : 0),
      updated_at: new Date(this.#clock.now()).toISOString(),
      ...(prev?.digest ? { digest: prev.digest } : {}),
      ...extra,
    };
    if (text && doc && record.etag) this.#parsed.set(record.etag, doc);
    const done = this.profiles.put(msisdn, record);
    if (this.#hss && text && text !== prev?.document) this.#push(msisdn, text, record.sequence);
    return { record, done };
  }

  #push(msisdn: string, serviceData: string, sequenceNumber: number): void {
    this.#hss!.writeRepositoryData({ msisdn, serviceIndication: SH_SERVICE_INDICATION, serviceData, sequenceNumber }).then(
      () => this.hssBacklog.delete(msisdn),
      () => this.hssBacklog.add(msisdn),
    );
  }

  /** Retry the Sh pushes that failed (the daemon calls this on a timer). Resolves with how many are still pending. */
  async retryHss(): Promise<number> {
    if (!this.#hss) return 0;
    for (const msisdn of [...this.hssBacklog]) {
      const rec = this.profiles.get(msisdn);
      if (!rec?.document) { this.hssBacklog.delete(msisdn); continue; }
      try {
        await this.#hss.writeRepositoryData({ msisdn, serviceIndication: SH_SERVICE_INDICATION, serviceData: rec.document, sequenceNumber: rec.sequence });
        this.hssBacklog.delete(msisdn);
      } catch { /* still pending */ }
    }
    return this.hssBacklog.size;
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

  async get(msisdn: string, target: Exclude<XcapTarget, { kind: 'caps' }>, pre: Preconditions = {}): Promise<XcapResult> {
    await this.#prime(msisdn);
    const cur = this.#current(msisdn);
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

  async #finish(msisdn: string, out: OpOutcome, cur: { etag: string }, extraOk: Partial<XcapResult> = {}): Promise<XcapResult> {
    if (!out.ok) return { status: out.status, etag: cur.etag, error: out.error, reason: out.reason };
    const text = serialise(out.doc);
    if (Buffer.byteLength(text) > this.#limits.maxBytes) {
      return { status: 409, etag: cur.etag, error: { condition: 'constraint-failure', phrase: `the document would exceed ${this.#limits.maxBytes} bytes` } };
    }
    const { record, done } = this.#commit(msisdn, out.doc, {}, text);
    await done;
    return { status: out.status, etag: record.etag ?? undefined, ...extraOk };
  }

  async put(msisdn: string, target: Exclude<XcapTarget, { kind: 'caps' }>, body: Uint8Array, pre: Preconditions, documentUri: string): Promise<XcapResult> {
    await this.#prime(msisdn);
    const cur = this.#current(msisdn);
    const opts = this.#opOptions(documentUri);
    const exists = target.kind === 'document' ? cur.stored : this.#targetExists(cur.doc, target);
    const refused = this.#precondition(pre, cur.etag, exists);
    if (refused) return refused;
    const out = target.kind === 'document' ? putDocument(body, cur.stored, opts) : putNode(cur.doc, target, body, opts);
    return this.#finish(msisdn, out, cur);
  }

  async delete(msisdn: string, target: Exclude<XcapTarget, { kind: 'caps' }>, pre: Preconditions, documentUri: string): Promise<XcapResult> {
    await this.#prime(msisdn);
    const cur = this.#current(msisdn);
    if (target.kind === 'document') {
      const refused = this.#precondition(pre, cur.etag, true);
      if (refused) return refused;
      if (!cur.stored) return { status: 200, etag: this.#defaultEtag };
      const { done } = this.#commit(msisdn, null);
      await done;
      // docs/xcap.md: after a DELETE the subscriber is back on the default document.
      return { status: 200, etag: this.#defaultEtag };
    }
    const exists = this.#targetExists(cur.doc, target);
    const refused = this.#precondition(pre, cur.etag, exists);
    if (refused) return refused;
    return this.#finish(msisdn, deleteNode(cur.doc, target, this.#opOptions(documentUri)), cur);
  }

  // -------------------------------------------------------------------------
  // Admin JSON view (XCAP.md § JSON view)

  view(msisdn: string): XcapView | null {
    if (!this.isProvisioned(msisdn)) return null;
    const cur = this.#current(msisdn);
    const rec = this.profiles.get(msisdn);
    return {
      msisdn,
      imsi: rec?.imsi ?? this.imsiOf(msisdn),
      etag: cur.etag,
      is_default: !cur.stored,
      digest_password_set: !!rec?.digest,
      updated_at: rec?.updated_at ?? null,
      ...documentToView(cur.doc),
    };
  }

  list(query = ''): XcapList {
    const q = query.replace(/^\+/, '');
    const profiles = this.profiles
      .keys()
      .filter((k) => k.includes(q))
      .sort()
      .map((k) => {
        const r = this.profiles.get(k)!;
        const cur = this.#current(k);
        return { msisdn: k, imsi: r.imsi, etag: cur.etag, updated_at: r.updated_at, services: servicesSummary(documentToView(cur.doc)) };
      });
    return { count: profiles.length, profiles };
  }

  /** POST: merge the patch (creating the profile: the admin provisions), validate, bump the ETag. */
  async patch(msisdnRaw: string, patch: XcapPatch): Promise<XcapView> {
    const msisdn = normaliseMsisdn(msisdnRaw);
    if (!msisdn) throw new XcapAdminError(400, 'OMNISEP_XCAP_BAD_MSISDN', `not an MSISDN: ${msisdnRaw}`);
    await this.#prime(msisdn);
    const cur = this.#current(msisdn);
    const { password, imsi, ...docPatch } = patch;
    const touchesDoc = Object.keys(docPatch).length > 0;
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
    const extra: Partial<XcapProfileRecord> = {};
    if (imsi !== undefined) extra.imsi = imsi;
    if (password !== undefined) {
      if (password === null) extra.digest = undefined;
      else extra.digest = { realm: this.#realm, ha1: ha1Table(msisdn, this.#realm, password) };
    }
    const { done } = this.#commit(msisdn, doc, extra);
    await done;
    return this.view(msisdn)!;
  }

  async remove(msisdnRaw: string): Promise<boolean> {
    const msisdn = normaliseMsisdn(msisdnRaw);
    if (!msisdn) return false;
    return this.profiles.delete(msisdn);
  }
}
