/**
 * IMAP4rev1 command parser (RFC 3501 §9 grammar, plus UIDPLUS, MOVE, QUOTA, IDLE and the OMTP
 * extensions): a Frame (src/imap/framer.ts) in, a typed Command or a typed ParseError out. Pure, no I/O;
 * nothing thrown escapes `parseCommand` — every malformed input, whatever it is, becomes a ParseError that
 * the server answers `BAD` (with the tag when one was read).
 */
import type { Frame } from './framer.js';

export class ImapParseError extends Error {
  override readonly name = 'ImapParseError';
  constructor(message: string, readonly tag: string | null = null) {
    super(message);
  }
}

/** Largest number in a sequence set or UID (RFC 3501 nz-number: 1 .. 2^32-1). */
export const MAX_NZ = 4294967295;

/** One range of a sequence set; `*` is `STAR`. */
export const STAR = -1;
export interface SeqRange { from: number; to: number }
export type SeqSet = SeqRange[];

export type Section =
  | { kind: 'all' }
  | { kind: 'header' }
  | { kind: 'fields'; names: string[]; not: boolean }
  | { kind: 'text' }
  | { kind: 'mime' };

export interface BodySection {
  /** Part path (`1.2` → [1, 2]); empty = the whole message. */
  path: number[];
  section: Section;
  peek: boolean;
  partial: { start: number; length: number } | null;
  /** The text as the client wrote it, for the response item name (`BODY[HEADER.FIELDS (DATE)]`). */
  label: string;
}

export type FetchAtt =
  | { kind: 'simple'; name: 'ENVELOPE' | 'FLAGS' | 'INTERNALDATE' | 'RFC822' | 'RFC822.HEADER' | 'RFC822.SIZE' | 'RFC822.TEXT' | 'BODY' | 'BODYSTRUCTURE' | 'UID' }
  | { kind: 'body'; body: BodySection };

export type SearchKey =
  | { k: 'all' | 'answered' | 'deleted' | 'flagged' | 'new' | 'old' | 'recent' | 'seen' | 'unanswered' | 'undeleted' | 'unflagged' | 'unseen' | 'draft' | 'undraft' }
  | { k: 'keyword' | 'unkeyword'; flag: string }
  | { k: 'header'; field: string; value: string }
  | { k: 'before' | 'on' | 'since' | 'sentbefore' | 'senton' | 'sentsince'; date: number }
  | { k: 'larger' | 'smaller'; n: number }
  | { k: 'seq' | 'uid'; set: SeqSet }
  | { k: 'not'; key: SearchKey }
  | { k: 'or'; a: SearchKey; b: SearchKey }
  | { k: 'and'; keys: SearchKey[] };

export type Command =
  | { tag: string; name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'EXPUNGE' | 'IDLE' | 'XCLOSE_NUT' | 'UNSELECT' | 'NAMESPACE' }
  | { tag: string; name: 'LOGIN'; user: string; password: string }
  | { tag: string; name: 'AUTHENTICATE'; mechanism: string; initial: string | null }
  | { tag: string; name: 'SELECT' | 'EXAMINE' | 'CREATE' | 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'GETQUOTAROOT'; mailbox: string }
  | { tag: string; name: 'GETQUOTA'; root: string }
  | { tag: string; name: 'RENAME'; from: string; to: string }
  | { tag: string; name: 'LIST' | 'LSUB'; reference: string; pattern: string }
  | { tag: string; name: 'STATUS'; mailbox: string; items: string[] }
  | { tag: string; name: 'APPEND'; mailbox: string; flags: string[]; date: string | null; message: Buffer }
  | { tag: string; name: 'SEARCH'; uid: boolean; charset: string | null; key: SearchKey }
  | { tag: string; name: 'FETCH'; uid: boolean; set: SeqSet; atts: FetchAtt[] }
  | { tag: string; name: 'STORE'; uid: boolean; set: SeqSet; mode: 'add' | 'remove' | 'set'; silent: boolean; flags: string[] }
  | { tag: string; name: 'COPY' | 'MOVE'; uid: boolean; set: SeqSet; mailbox: string }
  | { tag: string; name: 'UID EXPUNGE'; set: SeqSet }
  | { tag: string; name: 'XCHANGE_TUI_PWD'; params: Record<string, string> }
  | { tag: string; name: 'XCHANGE_VM_LANG'; params: Record<string, string> };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ImapParseError };

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** ATOM-CHAR: any CHAR except atom-specials `(){ %*"\]` and CTLs. */
const ATOM = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) ATOM[c] = 1;
for (const c of '(){ %*"\\]') ATOM[c.charCodeAt(0)] = 0;
/** ASTRING-CHAR: ATOM-CHAR or `]`. */
const ASTRING = ATOM.slice();
ASTRING[0x5d] = 1;
/** list-char: ATOM-CHAR, list-wildcards `%*`, `]`. */
const LISTCHAR = ASTRING.slice();
LISTCHAR[0x25] = 1;
LISTCHAR[0x2a] = 1;
/** A tag: ASTRING-CHAR except `+`. */
const TAGCHAR = ASTRING.slice();
TAGCHAR[0x2b] = 0;

