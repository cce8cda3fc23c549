/**
 * One IMAP connection (RFC 3501 §3 states: not authenticated → authenticated → selected → logout), over
 * the VVM services. The socket side (daemon/imap/server.ts) feeds it bytes and gives it a `SessionIo`;
 * commands run one at a time, in order. Answers use VVM.md's exact texts where the client contract gives
 * them (LOGIN failures, XCHANGE_TUI_PWD, the `voice` quota).
 */
import type { Services } from '../services.js';
import { CommandFramer, type FramerEvent } from '../../src/imap/framer.js';
import { parseCommand, type Command, type FetchAtt, type SearchKey, type SeqSet } from '../../src/imap/parser.js';
import { bodyStructure, envelope, inSet, istring, partialOf, sectionBytes } from '../../src/imap/render.js';
import { headerLength, headerValue, imapDate, parseImapDate } from '../../src/imap/mime.js';
import { FOLDERS, folderOf, VvmMailboxError, VvmQuotaError, type Folder, type MessageEntry, type VvmMailboxRecord } from '../../src/services/vvm/mailbox.js';
import { LOGIN_FAILURE_TEXT, PIN_PROBLEM_TEXT, VvmPinError, type VvmAccountView } from '../../src/services/vvm/accounts.js';

export interface SessionIo {
  write(data: string | Buffer): void;
  /** Upgrades the connection to TLS (STARTTLS); resolves once the handshake is done. */
  startTls(): Promise<void>;
  close(): void;
  readonly remoteAddress: string;
  readonly secure: boolean;
}

export interface SessionOptions {
  services: Services['vvm'];
  maxLine: number;
  maxLiteral: number;
  allowPlaintextLogin: boolean;
  loginFailureDelayMs: number;
  /** Runs `fn` after `ms` (the daemon's timer). */
  delay(ms: number): Promise<void>;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** The session logged in / out of an account (the server routes mailbox changes to it). */
  onAuth(session: ImapSession, imsi: string | null): void;
  /** A command was answered: the metric hook. */
  onCommand?(name: string, result: 'ok' | 'no' | 'bad'): void;
  onLogin?(result: 'success' | 'auth_failed'): void;
}

const CAPS_BASE = 'IMAP4rev1 AUTH=PLAIN AUTH=LOGIN UIDPLUS MOVE QUOTA IDLE';

interface Selected {
  folder: Folder;
  readOnly: boolean;
  uidvalidity: number;
  /** The session's view: sequence number n is uids[n-1]. */
  uids: number[];
  flags: Map<number, string>;
}

type Mode = { kind: 'command' } | { kind: 'idle'; tag: string } | { kind: 'auth'; tag: string; mech: 'PLAIN' | 'LOGIN'; user: string | null };

const DELETED = '\\Deleted';

export class ImapSession {
  readonly #framer: CommandFramer;
  #queue: FramerEvent[] = [];
  #busy = false;
  #closed = false;
  #account: VvmAccountView | null = null;
  #sel: Selected | null = null;
  #mode: Mode = { kind: 'command' };
  #changed = false;
  #tlsActive: boolean;
  /** Answers not yet handed to the socket: one write per burst of commands (see #write). */
  #out: Buffer[] = [];
  #outBytes = 0;

  constructor(private readonly io: SessionIo, private readonly opts: SessionOptions, private readonly implicitTls: boolean) {
    this.#framer = new CommandFramer({ maxLine: opts.maxLine, maxLiteral: opts.maxLiteral });
    this.#tlsActive = io.secure;
  }

  get imsi(): string | null {
    return this.#account?.imsi ?? null;
  }

  get authenticated(): boolean {
    return this.#account !== null;
  }

  greet(): void {
    this.#write(`* OK [CAPABILITY ${this.#caps()}] omnisep VVM IMAP ready\r\n`);
    this.#flush();
  }

  /**
   * Queues answer bytes. They reach the socket in one write when a command (or client event) is done
   * (#drain, #run), before STARTTLS and close, or once 64 KiB are waiting: one syscall and one TCP segment
   * per answer instead of one per line (the untagged data and the tagged OK of a FETCH used to be two).
   */
  #write(data: string | Buffer): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#out.push(b);
    this.#outBytes += b.length;
    if (this.#outBytes >= 65_536) this.#flush();
  }

