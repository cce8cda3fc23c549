/**
 * Visual-voicemail mailboxes (VVM.md § IMAP server, § Message format; docs/vvm.md § Storage).
 *
 * Two collections:
 * - `vvm_mailboxes`, one record per account (key IMSI): UIDVALIDITY and, per folder (INBOX, Trash, Saved,
 *   Greetings), UIDNEXT and the index of live messages — uid, size, flags, internal date (and the greeting
 *   kind in Greetings). Everything that must change together (a message becoming visible with its counters,
 *   flags, an expunge, a move between folders, the quota check) is one atomic `update()` of this record. Its
 *   size is bounded by the account's quota (about 40 bytes a message), never by the number of accounts.
 * - `vvm_messages`, one record per message (key `<imsi>/<folder>/<uid>`): the RFC 5322 bytes, immutable.
 *
 * A deposit is three writes: reserve the UID (UIDNEXT + 1, so no two writers can take the same key),
 * write the message record, then make it visible in the index (with the quota checked again). A message
 * record is visible only once the index lists it, so a crash between the writes leaves at most an invisible
 * record and a gap in UIDs (allowed by RFC 3501), never a half-visible message; `removeAll` sweeps such
 * records with the account.
 */
import type { Clock, Collection, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { KeyChains } from '../../store/key-chains.js';
import {
  buildGreeting, buildVoiceMessage, greetingKindOf, headerLength, headerValue, GREETING_KINDS, type GreetingKind,
} from '../../imap/mime.js';
import type { VvmAccountService } from './accounts.js';

export const FOLDERS = ['INBOX', 'Trash', 'Saved', 'Greetings'] as const;
export type Folder = (typeof FOLDERS)[number];

/** A folder name as a client may write it (`inbox`, `GREETINGS`) → the folder, or null. */
export function folderOf(name: string): Folder | null {
  const n = name.toLowerCase();
  return FOLDERS.find((f) => f.toLowerCase() === n) ?? null;
}

/** The flags a client may set (VVM.md): anything else is refused. \Recent is the server's. */
export const SETTABLE_FLAGS = ['\\Seen', '\\Deleted', '$CNS-Greeting-On'] as const;
export const GREETING_ON = '$CNS-Greeting-On';

/** The canonical spelling of a settable flag (`\SEEN` → `\Seen`), or null when it is not one. */
export function settableFlag(flag: string): string | null {
  const f = flag.toLowerCase();
  return SETTABLE_FLAGS.find((x) => x.toLowerCase() === f) ?? null;
}

export interface MessageEntry {
  uid: number;
  size: number;
  flags: string[];
  /** INTERNALDATE, ms since the epoch. */
  date: number;
  /** Greetings only. */
  kind?: GreetingKind;
}

export interface FolderState {
  uidnext: number;
  /** Live messages in UID order. */
  msgs: MessageEntry[];
}

export interface VvmMailboxRecord {
  imsi: string;
  uidvalidity: number;
  folders: Record<Folder, FolderState>;
  updated_at: number;
}

export interface VvmMessageRecord {
  imsi: string;
  folder: Folder;
  uid: number;
  /** The message bytes as a latin1 string (exact bytes, JSON-safe). */
  raw: string;
  header_bytes: number;
  date: number;
  /** Voice messages: the caller as deposited ('' = withheld). */
  from: string;
  duration_s: number | null;
  kind?: GreetingKind;
}

export interface QuotaLimits {
  max_messages: number;
  storage_limit_kb: number;
}

export interface MailboxSummary {
  /** Voice messages in INBOX, Saved and Trash (what the `voice` quota counts). */
  messages: number;
  /** INBOX messages without \Seen. */
  unseen: number;
  /** Every message, greetings included (what STORAGE counts). */
  bytes: number;
  quota: QuotaLimits;
}

export interface VvmEvent {
  imsi: string;
  /** NM: a new message was deposited; MBU: the mailbox changed; GU: a greeting changed. */
  kind: 'NM' | 'MBU' | 'GU';
  uid?: number;
  /** Who made the change: the phone over IMAP, or the operator (API, CLI, voicemail platform). */
  origin: 'imap' | 'operator';
}

/** What `vvm_messages_total{operation}` counts (VVM.md § Metrics); `n` messages at once. */
export type MessageOperation = 'deposit' | 'read' | 'delete' | 'move';
export type MessageOperationListener = (op: MessageOperation, n: number, durationS?: number) => void;

export interface GreetingView {
  kind: GreetingKind;
  uid: number;
  bytes: number;
  duration_s: number | null;
  active: boolean;
  created_at: number;
}

export type VvmMailboxErrorCode = 'OMNISEP_VVM_NOT_FOUND' | 'OMNISEP_VVM_INVALID' | 'OMNISEP_VVM_QUOTA_EXCEEDED';

export class VvmMailboxError extends Error {
  override readonly name = 'VvmMailboxError';
  constructor(readonly code: VvmMailboxErrorCode, message: string) {
    super(message);
  }
}

/** A deposit, copy or append that would take the account over its quota. */
export class VvmQuotaError extends VvmMailboxError {
  constructor(readonly used: { messages: number; bytes: number }, readonly quota: QuotaLimits, what: string) {
    super('OMNISEP_VVM_QUOTA_EXCEEDED', `mailbox full: ${what} (${used.messages}/${quota.max_messages} messages, ${Math.ceil(used.bytes / 1024)}/${quota.storage_limit_kb} KiB)`);
  }
}

export interface VvmMailboxOptions {
  /** The host name in message addresses and Message-IDs (`vvm.imap_server`). */
  domain: string;
  defaultMaxMessages: number;
  defaultStorageLimitKb: number;
  maxGreetingSeconds: number;
}

const messageKey = (imsi: string, folder: Folder, uid: number) => `${imsi}/${folder}/${uid}`;
const isVoiceFolder = (f: Folder) => f !== 'Greetings';

function emptyRecord(imsi: string, uidvalidity: number, now: number): VvmMailboxRecord {
  const folders = {} as Record<Folder, FolderState>;
  for (const f of FOLDERS) folders[f] = { uidnext: 1, msgs: [] };
  return { imsi, uidvalidity, folders, updated_at: now };
}

/** Voice messages and bytes held now. */
export function usage(rec: VvmMailboxRecord): { messages: number; bytes: number } {
  let messages = 0;
  let bytes = 0;
  for (const f of FOLDERS) {
    for (const m of rec.folders[f].msgs) {
      bytes += m.size;
      if (isVoiceFolder(f)) messages++;
    }
  }
  return { messages, bytes };
}

/** Puts `m` into `msgs` (ascending by UID) where its UID goes: at the end but when another write got there first. */
function insertByUid<M extends { uid: number }>(msgs: M[], m: M): void {
  let i = msgs.length;
  while (i > 0 && msgs[i - 1]!.uid > m.uid) i--;
  msgs.splice(i, 0, m);
}

const overQuota = (u: { messages: number; bytes: number }, q: QuotaLimits) => u.messages > q.max_messages || u.bytes > q.storage_limit_kb * 1024;

export class VvmMailboxService {
  readonly #boxes: Collection<VvmMailboxRecord>;
  readonly #messages: Collection<VvmMessageRecord>;
  readonly #listeners = new Set<(e: VvmEvent) => void>();
  readonly #counters = new Set<MessageOperationListener>();
  /** Per IMSI: the writes that reserve UIDs and then make them visible, one after another (#inUidOrder). */
  readonly #uidLanes = new KeyChains();

  constructor(store: Store, private readonly clock: Clock, private readonly accounts: VvmAccountService, private readonly opts: VvmMailboxOptions) {
    this.#boxes = openCollection<VvmMailboxRecord>(store, 'vvm_mailboxes');
    this.#messages = openCollection<VvmMessageRecord>(store, 'vvm_messages');
  }

  /** Subscribe to NM / MBU / GU (the OMTP side turns them into SYNC SMS). Returns the unsubscribe function. */
  onEvent(listener: (e: VvmEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Subscribe to message operations (the daemon counts vvm_messages_total from them): `deposit` (with the
   * announced length), `read` (a message body fetched), `delete` (expunged), `move`. Counted here, in the
   * service, so every path (API, CLI, IMAP, another caller) is counted once.
   */
  onOperation(listener: MessageOperationListener): () => void {
    this.#counters.add(listener);
    return () => this.#counters.delete(listener);
  }

  #count(op: MessageOperation, n: number, durationS?: number): void {
    if (n <= 0) return;
    for (const l of this.#counters) {
      try {
        l(op, n, durationS);
      } catch {
        // a counter's failure never fails the operation
      }
    }
  }

  /** A message read by its owner (FETCH of a body section, RFC822, TEXT): counted as `read`. */
  async readMessage(imsi: string, folder: Folder, uid: number): Promise<VvmMessageRecord | undefined> {
    const m = await this.#messages.get(messageKey(imsi, folder, uid));
    if (m) this.#count('read', 1);
    return m;
  }

  #emit(e: VvmEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure is its own business; the mailbox change is already durable
      }
    }
  }

  async quotaOf(imsi: string): Promise<QuotaLimits> {
    const acct = await this.accounts.get(imsi);
    if (!acct) throw new VvmMailboxError('OMNISEP_VVM_NOT_FOUND', `no VVM account for ${imsi}`);
    return { max_messages: acct.max_messages ?? this.opts.defaultMaxMessages, storage_limit_kb: acct.storage_limit_kb ?? this.opts.defaultStorageLimitKb };
  }

  /** The account's mailbox record, created (with a new UIDVALIDITY) on first use. */
  async open(imsi: string): Promise<VvmMailboxRecord> {
    const have = await this.#boxes.get(imsi);
    if (have) return have;
    const now = this.clock.now();
    // UIDVALIDITY: seconds since the epoch at creation (non-zero, 32 bits), so a mailbox removed and made
    // again gets a new one and a client drops its cache.
    const uidvalidity = Math.max(1, Math.floor(now / 1000) % 0xffffffff);
    return this.#boxes.update(imsi, (cur) => (cur ? { result: cur } : { result: emptyRecord(imsi, uidvalidity, now), put: emptyRecord(imsi, uidvalidity, now) }));
  }

  /** The stored record, or undefined when the account never had mail. */
  peek(imsi: string): Promise<VvmMailboxRecord | undefined> {
    return this.#boxes.get(imsi);
  }

  async getMessage(imsi: string, folder: Folder, uid: number): Promise<VvmMessageRecord | undefined> {
    return this.#messages.get(messageKey(imsi, folder, uid));
  }

  async summary(imsi: string): Promise<MailboxSummary> {
    const quota = await this.quotaOf(imsi);
    const rec = await this.#boxes.get(imsi);
    if (!rec) return { messages: 0, unseen: 0, bytes: 0, quota };
    const u = usage(rec);
    const unseen = rec.folders.INBOX.msgs.filter((m) => !m.flags.includes('\\Seen')).length;
    return { messages: u.messages, unseen, bytes: u.bytes, quota };
  }

  /**
   * A new voice message from the voicemail platform into INBOX. Visible at once with its counters, or not
   * at all. Over quota → VvmQuotaError (nothing stored).
   */
  async deposit(imsi: string, d: { from: string; audio: Buffer; contentType: string; durationS?: number; receivedAt?: number }): Promise<{ uid: number; messageId: string }> {
    if (!/^audio\/[a-z0-9.+-]+(\s*;.*)?$/i.test(d.contentType)) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `content type ${JSON.stringify(d.contentType)} is not audio/* (VVM.md: the top level is multipart/* with one audio/* part)`);
    if (d.audio.length === 0) throw new VvmMailboxError('OMNISEP_VVM_INVALID', 'the audio is empty');
    if (d.durationS !== undefined && (!Number.isFinite(d.durationS) || d.durationS < 0 || d.durationS > 86_400)) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `duration ${d.durationS} s is not between 0 and 86400`);
    if (!/^\+?[0-9]{0,20}$/.test(d.from)) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `caller ${JSON.stringify(d.from)} is not a number (digits, optional +; empty = withheld)`);
    return this.#inUidOrder(imsi, () => this.#deposit(imsi, d));
  }

  async #deposit(imsi: string, d: { from: string; audio: Buffer; contentType: string; durationS?: number; receivedAt?: number }): Promise<{ uid: number; messageId: string }> {
    const quota = await this.quotaOf(imsi);
    const box = await this.open(imsi);
    const date = d.receivedAt ?? this.clock.now();
    const build = (uid: number) => {
      const messageId = `${uid}.${box.uidvalidity}.${imsi}`;
      return { messageId, raw: buildVoiceMessage({ from: d.from, to: imsi, domain: this.opts.domain, messageId, date, audio: d.audio, contentType: d.contentType, durationS: d.durationS }) };
    };
    // Refuse early when even the smallest UID would not fit (no UID is spent on a full mailbox).
    const estimate = build(box.folders.INBOX.uidnext).raw.length;
    const now = usage(box);
    if (overQuota({ messages: now.messages + 1, bytes: now.bytes + estimate }, quota)) throw new VvmQuotaError(now, quota, 'deposit refused');
    const [uid] = await this.#reserve(imsi, 'INBOX', 1);
    const { messageId, raw } = build(uid!);
    const entry: MessageEntry = { uid: uid!, size: raw.length, flags: ['\\Recent'], date };
    await this.#messages.put(messageKey(imsi, 'INBOX', uid!), {
      imsi, folder: 'INBOX', uid: uid!, raw: raw.toString('latin1'), header_bytes: headerLength(raw), date, from: d.from, duration_s: d.durationS ?? null,
    });
    await this.#commit(imsi, quota, 'deposit refused', (rec) => { insertByUid(rec.folders.INBOX.msgs, entry); }, [messageKey(imsi, 'INBOX', uid!)]);
    this.#count('deposit', 1, d.durationS);
    // NM: the OMTP side queues the SYNC for every deposit, whoever made it (OmtpService.attach).
    this.#emit({ imsi, kind: 'NM', uid: uid!, origin: 'operator' });
    return { uid: uid!, messageId: `<${messageId}@${this.opts.domain}>` };
  }

  /**
   * APPEND (VVM.md: greeting upload): into Greetings only, with `X-CNS-Greeting-Type`. A greeting replaces
   * the one of the same kind. Returns the new UID and UIDVALIDITY (UIDPLUS APPENDUID).
   */
  async append(imsi: string, folder: Folder, raw: Buffer, flags: readonly string[], date: number | undefined, origin: VvmEvent['origin'] = 'imap'): Promise<{ uid: number; uidvalidity: number }> {
    if (folder !== 'Greetings') throw new VvmMailboxError('OMNISEP_VVM_INVALID', 'APPEND is for greetings: only to the Greetings folder (VVM.md)');
    const hl = headerLength(raw);
    const header = raw.subarray(0, hl);
    const kind = greetingKindOf(headerValue(header, 'x-cns-greeting-type'));
    if (!kind) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `a greeting needs X-CNS-Greeting-Type: ${GREETING_KINDS.map((k) => k.replace('_', '-')).join(' | ')} (normal-greeting, busy-greeting, extended-absence-greeting, voice-signature)`);
    const durRaw = headerValue(header, 'content-duration');
    const duration = durRaw !== undefined && /^\d+$/.test(durRaw) ? Number(durRaw) : null;
    if (duration !== null && duration > this.opts.maxGreetingSeconds) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `greeting of ${duration} s is longer than ${this.opts.maxGreetingSeconds} s`);
    const canon: string[] = [];
    for (const f of flags) {
      const c = settableFlag(f);
      if (!c) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `flag ${f} is not allowed (allowed: ${SETTABLE_FLAGS.join(' ')})`);
      if (!canon.includes(c)) canon.push(c);
    }
    return this.#inUidOrder(imsi, async () => {
      const quota = await this.quotaOf(imsi);
      const box = await this.open(imsi);
      const [uid] = await this.#reserve(imsi, 'Greetings', 1);
      const at = date ?? this.clock.now();
      const key = messageKey(imsi, 'Greetings', uid!);
      await this.#messages.put(key, { imsi, folder: 'Greetings', uid: uid!, raw: raw.toString('latin1'), header_bytes: hl, date: at, from: '', duration_s: duration, kind });
      const replaced: number[] = [];
      await this.#commit(imsi, quota, 'greeting refused', (rec) => {
        replaced.length = 0; // the update function may run again
        const g = rec.folders.Greetings;
        for (const m of g.msgs) if (m.kind === kind) replaced.push(m.uid);
        g.msgs = g.msgs.filter((m) => m.kind !== kind);
        if (canon.includes(GREETING_ON)) clearGreetingOn(g, kind);
        insertByUid(g.msgs, { uid: uid!, size: raw.length, flags: canon, date: at, kind });
      }, [key]);
      await this.#deleteRecords(imsi, 'Greetings', replaced);
      this.#emit({ imsi, kind: 'GU', uid: uid!, origin });
      return { uid: uid!, uidvalidity: box.uidvalidity };
    });
  }

  /** The operator's greeting upload (CLI/API): built as VVM.md's greeting message and made the active one of its kind. */
  async setGreeting(imsi: string, kind: GreetingKind, audio: Buffer, contentType: string, durationS?: number): Promise<GreetingView> {
    if (!GREETING_KINDS.includes(kind)) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `greeting kind ${JSON.stringify(kind)} is not one of ${GREETING_KINDS.join(', ')}`);
    if (!/^audio\/[a-z0-9.+-]+(\s*;.*)?$/i.test(contentType)) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `content type ${JSON.stringify(contentType)} is not audio/*`);
    if (audio.length === 0) throw new VvmMailboxError('OMNISEP_VVM_INVALID', 'the audio is empty');
    const now = this.clock.now();
    const raw = buildGreeting({ kind, user: imsi, domain: this.opts.domain, messageId: `g${now}.${imsi}`, date: now, audio, contentType, durationS });
    const { uid } = await this.append(imsi, 'Greetings', raw, [GREETING_ON], now, 'operator');
    return (await this.listGreetings(imsi)).find((g) => g.uid === uid)!;
  }

  async listGreetings(imsi: string): Promise<GreetingView[]> {
    await this.quotaOf(imsi); // unknown account → not found
    const rec = await this.#boxes.get(imsi);
    if (!rec) return [];
    const out: GreetingView[] = [];
    for (const m of rec.folders.Greetings.msgs) {
      const msg = await this.#messages.get(messageKey(imsi, 'Greetings', m.uid));
      if (!m.kind) continue;
      out.push({ kind: m.kind, uid: m.uid, bytes: m.size, duration_s: msg?.duration_s ?? null, active: m.flags.includes(GREETING_ON), created_at: m.date });
    }
    return out;
  }

  async removeGreeting(imsi: string, kind: GreetingKind): Promise<boolean> {
    await this.quotaOf(imsi);
    const removed = await this.#boxes.update(imsi, (cur) => {
      if (!cur) return { result: [] as number[] };
      const g = cur.folders.Greetings;
      const gone = g.msgs.filter((m) => m.kind === kind).map((m) => m.uid);
      if (!gone.length) return { result: gone };
      g.msgs = g.msgs.filter((m) => m.kind !== kind);
      return { result: gone, put: { ...cur, updated_at: this.clock.now() } };
    });
    await this.#deleteRecords(imsi, 'Greetings', removed);
    if (removed.length) this.#emit({ imsi, kind: 'GU', origin: 'operator' });
    return removed.length > 0;
  }

  /**
   * STORE: add, remove or replace flags on the given UIDs (atomically, one write). Returns the messages
   * whose flags changed, with their new flags. Throws VvmMailboxError for a flag a client may not set.
   */
  async storeFlags(imsi: string, folder: Folder, uids: readonly number[] | ((uid: number) => boolean), mode: 'add' | 'remove' | 'set', flags: readonly string[], origin: VvmEvent['origin'] = 'imap'): Promise<Array<{ uid: number; flags: string[] }>> {
    const canon: string[] = [];
    for (const f of flags) {
      const c = settableFlag(f);
      if (!c) throw new VvmMailboxError('OMNISEP_VVM_INVALID', `flag ${f} is not allowed`);
      if (!canon.includes(c)) canon.push(c);
    }
    const match = typeof uids === 'function' ? uids : ((set) => (u: number) => set.has(u))(new Set(uids));
    const changed = await this.#boxes.update(imsi, (cur) => {
      const out: Array<{ uid: number; flags: string[] }> = [];
      if (!cur) return { result: out };
      const fs = cur.folders[folder];
      for (const m of fs.msgs) {
        if (!match(m.uid)) continue;
        const before = m.flags.join(' ');
        const recent = m.flags.includes('\\Recent');
        let next: string[];
        if (mode === 'set') next = [...(recent ? ['\\Recent'] : []), ...canon];
        else if (mode === 'add') next = [...m.flags, ...canon.filter((f) => !m.flags.includes(f))];
        else next = m.flags.filter((f) => !canon.includes(f));
        if (next.join(' ') === before) continue;
        if (folder === 'Greetings' && next.includes(GREETING_ON) && !m.flags.includes(GREETING_ON) && m.kind) clearGreetingOn(fs, m.kind, m.uid, out);
        m.flags = next;
        out.push({ uid: m.uid, flags: next });
      }
      return out.length ? { result: out, put: { ...cur, updated_at: this.clock.now() } } : { result: out };
    });
    if (changed.length) this.#emit({ imsi, kind: folder === 'Greetings' ? 'GU' : 'MBU', origin });
    return changed;
  }

  /** Clears \Recent on the folder's messages (the first SELECT that saw them); returns the UIDs that were recent. */
  async claimRecent(imsi: string, folder: Folder): Promise<number[]> {
    const rec = await this.#boxes.get(imsi);
    if (!rec || !rec.folders[folder].msgs.some((m) => m.flags.includes('\\Recent'))) return [];
    return this.#boxes.update(imsi, (cur) => {
      if (!cur) return { result: [] };
      const out: number[] = [];
      for (const m of cur.folders[folder].msgs) {
        if (!m.flags.includes('\\Recent')) continue;
        m.flags = m.flags.filter((f) => f !== '\\Recent');
        out.push(m.uid);
      }
      return out.length ? { result: out, put: cur } : { result: out };
    });
  }

  /** EXPUNGE / UID EXPUNGE / CLOSE: removes the messages flagged \Deleted (within `only` when given). Returns the UIDs removed. */
  async expunge(imsi: string, folder: Folder, only?: (uid: number) => boolean, origin: VvmEvent['origin'] = 'imap'): Promise<number[]> {
    const removed = await this.#boxes.update(imsi, (cur) => {
      if (!cur) return { result: [] as number[] };
      const fs = cur.folders[folder];
      const gone = fs.msgs.filter((m) => m.flags.includes('\\Deleted') && (!only || only(m.uid))).map((m) => m.uid);
      if (!gone.length) return { result: gone };
      const set = new Set(gone);
      fs.msgs = fs.msgs.filter((m) => !set.has(m.uid));
      return { result: gone, put: { ...cur, updated_at: this.clock.now() } };
    });
    await this.#deleteRecords(imsi, folder, removed);
    this.#count('delete', removed.length);
    if (removed.length) this.#emit({ imsi, kind: folder === 'Greetings' ? 'GU' : 'MBU', origin });
    return removed;
  }

  /**
   * COPY / MOVE (RFC 6851): the messages with these UIDs into `to`, flags kept. A move removes them from
   * the source in the same atomic write that makes the copies visible. Returns [source UID, new UID] pairs
   * and the destination's UIDVALIDITY (UIDPLUS COPYUID).
   */
  async copy(imsi: string, from: Folder, uids: readonly number[], to: Folder, move: boolean, origin: VvmEvent['origin'] = 'imap'): Promise<{ pairs: Array<[number, number]>; uidvalidity: number }> {
    return this.#inUidOrder(imsi, () => this.#copy(imsi, from, uids, to, move, origin));
  }

  async #copy(imsi: string, from: Folder, uids: readonly number[], to: Folder, move: boolean, origin: VvmEvent['origin']): Promise<{ pairs: Array<[number, number]>; uidvalidity: number }> {
    const box = await this.open(imsi);
    if ((from === 'Greetings') !== (to === 'Greetings')) throw new VvmMailboxError('OMNISEP_VVM_INVALID', 'voice messages and greetings do not move between each other\'s folders');
    const wanted = new Set(uids);
    const src = box.folders[from].msgs.filter((m) => wanted.has(m.uid));
    if (!src.length) return { pairs: [], uidvalidity: box.uidvalidity };
    if (from === to && move) return { pairs: src.map((m) => [m.uid, m.uid]), uidvalidity: box.uidvalidity };
    const quota = await this.quotaOf(imsi);
    if (!move) {
      const u = usage(box);
      const add = { messages: isVoiceFolder(to) ? src.length : 0, bytes: src.reduce((n, m) => n + m.size, 0) };
      if (overQuota({ messages: u.messages + add.messages, bytes: u.bytes + add.bytes }, quota)) throw new VvmQuotaError(u, quota, 'copy refused');
    }
    const newUids = await this.#reserve(imsi, to, src.length);
    const copies: Array<readonly [string, VvmMessageRecord]> = [];
    const pairsAll: Array<[number, number]> = [];
    for (let i = 0; i < src.length; i++) {
      const m = await this.#messages.get(messageKey(imsi, from, src[i]!.uid));
      if (!m) continue;
      copies.push([messageKey(imsi, to, newUids[i]!), { ...m, folder: to, uid: newUids[i]! }]);
      pairsAll.push([src[i]!.uid, newUids[i]!]);
    }
    await this.#messages.putMany(copies);
    const pairs: Array<[number, number]> = [];
    await this.#commit(imsi, quota, move ? 'move refused' : 'copy refused', (rec) => {
      pairs.length = 0; // the update function may run again
      const sf = rec.folders[from];
      const df = rec.folders[to];
      const bySrc = new Map(sf.msgs.map((m) => [m.uid, m]));
      for (const [s, d] of pairsAll) {
        const m = bySrc.get(s);
        if (!m) continue; // expunged meanwhile
        df.msgs.push({ ...m, uid: d, flags: [...m.flags.filter((f) => f !== '\\Recent'), '\\Recent'] });
        pairs.push([s, d]);
      }
      df.msgs.sort((a, b) => a.uid - b.uid);
      if (move) {
        const moved = new Set(pairs.map(([s]) => s));
        sf.msgs = sf.msgs.filter((m) => !moved.has(m.uid));
      }
    }, copies.map(([k]) => k));
    const orphaned = pairsAll.filter(([s]) => !pairs.some(([x]) => x === s)).map(([, d]) => d);
    await this.#deleteRecords(imsi, to, orphaned);
    if (move) await this.#deleteRecords(imsi, from, pairs.map(([s]) => s));
    if (move) this.#count('move', pairs.length);
    if (pairs.length) this.#emit({ imsi, kind: to === 'Greetings' ? 'GU' : 'MBU', origin });
    return { pairs, uidvalidity: box.uidvalidity };
  }

  /** Removes the account's mailbox and every message record under it (account removal; not a request path). */
  async removeAll(imsi: string): Promise<number> {
    await this.#boxes.delete(imsi);
    let n = 0;
    for (;;) {
      const page = await this.#messages.scan({ prefix: `${imsi}/`, limit: 500 });
      if (!page.length) break;
      n += (await this.#messages.deleteMany(page.map(([k]) => k))).length;
    }
    return n;
  }

  /**
   * Runs `fn` — reserve UIDs, write the messages, make them visible — after every such write of the same mailbox
   * in this daemon has finished: UIDs become visible in the order they were reserved, so a client never sees a new
   * message with a lower UID than one it has seen (RFC 3501 §2.3.1.1: UIDs ascend in the order messages are added).
   * Two deposits racing each other reversed the order (found by the PostgreSQL two-daemon test). Daemons sharing a
   * store each order their own; the visibility write also inserts in UID order (insertByUid), so the stored index
   * stays ascending whatever the interleaving across daemons.
   */
  #inUidOrder<T>(imsi: string, fn: () => Promise<T>): Promise<T> {
    return this.#uidLanes.run([imsi], fn);
  }

  /** Takes `n` UIDs of `folder` (UIDNEXT += n) in one atomic write; no two writers get the same UID. */
  async #reserve(imsi: string, folder: Folder, n: number): Promise<number[]> {
    await this.open(imsi);
    return this.#boxes.update(imsi, (cur) => {
      if (!cur) throw new VvmMailboxError('OMNISEP_VVM_NOT_FOUND', `mailbox of ${imsi} vanished`);
      const fs = cur.folders[folder];
      const first = fs.uidnext;
      fs.uidnext += n;
      return { result: Array.from({ length: n }, (_, i) => first + i), put: cur };
    });
  }

  /** The visibility write: applies `change` and checks the quota in one atomic update; over quota → nothing changes, the new records are removed. */
  async #commit(imsi: string, quota: QuotaLimits, what: string, change: (rec: VvmMailboxRecord) => void, newKeys: readonly string[]): Promise<void> {
    const refused = await this.#boxes.update(imsi, (cur) => {
      if (!cur) return { result: { messages: 0, bytes: 0 } as { messages: number; bytes: number } | null };
      const before = usage(cur);
      change(cur);
      const after = usage(cur);
      // Only growth is refused: a move within the quota, or a mailbox already over a lowered quota, may still shrink.
      if (overQuota(after, quota) && (after.messages > before.messages || after.bytes > before.bytes)) return { result: before };
      return { result: null, put: { ...cur, updated_at: this.clock.now() } };
    });
    if (refused) {
      for (const k of newKeys) await this.#messages.delete(k);
      throw new VvmQuotaError(refused, quota, what);
    }
  }

  async #deleteRecords(imsi: string, folder: Folder, uids: readonly number[]): Promise<void> {
    for (const uid of uids) await this.#messages.delete(messageKey(imsi, folder, uid));
  }
}

/** Only one greeting (of the non-signature kinds) is active; the voice signature's flag is its own. */
function clearGreetingOn(g: FolderState, kind: GreetingKind, except?: number, out?: Array<{ uid: number; flags: string[] }>): void {
  for (const m of g.msgs) {
    if (m.uid === except || !m.flags.includes(GREETING_ON)) continue;
    const sameGroup = (m.kind === 'voice_signature') === (kind === 'voice_signature');
    if (!sameGroup) continue;
    m.flags = m.flags.filter((f) => f !== GREETING_ON);
    out?.push({ uid: m.uid, flags: m.flags });
  }
}