/** A cursor over a frame's bytes; literal data is taken only where the framer saw it. */
class Cursor {
  pos = 0;
  #lit = 0;
  constructor(readonly buf: Buffer, readonly literals: Frame['literals'], public tag: string | null = null) {}

  fail(msg: string): never {
    throw new ImapParseError(msg, this.tag);
  }

  peek(): number {
    return this.pos < this.buf.length ? this.buf[this.pos]! : -1;
  }

  atEnd(): boolean {
    const c = this.peek();
    return c === CR || c === LF || c === -1;
  }

  end(): void {
    if (this.peek() === CR) this.pos++;
    if (this.peek() === LF) this.pos++;
    if (this.pos !== this.buf.length) this.fail('unexpected data after the command');
  }

  sp(): void {
    if (this.peek() !== SP) this.fail(this.atEnd() ? 'missing argument' : 'expected a space');
    this.pos++;
  }

  /** Consumes one space if there is one. */
  maybeSp(): boolean {
    if (this.peek() !== SP) return false;
    this.pos++;
    return true;
  }

  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) this.fail(`expected "${ch}"`);
    this.pos++;
  }

  run(table: Uint8Array, what: string): string {
    const start = this.pos;
    while (this.pos < this.buf.length && table[this.buf[this.pos]!]) this.pos++;
    if (this.pos === start) this.fail(`expected ${what}`);
    return this.buf.toString('latin1', start, this.pos);
  }

  atom(): string {
    return this.run(ATOM, 'an atom');
  }

  /** Case-insensitive keyword match without consuming on a miss. */
  word(w: string): boolean {
    const end = this.pos + w.length;
    if (end > this.buf.length) return false;
    if (this.buf.toString('latin1', this.pos, end).toUpperCase() !== w) return false;
    const next = end < this.buf.length ? this.buf[end]! : -1;
    if (next !== -1 && ATOM[next] && next !== 0x5b) return false;
    this.pos = end;
    return true;
  }

  number(max = MAX_NZ, what = 'a number'): number {
    const start = this.pos;
    while (this.pos < this.buf.length && this.buf[this.pos]! >= 0x30 && this.buf[this.pos]! <= 0x39) this.pos++;
    if (this.pos === start) this.fail(`expected ${what}`);
    if (this.pos - start > 10) this.fail(`${what} above ${max}`);
    const n = Number(this.buf.toString('latin1', start, this.pos));
    if (n > max) this.fail(`${what} above ${max}`);
    return n;
  }

  nz(what = 'a number'): number {
    const n = this.number(MAX_NZ, what);
    if (n === 0) this.fail(`${what} must be 1 to ${MAX_NZ}`);
    return n;
  }

  quoted(): Buffer {
    this.expect('"');
    const out: number[] = [];
    for (;;) {
      if (this.pos >= this.buf.length) this.fail('unterminated quoted string');
      const c = this.buf[this.pos++]!;
      if (c === DQUOTE) break;
      if (c === CR || c === LF) this.fail('line break inside a quoted string');
      if (c === BACKSLASH) {
        const n = this.buf[this.pos++];
        if (n !== DQUOTE && n !== BACKSLASH) this.fail('bad escape in a quoted string (only \\" and \\\\)');
        out.push(n);
        continue;
      }
      out.push(c);
    }
    return Buffer.from(out);
  }

  /** `{n}` / `{n+}` CRLF then the n bytes the framer set aside. */
  literal(): Buffer {
    this.expect('{');
    const lit = this.literals[this.#lit];
    const close = this.buf.indexOf('}', this.pos);
    if (close < 0) this.fail('bad literal');
    this.pos = close + 1;
    if (this.peek() === CR) this.pos++;
    if (this.peek() !== LF) this.fail('a literal announcement must end the line');
    this.pos++;
    if (!lit || lit.start !== this.pos) this.fail('bad literal');
    this.#lit++;
    this.pos = lit.end;
    return this.buf.subarray(lit.start, lit.end);
  }

  string(): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.quoted();
    if (c === 0x7b) return this.literal();
    return this.fail('expected a quoted string or a literal');
  }

  astring(): string {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string().toString('utf8');
    return this.run(ASTRING, 'an atom or a string');
  }

  /** list-mailbox: list-chars or a string. */
  listMailbox(): string {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string().toString('utf8');
    return this.run(LISTCHAR, 'a mailbox pattern');
  }

  seqNumber(): number {
    if (this.peek() === 0x2a) { this.pos++; return STAR; }
    return this.nz('a sequence number');
  }

  seqSet(): SeqSet {
    const out: SeqSet = [];
    for (;;) {
      const from = this.seqNumber();
      let to = from;
      if (this.peek() === 0x3a) { this.pos++; to = this.seqNumber(); }
      out.push({ from, to });
      if (this.peek() !== 0x2c) break;
      this.pos++;
    }
    // A sequence set must not run on into atom characters (`1:4294967296` fails in nz above, `1x` here).
    const c = this.peek();
    if (c !== -1 && c !== SP && c !== CR && c !== LF && c !== 0x29) this.fail('bad sequence set');
    return out;
  }

  /** A flag: `\Word` or an atom. */
  flag(): string {
    if (this.peek() === BACKSLASH) {
      this.pos++;
      if (this.peek() === 0x2a) { this.pos++; return '\\*'; }
      return `\\${this.atom()}`;
    }
    return this.atom();
  }

  flagList(): string[] {
    this.expect('(');
    const out: string[] = [];
    if (this.peek() === 0x29) { this.pos++; return out; }
    for (;;) {
      out.push(this.flag());
      if (this.peek() === 0x29) { this.pos++; return out; }
      this.sp();
    }
  }
}