  #flush(): void {
    if (!this.#out.length) return;
    const data = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out, this.#outBytes);
    this.#out = [];
    this.#outBytes = 0;
    this.io.write(data);
  }

  #caps(): string {
    return this.#tlsActive || this.implicitTls ? CAPS_BASE : CAPS_BASE.replace('IMAP4rev1', 'IMAP4rev1 STARTTLS');
  }

  /** Bytes from the client. */
  feed(chunk: Buffer): void {
    if (this.#closed) return;
    this.#queue.push(...this.#framer.push(chunk));
    void this.#drain();
  }

  /** The account's mailbox changed (a deposit, another session): IDLE tells the client now, others at their next command. */
  mailboxChanged(): void {
    this.#changed = true;
    if (this.#mode.kind === 'idle' && !this.#busy) void this.#run(() => this.#sync(true));
  }

  /** The connection is going away (timeout, shutdown): say BYE. */
  bye(text: string): void {
    if (this.#closed) return;
    this.#write(`* BYE ${text}\r\n`);
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#flush();
    this.opts.onAuth(this, null);
    this.io.close();
  }

  /** One command or client event at a time: a failure is logged and ends the session with BYE, never the daemon. */
  async #guarded(fn: () => Promise<void>): Promise<void> {
    this.#busy = true;
    try {
      await fn();
    } catch (e) {
      this.opts.log.warn({ err: e, remote: this.io.remoteAddress }, 'imap: command failed');
      this.bye('internal error');
    } finally {
      this.#busy = false;
    }
  }

  async #run(fn: () => Promise<void>): Promise<void> {
    await this.#guarded(fn);
    this.#flush();
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#busy) return;
    while (this.#queue.length && !this.#closed) {
      const ev = this.#queue.shift()!;
      await this.#guarded(() => this.#event(ev));
      this.#flush();
    }
  }

  async #event(ev: FramerEvent): Promise<void> {
    if (ev.type === 'continue') {
      this.#write('+ Ready for literal data\r\n');
      return;
    }
    if (ev.type === 'error') {
      const code = ev.code === 'TOOBIG' ? '[TOOBIG] ' : '';
      if (ev.fatal) { this.bye(`${code}${ev.message}`); return; }
      this.#write(ev.code === 'TOOBIG' ? `${ev.tag ?? '*'} NO ${code}${ev.message}\r\n` : `${ev.tag ?? '*'} BAD ${ev.message}\r\n`);
      this.opts.onCommand?.('unknown', ev.code === 'TOOBIG' ? 'no' : 'bad');
      return;
    }
    const line = ev.frame.bytes;
    if (this.#mode.kind === 'idle') {
      const tag = this.#mode.tag;
      this.#mode = { kind: 'command' };
      if (/^DONE\r?\n$/i.test(line.toString('latin1'))) this.#tagged(tag, 'OK', 'IDLE terminated', 'IDLE');
      else this.#tagged(tag, 'BAD', 'expected DONE', 'IDLE');
      return;
    }
    if (this.#mode.kind === 'auth') {
      await this.#authStep(line.toString('latin1').replace(/\r?\n$/, ''));
      return;
    }
    const parsed = parseCommand(ev.frame);
    if (!parsed.ok) {
      this.#write(`${parsed.error.tag ?? '*'} BAD ${parsed.error.message}\r\n`);
      this.opts.onCommand?.('unknown', 'bad');
      return;
    }
    await this.#command(parsed.command);
  }

  #tagged(tag: string, status: 'OK' | 'NO' | 'BAD', text: string, name: string): void {
    this.#write(`${tag} ${status} ${text}\r\n`);
    this.opts.onCommand?.(name, status === 'OK' ? 'ok' : status === 'NO' ? 'no' : 'bad');
  }

  async #command(cmd: Command): Promise<void> {
    const { tag } = cmd;
    const ok = (text = `${cmd.name} completed`) => this.#tagged(tag, 'OK', text, cmd.name);
    const no = (text: string) => this.#tagged(tag, 'NO', text, cmd.name);
    const bad = (text: string) => this.#tagged(tag, 'BAD', text, cmd.name);
    switch (cmd.name) {
      case 'CAPABILITY':
        this.#write(`* CAPABILITY ${this.#caps()}\r\n`);
        return ok();
      case 'NOOP':
      case 'CHECK':
        if (this.#sel) await this.#sync(true);
        return ok();
      case 'LOGOUT':
        this.#write('* BYE logging out\r\n');
        ok();
        this.#close();
        return;
      case 'STARTTLS':
        if (this.#tlsActive || this.implicitTls) return bad('TLS is already active');
        if (this.#account) return bad('STARTTLS only before LOGIN');
        ok('Begin TLS negotiation now');
        // Anything the client sent after STARTTLS in the clear is dropped (no command injection into TLS).
        this.#queue = [];
        this.#framer.reset();
        this.#flush();
        await this.io.startTls();
        this.#tlsActive = true;
        return;
      case 'LOGIN':
        if (this.#account) return bad('already logged in');
        if (!this.#loginAllowed()) return no('[PRIVACYREQUIRED] LOGIN only after STARTTLS');
        return this.#login(tag, cmd.user, cmd.password, 'LOGIN');
      case 'AUTHENTICATE': {
        if (this.#account) return bad('already logged in');
        if (!this.#loginAllowed()) return no('[PRIVACYREQUIRED] AUTHENTICATE only after STARTTLS');
        if (cmd.mechanism !== 'PLAIN' && cmd.mechanism !== 'LOGIN') return no(`unsupported mechanism ${cmd.mechanism.slice(0, 20)} (PLAIN, LOGIN)`);
        if (cmd.mechanism === 'PLAIN' && cmd.initial !== null) return this.#plain(tag, cmd.initial);
        this.#mode = { kind: 'auth', tag, mech: cmd.mechanism, user: null };
        this.#write(cmd.mechanism === 'PLAIN' ? '+ \r\n' : '+ VXNlcm5hbWU6\r\n');
        return;
      }
      default:
        break;
    }
    const account = this.#account;
    if (!account) return bad(`${cmd.name} needs LOGIN first`);
    const imsi = account.imsi;
    const mb = this.opts.services.mailbox;
    switch (cmd.name) {
      case 'SELECT':
      case 'EXAMINE': {
        this.#sel = null;
        const folder = folderOf(cmd.mailbox);
        if (!folder) return no(`no such folder (${FOLDERS.join(', ')})`);
        const readOnly = cmd.name === 'EXAMINE';
        let box = await mb.open(imsi);
        const recent = readOnly ? box.folders[folder].msgs.filter((m) => m.flags.includes('\\Recent')).length : (await mb.claimRecent(imsi, folder)).length;
        if (!readOnly && recent) box = await mb.open(imsi);
        const fs = box.folders[folder];
        this.#sel = { folder, readOnly, uidvalidity: box.uidvalidity, uids: fs.msgs.map((m) => m.uid), flags: new Map(fs.msgs.map((m) => [m.uid, m.flags.join(' ')])) };
        this.#changed = false;
        const firstUnseen = fs.msgs.findIndex((m) => !m.flags.includes('\\Seen'));
        this.#write(
          `* FLAGS (\\Seen \\Deleted \\Recent $CNS-Greeting-On)\r\n* OK [PERMANENTFLAGS (${readOnly ? '' : '\\Seen \\Deleted $CNS-Greeting-On'})] flags\r\n` +
          `* ${fs.msgs.length} EXISTS\r\n* ${recent} RECENT\r\n` +
          (firstUnseen >= 0 ? `* OK [UNSEEN ${firstUnseen + 1}] first unseen\r\n` : '') +
          `* OK [UIDVALIDITY ${box.uidvalidity}] UIDs valid\r\n* OK [UIDNEXT ${fs.uidnext}] next UID\r\n`,
        );
        return ok(`[${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${cmd.name} completed`);
      }
      case 'LIST':
      case 'LSUB': {
        if (cmd.pattern === '') {
          if (cmd.name === 'LIST') this.#write('* LIST (\\Noselect) "/" ""\r\n');
          return ok();
        }
        const re = listPattern(cmd.reference + cmd.pattern);
        for (const f of FOLDERS) if (re.test(f)) this.#write(`* ${cmd.name} (${f === 'INBOX' ? '' : '\\HasNoChildren'}) "/" ${istring(f)}\r\n`);
        return ok();
      }
      case 'STATUS': {
        const folder = folderOf(cmd.mailbox);
        if (!folder) return no('no such folder');
        const box = await mb.open(imsi);
        const fs = box.folders[folder];
        const val: Record<string, number> = {
          MESSAGES: fs.msgs.length, RECENT: fs.msgs.filter((m) => m.flags.includes('\\Recent')).length, UIDNEXT: fs.uidnext,
          UIDVALIDITY: box.uidvalidity, UNSEEN: fs.msgs.filter((m) => !m.flags.includes('\\Seen')).length,
        };
        this.#write(`* STATUS ${istring(folder)} (${cmd.items.map((i) => `${i} ${val[i]}`).join(' ')})\r\n`);
        return ok();
      }
      case 'CREATE':
      case 'DELETE':
      case 'RENAME':
        return no('command not allowed (the folders are fixed: INBOX, Trash, Saved, Greetings)');
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        return folderOf(cmd.mailbox) ? ok() : no('no such folder');
      case 'NAMESPACE':
        this.#write('* NAMESPACE (("" "/")) NIL NIL\r\n');
        return ok();
      case 'GETQUOTAROOT':
      case 'GETQUOTA': {
        if (cmd.name === 'GETQUOTAROOT') {
          const folder = folderOf(cmd.mailbox);
          if (!folder) return no('no such folder');
          this.#write(`* QUOTAROOT ${istring(folder)} ""\r\n`);
        } else if (cmd.name === 'GETQUOTA' && cmd.root !== '') return no('no such quota root (the only one is "")');
        const sum = await mb.summary(imsi);
        this.#write(`* QUOTA "" (voice ${sum.messages} ${sum.quota.max_messages} STORAGE ${Math.ceil(sum.bytes / 1024)} ${sum.quota.storage_limit_kb})\r\n`);
        return ok();
      }
      case 'APPEND': {
        const folder = folderOf(cmd.mailbox);
        if (!folder) return no('[TRYCREATE] no such folder');
        if (folder !== 'Greetings') return no('command not allowed (APPEND is for greetings, to the Greetings folder)');
        const date = cmd.date !== null ? parseImapDate(cmd.date) : undefined;
        if (date === null) return bad('bad date-time (expected e.g. "25-Jan-2025 10:30:00 +0000")');
        try {
          const r = await mb.append(imsi, folder, cmd.message, cmd.flags, date);
          if (this.#sel?.folder === 'Greetings') await this.#sync(true);
          return ok(`[APPENDUID ${r.uidvalidity} ${r.uid}] APPEND completed`);
        } catch (e) {
          if (e instanceof VvmQuotaError) return no(`[OVERQUOTA] ${e.message}`);
          if (e instanceof VvmMailboxError) return no(e.message);
          throw e;
        }
      }
      case 'XCHANGE_TUI_PWD': {
        const pwd = cmd.params.PWD;
        const old = cmd.params.OLD_PWD;
        if (pwd === undefined || old === undefined) return bad('usage: XCHANGE_TUI_PWD PWD=<new> OLD_PWD=<old>');
        try {
          await this.opts.services.accounts.changePin(imsi, old, pwd);
          return ok('password changed successfully');
        } catch (e) {
          if (e instanceof VvmPinError) return no(PIN_PROBLEM_TEXT[e.reason]);
          throw e;
        }
      }
      case 'XCHANGE_VM_LANG': {
        const lang = cmd.params.LANG;
        if (lang === undefined) return bad('usage: XCHANGE_VM_LANG LANG=<n>');
        if (!/^[0-9]{1,2}$/.test(lang)) return no('invalid language');
        this.#account = await this.opts.services.accounts.setLanguage(imsi, lang);
        return ok('language changed successfully');
      }
      case 'XCLOSE_NUT':
        // omnisep keeps no new-user-tutorial state (docs/vvm.md § Decisions): acknowledged so the client goes on.
        return ok('NUT closed');
      case 'IDLE':
        this.#mode = { kind: 'idle', tag };
        this.#write('+ idling\r\n');
        if (this.#sel) await this.#sync(true);
        return;
      default:
        break;
    }
    const sel = this.#sel;
    if (!sel) return bad(`${cmd.name} needs SELECT first`);
    switch (cmd.name) {
      case 'CLOSE':
      case 'UNSELECT':
        if (!sel.readOnly && cmd.name === 'CLOSE') await mb.expunge(imsi, sel.folder);
        this.#sel = null;
        return ok();
      case 'EXPUNGE':
      case 'UID EXPUNGE': {
        if (sel.readOnly) return no('mailbox is read-only (EXAMINE)');
        const only = cmd.name === 'UID EXPUNGE' ? ((set: SeqSet) => (u: number) => inSet(set, u, maxUid(sel)))(cmd.set) : undefined;
        await mb.expunge(imsi, sel.folder, only);
        await this.#sync(true);
        return ok();
      }
      case 'SEARCH': {
        const box = await mb.open(imsi);
        const entries = this.#view(box);
        const hits: number[] = [];
        for (const [i, e] of entries.entries()) if (await this.#matches(cmd.key, e, i + 1, entries.length, sel)) hits.push(cmd.uid ? e.uid : i + 1);
        this.#write(`* SEARCH${hits.length ? ` ${hits.join(' ')}` : ''}\r\n`);
        if (cmd.uid) await this.#sync(true, box);
        return ok();
      }
      case 'FETCH': {
        const seen = await this.#fetch(cmd.uid, cmd.set, cmd.atts);
        if (cmd.uid) await this.#sync(true, seen);
        return ok();
      }
      case 'STORE': {
        if (sel.readOnly) return no('mailbox is read-only (EXAMINE)');
        const targets = this.#resolve(await mb.open(imsi), cmd.uid, cmd.set);
        try {
          const changed = await mb.storeFlags(imsi, sel.folder, targets.map((t) => t.entry.uid), cmd.mode, cmd.flags);
          const byUid = new Map(changed.map((c) => [c.uid, c.flags]));
          for (const t of targets) {
            const flags = byUid.get(t.entry.uid) ?? t.entry.flags;
            sel.flags.set(t.entry.uid, flags.join(' '));
            if (!cmd.silent) this.#write(`* ${t.seq} FETCH (FLAGS (${flags.join(' ')})${cmd.uid ? ` UID ${t.entry.uid}` : ''})\r\n`);
          }
        } catch (e) {
          if (e instanceof VvmMailboxError) return no('command not allowed');
          throw e;
        }
        if (cmd.uid) await this.#sync(true);
        return ok();
      }
      case 'COPY':
      case 'MOVE': {
        const to = folderOf(cmd.mailbox);
        if (!to) return no('[TRYCREATE] no such folder');
        if (cmd.name === 'MOVE' && sel.readOnly) return no('mailbox is read-only (EXAMINE)');
        const targets = this.#resolve(await mb.open(imsi), cmd.uid, cmd.set);
        if (!targets.length) return ok(`${cmd.name} completed (nothing matched)`);
        try {
          const r = await mb.copy(imsi, sel.folder, targets.map((t) => t.entry.uid), to, cmd.name === 'MOVE');
          const copyuid = r.pairs.length ? `[COPYUID ${r.uidvalidity} ${r.pairs.map(([s]) => s).join(',')} ${r.pairs.map(([, d]) => d).join(',')}] ` : '';
          if (cmd.name === 'MOVE') {
            this.#write(`* OK ${copyuid}moved\r\n`);
            await this.#sync(true);
            return ok();
          }
          return ok(`${copyuid}COPY completed`);
        } catch (e) {
          if (e instanceof VvmQuotaError) return no(`[OVERQUOTA] ${e.message}`);
          if (e instanceof VvmMailboxError) return no(e.message);
          throw e;
        }
      }
      default:
        return bad('unknown command');
    }
  }

  #loginAllowed(): boolean {
    return this.#tlsActive || this.implicitTls || this.opts.allowPlaintextLogin;
  }

  async #login(tag: string, user: string, password: string, name: string): Promise<void> {
    const r = await this.opts.services.accounts.authenticate(user, password, this.io.remoteAddress);
    if (r.ok) {
      this.#account = r.account;
      this.opts.onAuth(this, r.account.imsi);
      this.opts.onLogin?.('success');
      this.#tagged(tag, 'OK', `[CAPABILITY ${CAPS_BASE}] ${name} completed`, name);
      return;
    }
    // The log names the cause (VVM.md § Troubleshooting); never the PIN.
    this.opts.log.info({ remote: this.io.remoteAddress, imsi: r.imsi, reason: r.reason }, 'imap: login refused');
    this.opts.onLogin?.('auth_failed');
    await this.opts.delay(this.opts.loginFailureDelayMs);
    this.#tagged(tag, 'NO', LOGIN_FAILURE_TEXT[r.reason], name);
  }

  async #plain(tag: string, b64: string): Promise<void> {
    const parts = Buffer.from(b64, 'base64').toString('utf8').split('\0');
    if (parts.length !== 3 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return this.#tagged(tag, 'BAD', 'malformed PLAIN response', 'AUTHENTICATE');
    return this.#login(tag, parts[1]!, parts[2]!, 'AUTHENTICATE');
  }

  async #authStep(line: string): Promise<void> {
    const m = this.#mode;
    if (m.kind !== 'auth') return;
    if (line === '*') { this.#mode = { kind: 'command' }; return this.#tagged(m.tag, 'BAD', 'AUTHENTICATE cancelled', 'AUTHENTICATE'); }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(line)) { this.#mode = { kind: 'command' }; return this.#tagged(m.tag, 'BAD', 'malformed base64', 'AUTHENTICATE'); }
    if (m.mech === 'PLAIN') { this.#mode = { kind: 'command' }; return this.#plain(m.tag, line); }
    if (m.user === null) {
      this.#mode = { ...m, user: Buffer.from(line, 'base64').toString('utf8') };
      this.#write('+ UGFzc3dvcmQ6\r\n');
      return;
    }
    this.#mode = { kind: 'command' };
    return this.#login(m.tag, m.user, Buffer.from(line, 'base64').toString('utf8'), 'AUTHENTICATE');
  }

  /** The selected folder's entries in the session's view order (sequence numbers), as stored now. */
  #view(box: VvmMailboxRecord): MessageEntry[] {
    const sel = this.#sel!;
    const byUid = new Map(box.folders[sel.folder].msgs.map((m) => [m.uid, m]));
    // Expunged since the view was taken: kept with empty flags until the client is told.
    return sel.uids.map((u) => byUid.get(u) ?? { uid: u, size: 0, flags: [], date: 0 });
  }

  #resolve(box: VvmMailboxRecord, uid: boolean, set: SeqSet): Array<{ seq: number; entry: MessageEntry }> {
    const sel = this.#sel!;
    const live = new Set(box.folders[sel.folder].msgs.map((m) => m.uid));
    const view = this.#view(box);
    const out: Array<{ seq: number; entry: MessageEntry }> = [];
    const max = uid ? maxUid(sel) : view.length;
    view.forEach((entry, i) => {
      if (!live.has(entry.uid)) return;
      if (inSet(set, uid ? entry.uid : i + 1, max)) out.push({ seq: i + 1, entry });
    });
    return out;
  }

  /**
   * FETCH. Returns the mailbox record it read when the fetch changed nothing (no implicit \Seen), so the
   * UID FETCH's unsolicited updates (#sync) come from the same read instead of a second one.
   */
  async #fetch(uid: boolean, set: SeqSet, atts: FetchAtt[]): Promise<VvmMailboxRecord | undefined> {
    const sel = this.#sel!;
    const imsi = this.#account!.imsi;
    const mb = this.opts.services.mailbox;
    const box = await mb.open(imsi);
    const targets = this.#resolve(box, uid, set);
    // vvm_messages_total{operation="read"}: a fetch of the message itself (not only its headers or structure).
    const readsBody = atts.some((a) => (a.kind === 'body' && (a.body.section.kind === 'all' || a.body.section.kind === 'text')) || (a.kind === 'simple' && (a.name === 'RFC822' || a.name === 'RFC822.TEXT')));
    const wantsBody = atts.some((a) => a.kind === 'body' || (a.kind === 'simple' && !['FLAGS', 'UID', 'INTERNALDATE', 'RFC822.SIZE'].includes(a.name)));
    const setsSeen = !sel.readOnly && atts.some((a) => (a.kind === 'body' && !a.body.peek) || (a.kind === 'simple' && (a.name === 'RFC822' || a.name === 'RFC822.TEXT')));
    let newlySeen = new Map<number, string[]>();
    if (setsSeen) {
      const unseen = targets.filter((t) => !t.entry.flags.includes('\\Seen')).map((t) => t.entry.uid);
      if (unseen.length) newlySeen = new Map((await mb.storeFlags(imsi, sel.folder, unseen, 'add', ['\\Seen'])).map((c) => [c.uid, c.flags]));
    }
    for (const t of targets) {
      const msg = wantsBody ? await (readsBody ? mb.readMessage(imsi, sel.folder, t.entry.uid) : mb.getMessage(imsi, sel.folder, t.entry.uid)) : undefined;
      if (wantsBody && !msg) continue;
      const raw = msg ? Buffer.from(msg.raw, 'latin1') : Buffer.alloc(0);
      const hb = msg?.header_bytes ?? 0;
      const chunks: Array<string | Buffer> = [];
      const items: string[] = [];
      const flags = newlySeen.get(t.entry.uid) ?? t.entry.flags;
      if (newlySeen.has(t.entry.uid)) sel.flags.set(t.entry.uid, flags.join(' '));
      let sawUid = false;
      let sawFlags = false;
      const push = (name: string, bytes: Buffer) => { items.push(`${name} {${bytes.length}}\r\n`); chunks.push(bytes); };
      for (const a of atts) {
        if (a.kind === 'body') {
          const { bytes, suffix } = partialOf(sectionBytes(raw, hb, a.body), a.body);
          push(`BODY${a.body.label}${suffix}`, bytes);
          continue;
        }
        switch (a.name) {
          case 'UID': sawUid = true; items.push(`UID ${t.entry.uid}`); break;
          case 'FLAGS': sawFlags = true; items.push(`FLAGS (${flags.join(' ')})`); break;
          case 'INTERNALDATE': items.push(`INTERNALDATE "${imapDate(t.entry.date)}"`); break;
          case 'RFC822.SIZE': items.push(`RFC822.SIZE ${t.entry.size}`); break;
          case 'ENVELOPE': items.push(`ENVELOPE ${envelope(raw)}`); break;
          case 'BODY':
          case 'BODYSTRUCTURE': items.push(`${a.name} ${bodyStructure(raw)}`); break;
          case 'RFC822': push('RFC822', raw); break;
          case 'RFC822.HEADER': push('RFC822.HEADER', raw.subarray(0, hb)); break;
          case 'RFC822.TEXT': push('RFC822.TEXT', raw.subarray(hb)); break;
        }
      }
      if (uid && !sawUid) items.unshift(`UID ${t.entry.uid}`);
      if (newlySeen.has(t.entry.uid) && !sawFlags) items.push(`FLAGS (${flags.join(' ')})`);
      // Items ending in a literal announcement are followed by their bytes.
      const parts: Array<string | Buffer> = [`* ${t.seq} FETCH (`];
      let lit = 0;
      items.forEach((it, i) => {
        parts.push(i ? ` ${it}` : it);
        if (it.endsWith('}\r\n')) parts.push(chunks[lit++]!);
      });
      parts.push(')\r\n');
      for (const p of parts) this.#write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
    }
    return newlySeen.size ? undefined : box;
  }

  async #matches(key: SearchKey, e: MessageEntry, seq: number, count: number, sel: Selected): Promise<boolean> {
    const has = (f: string) => e.flags.includes(f);
    switch (key.k) {
      case 'all': return true;
      case 'seen': return has('\\Seen');
      case 'unseen': return !has('\\Seen');
      case 'deleted': return has(DELETED);
      case 'undeleted': return !has(DELETED);
      case 'recent': return has('\\Recent');
      case 'new': return has('\\Recent') && !has('\\Seen');
      case 'old': return !has('\\Recent');
      case 'answered': case 'flagged': case 'draft': return false;
      case 'unanswered': case 'unflagged': case 'undraft': return true;
      case 'keyword': return e.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase());
      case 'unkeyword': return !e.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase());
      case 'larger': return e.size > key.n;
      case 'smaller': return e.size < key.n;
      case 'before': return e.date < key.date;
      case 'on': return e.date >= key.date && e.date < key.date + 86_400_000;
      case 'since': return e.date >= key.date;
      case 'seq': return inSet(key.set, seq, count);
      case 'uid': return inSet(key.set, e.uid, maxUid(sel));
      case 'not': return !(await this.#matches(key.key, e, seq, count, sel));
      case 'or': return (await this.#matches(key.a, e, seq, count, sel)) || (await this.#matches(key.b, e, seq, count, sel));
      case 'and': {
        for (const k of key.keys) if (!(await this.#matches(k, e, seq, count, sel))) return false;
        return true;
      }
      case 'header':
      case 'sentbefore': case 'senton': case 'sentsince': {
        const msg = await this.opts.services.mailbox.getMessage(this.#account!.imsi, sel.folder, e.uid);
        if (!msg) return false;
        const raw = Buffer.from(msg.raw, 'latin1');
        const head = raw.subarray(0, headerLength(raw));
        if (key.k === 'header') {
          if (key.field === 'body' || key.field === 'text') return raw.toString('latin1').toLowerCase().includes(key.value.toLowerCase());
          const v = headerValue(head, key.field);
          return v !== undefined && v.toLowerCase().includes(key.value.toLowerCase());
        }
        const sent = Date.parse(headerValue(head, 'date') ?? '');
        if (!Number.isFinite(sent)) return false;
        const day = sent - (sent % 86_400_000);
        return key.k === 'sentbefore' ? day < key.date : key.k === 'senton' ? day === key.date : day >= key.date;
      }
    }
  }

  /**
   * Tells the client what changed in the selected folder since its view (RFC 3501 §7.4.1, §5.2): EXPUNGE
   * for messages gone (highest first, so the numbers stay right), FETCH FLAGS for flag changes, EXISTS
   * and RECENT for new ones. Only where the RFC allows it (NOOP, IDLE, CHECK, EXPUNGE, UID commands).
   */
  async #sync(allowExpunge: boolean, read?: VvmMailboxRecord): Promise<void> {
    const sel = this.#sel;
    if (!sel || this.#closed) return;
    this.#changed = false;
    // `read`: the record the command itself just read (nothing written since), else a fresh read.
    const box = read ?? await this.opts.services.mailbox.open(this.#account!.imsi);
    if (box.uidvalidity !== sel.uidvalidity) { this.bye('mailbox was recreated'); return; }
    const msgs = box.folders[sel.folder].msgs;
    const live = new Map(msgs.map((m) => [m.uid, m]));
    let out = '';
    if (allowExpunge) {
      for (let i = sel.uids.length - 1; i >= 0; i--) {
        if (live.has(sel.uids[i]!)) continue;
        out += `* ${i + 1} EXPUNGE\r\n`;
        sel.flags.delete(sel.uids[i]!);
        sel.uids.splice(i, 1);
      }
    }
    sel.uids.forEach((u, i) => {
      const m = live.get(u);
      if (!m) return;
      const f = m.flags.join(' ');
      if (sel.flags.get(u) !== f) {
        sel.flags.set(u, f);
        out += `* ${i + 1} FETCH (FLAGS (${f}))\r\n`;
      }
    });
    const known = new Set(sel.uids);
    const fresh = msgs.filter((m) => !known.has(m.uid));
    if (fresh.length) {
      for (const m of fresh) { sel.uids.push(m.uid); sel.flags.set(m.uid, m.flags.join(' ')); }
      out += `* ${sel.uids.length} EXISTS\r\n* ${msgs.filter((m) => m.flags.includes('\\Recent')).length} RECENT\r\n`;
    }
    if (out) this.#write(out);
  }
}

const maxUid = (sel: Selected) => (sel.uids.length ? sel.uids[sel.uids.length - 1]! : 0);

/** LIST pattern → RegExp: `*` matches anything, `%` anything but the hierarchy delimiter `/`; INBOX case-insensitive. */
function listPattern(p: string): RegExp {
  const body = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*');
  return new RegExp(`^${body}$`, 'i');
}