/** The tag, with the same rules the parser applies (null when there is none). */
function readTag(c: Cursor): string {
  const tag = c.run(TAGCHAR, 'a tag');
  if (tag.length > 64) c.fail('tag longer than 64 characters');
  c.tag = tag;
  return tag;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** date (RFC 3501 §9): `1-Feb-1994` or `"1-Feb-1994"` → ms at 00:00 UTC. */
function searchDate(c: Cursor): number {
  const text = c.peek() === DQUOTE ? c.quoted().toString('latin1') : c.atom();
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const mon = m ? MONTHS.indexOf(m[2]!.toUpperCase()) : -1;
  if (!m || mon < 0 || Number(m[1]) < 1 || Number(m[1]) > 31) c.fail(`bad date ${JSON.stringify(text.slice(0, 20))} (expected e.g. 25-Jan-2025)`);
  return Date.UTC(Number(m[3]), mon, Number(m[1]));
}

const SIMPLE_KEYS = ['ALL', 'ANSWERED', 'DELETED', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'SEEN', 'UNANSWERED', 'UNDELETED', 'UNFLAGGED', 'UNSEEN', 'DRAFT', 'UNDRAFT'] as const;
const HEADER_SHORTCUTS = ['BCC', 'CC', 'FROM', 'SUBJECT', 'TO', 'BODY', 'TEXT'] as const;
const DATE_KEYS = ['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE'] as const;

function searchKey(c: Cursor, depth: number): SearchKey {
  if (depth > 32) c.fail('search keys nested too deep');
  const ch = c.peek();
  if (ch === 0x28) {
    c.pos++;
    const keys = [searchKey(c, depth + 1)];
    while (c.peek() !== 0x29) {
      c.sp();
      keys.push(searchKey(c, depth + 1));
    }
    c.pos++;
    return keys.length === 1 ? keys[0]! : { k: 'and', keys };
  }
  if ((ch >= 0x30 && ch <= 0x39) || ch === 0x2a) return { k: 'seq', set: c.seqSet() };
  const word = c.atom().toUpperCase();
  const simple = SIMPLE_KEYS.find((k) => k === word);
  if (simple) return { k: simple.toLowerCase() as 'all' };
  if (word === 'NOT') { c.sp(); return { k: 'not', key: searchKey(c, depth + 1) }; }
  if (word === 'OR') { c.sp(); const a = searchKey(c, depth + 1); c.sp(); return { k: 'or', a, b: searchKey(c, depth + 1) }; }
  if (word === 'UID') { c.sp(); return { k: 'uid', set: c.seqSet() }; }
  if (word === 'KEYWORD' || word === 'UNKEYWORD') { c.sp(); return { k: word.toLowerCase() as 'keyword', flag: c.flag() }; }
  if (word === 'HEADER') { c.sp(); const field = c.astring(); c.sp(); return { k: 'header', field, value: c.astring() }; }
  if ((HEADER_SHORTCUTS as readonly string[]).includes(word)) { c.sp(); return { k: 'header', field: word.toLowerCase(), value: c.astring() }; }
  if ((DATE_KEYS as readonly string[]).includes(word)) { c.sp(); return { k: word.toLowerCase() as 'on', date: searchDate(c) }; }
  if (word === 'LARGER' || word === 'SMALLER') { c.sp(); return { k: word.toLowerCase() as 'larger', n: c.number() }; }
  return c.fail(`unknown search key ${word.slice(0, 32)}`);
}

function section(c: Cursor): { path: number[]; section: Section } {
  // section-spec inside [ ]
  const path: number[] = [];
  while (c.peek() >= 0x31 && c.peek() <= 0x39) {
    path.push(c.nz('a part number'));
    if (path.length > 32) c.fail('part path too deep');
    if (c.peek() !== 0x2e) break;
    c.pos++;
  }
  if (c.peek() === 0x5d) return { path, section: { kind: 'all' } };
  const start = c.pos;
  while (c.pos < c.buf.length && (ATOM[c.buf[c.pos]!] && c.buf[c.pos] !== 0x5d)) c.pos++;
  const name = c.buf.toString('latin1', start, c.pos).toUpperCase();
  if (name === 'HEADER') return { path, section: { kind: 'header' } };
  if (name === 'TEXT') return { path, section: { kind: 'text' } };
  if (name === 'MIME' && path.length) return { path, section: { kind: 'mime' } };
  if (name === 'HEADER.FIELDS' || name === 'HEADER.FIELDS.NOT') {
    c.sp();
    c.expect('(');
    const names: string[] = [];
    for (;;) {
      names.push(c.astring());
      if (names.length > 256) c.fail('too many header field names');
      if (c.peek() === 0x29) { c.pos++; break; }
      c.sp();
    }
    return { path, section: { kind: 'fields', names, not: name.endsWith('.NOT') } };
  }
  return c.fail(`unknown section ${JSON.stringify(name.slice(0, 32))}`);
}

function bodySection(c: Cursor, peek: boolean): BodySection {
  const open = c.pos;
  c.expect('[');
  const s = section(c);
  c.expect(']');
  let partial: BodySection['partial'] = null;
  const labelEnd = c.pos;
  if (c.peek() === 0x3c) {
    c.pos++;
    const start = c.number(MAX_NZ, 'a partial start');
    c.expect('.');
    const length = c.nz('a partial length');
    c.expect('>');
    partial = { start, length };
  }
  const label = c.buf.toString('latin1', open, labelEnd).toUpperCase();
  return { ...s, peek, partial, label };
}

const SIMPLE_ATTS = ['ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.HEADER', 'RFC822.SIZE', 'RFC822.TEXT', 'RFC822', 'BODYSTRUCTURE', 'UID'] as const;

function fetchAtt(c: Cursor): FetchAtt {
  if (c.word('BODY.PEEK')) return { kind: 'body', body: bodySection(c, true) };
  if (c.peek() !== -1 && c.buf.toString('latin1', c.pos, c.pos + 5).toUpperCase() === 'BODY[') {
    c.pos += 4;
    return { kind: 'body', body: bodySection(c, false) };
  }
  for (const name of SIMPLE_ATTS) if (c.word(name)) return { kind: 'simple', name };
  if (c.word('BODY')) return { kind: 'simple', name: 'BODY' };
  return c.fail('unknown FETCH attribute');
}

const simple = (...names: Array<'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODY'>): FetchAtt[] => names.map((name) => ({ kind: 'simple', name }));

function fetchAtts(c: Cursor): FetchAtt[] {
  if (c.word('ALL')) return simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE');
  if (c.word('FAST')) return simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE');
  if (c.word('FULL')) return simple('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY');
  if (c.peek() !== 0x28) return [fetchAtt(c)];
  c.pos++;
  const out: FetchAtt[] = [];
  for (;;) {
    out.push(fetchAtt(c));
    if (out.length > 64) c.fail('too many FETCH attributes');
    if (c.peek() === 0x29) { c.pos++; return out; }
    c.sp();
  }
}

/** `KEY=value` arguments of the OMTP extensions (VVM.md): atoms or strings. */
function omtpParams(c: Cursor): Record<string, string> {
  const out: Record<string, string> = {};
  while (c.maybeSp()) {
    const item = c.astring();
    const eq = item.indexOf('=');
    if (eq <= 0) c.fail(`expected KEY=value, got ${JSON.stringify(item.slice(0, 32))}`);
    out[item.slice(0, eq).toUpperCase()] = item.slice(eq + 1);
    if (Object.keys(out).length > 8) c.fail('too many parameters');
  }
  return out;
}

const NO_ARGS = ['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'EXPUNGE', 'IDLE', 'XCLOSE_NUT', 'UNSELECT', 'NAMESPACE'] as const;
const ONE_MAILBOX = ['SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'GETQUOTAROOT'] as const;

function command(c: Cursor): Command {
  const tag = readTag(c);
  c.sp();
  let name = c.atom().toUpperCase();
  let uid = false;
  if (name === 'UID') {
    uid = true;
    c.sp();
    name = c.atom().toUpperCase();
    if (!['FETCH', 'SEARCH', 'STORE', 'COPY', 'MOVE', 'EXPUNGE'].includes(name)) c.fail(`UID ${name.slice(0, 32)} is not a UID command`);
  }
  const noArgs = NO_ARGS.find((n) => n === name);
  if (noArgs && !(uid && name === 'EXPUNGE')) return { tag, name: noArgs };
  const oneMailbox = ONE_MAILBOX.find((n) => n === name);
  if (oneMailbox) { c.sp(); return { tag, name: oneMailbox, mailbox: c.astring() }; }
  switch (name) {
    case 'LOGIN': {
      c.sp();
      const user = c.astring();
      c.sp();
      return { tag, name, user, password: c.astring() };
    }
    case 'AUTHENTICATE': {
      c.sp();
      const mechanism = c.atom().toUpperCase();
      const initial = c.maybeSp() ? c.run(ASTRING, 'an initial response') : null;
      return { tag, name, mechanism, initial };
    }
    case 'GETQUOTA': c.sp(); return { tag, name, root: c.astring() };
    case 'RENAME': { c.sp(); const from = c.astring(); c.sp(); return { tag, name, from, to: c.astring() }; }
    case 'LIST':
    case 'LSUB': { c.sp(); const reference = c.astring(); c.sp(); return { tag, name, reference, pattern: c.listMailbox() }; }
    case 'STATUS': {
      c.sp();
      const mailbox = c.astring();
      c.sp();
      c.expect('(');
      const items: string[] = [];
      for (;;) {
        const item = c.atom().toUpperCase();
        if (!['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'].includes(item)) c.fail(`unknown STATUS item ${item.slice(0, 32)}`);
        items.push(item);
        if (items.length > 16) c.fail('too many STATUS items');
        if (c.peek() === 0x29) { c.pos++; break; }
        c.sp();
      }
      return { tag, name, mailbox, items };
    }
    case 'APPEND': {
      c.sp();
      const mailbox = c.astring();
      c.sp();
      let flags: string[] = [];
      let date: string | null = null;
      if (c.peek() === 0x28) { flags = c.flagList(); c.sp(); }
      if (c.peek() === DQUOTE) { date = c.quoted().toString('latin1'); c.sp(); }
      if (c.peek() !== 0x7b) c.fail('APPEND needs the message as a literal');
      return { tag, name, mailbox, flags, date, message: c.literal() };
    }
    case 'SEARCH': {
      c.sp();
      let charset: string | null = null;
      if (c.word('CHARSET')) { c.sp(); charset = c.astring(); c.sp(); }
      const keys = [searchKey(c, 0)];
      while (c.maybeSp()) {
        keys.push(searchKey(c, 0));
        if (keys.length > 64) c.fail('too many search keys');
      }
      return { tag, name, uid, charset, key: keys.length === 1 ? keys[0]! : { k: 'and', keys } };
    }
    case 'FETCH': {
      c.sp();
      const set = c.seqSet();
      c.sp();
      return { tag, name, uid, set, atts: fetchAtts(c) };
    }
    case 'STORE': {
      c.sp();
      const set = c.seqSet();
      c.sp();
      const item = c.atom().toUpperCase();
      const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
      if (!m) c.fail(`unknown STORE item ${item.slice(0, 32)} (expected FLAGS, +FLAGS, -FLAGS, optionally .SILENT)`);
      c.sp();
      let flags: string[];
      if (c.peek() === 0x28) flags = c.flagList();
      else {
        flags = [c.flag()];
        while (c.maybeSp()) flags.push(c.flag());
      }
      return { tag, name, uid, set, mode: m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'set', silent: Boolean(m[2]), flags };
    }
    case 'COPY':
    case 'MOVE': {
      c.sp();
      const set = c.seqSet();
      c.sp();
      return { tag, name, uid, set, mailbox: c.astring() };
    }
    case 'EXPUNGE': {
      // only UID EXPUNGE reaches here
      c.sp();
      return { tag, name: 'UID EXPUNGE', set: c.seqSet() };
    }
    case 'XCHANGE_TUI_PWD':
    case 'XCHANGE_VM_LANG':
      return { tag, name, params: omtpParams(c) };
    default:
      return c.fail(`unknown command ${name.slice(0, 32)}`);
  }
}

/** Parses one frame. Never throws. */
export function parseCommand(frame: Frame): ParseResult {
  const c = new Cursor(frame.bytes, frame.literals);
  try {
    const cmd = command(c);
    c.end();
    return { ok: true, command: cmd };
  } catch (e) {
    if (e instanceof ImapParseError) return { ok: false, error: e };
    return { ok: false, error: new ImapParseError(`unparsable command (${e instanceof Error ? e.name : 'error'})`, c.tag) };
  }
}

/** Parses a single line with no literals (tests, the fuzz harness). */
export function parseLine(line: string | Buffer): ParseResult {
  const bytes = typeof line === 'string' ? Buffer.from(line, 'latin1') : line;
  return parseCommand({ bytes, literals: [] });
}
