/**
 * Splits the bytes a client sends into complete IMAP commands (RFC 3501 §2.2, §4.3): a command is one or
 * more lines, each but the last ending in a literal announcement `{n}` (synchronizing: the server must
 * answer `+` before the client sends the n bytes) or `{n+}` (non-synchronizing, RFC 7888: the bytes follow
 * at once). Pure and streaming: `push(chunk)` returns what happened; the caller writes the continuations
 * and answers the errors.
 *
 * Bounds: a line (outside literals) is at most `maxLine` bytes, a literal at most `maxLiteral`, a command at
 * most `maxLiteral + maxLine` bytes in all. A line over the limit is discarded to its end and reported; a
 * synchronizing literal over the limit is refused before a byte of it is sent; a non-synchronizing one over
 * the limit cannot be skipped safely, so it is fatal (the caller says BYE and closes).
 */

export interface FramerLimits {
  maxLine: number;
  maxLiteral: number;
}

/** A complete command: its bytes (lines with CRLF and literal data inline) and where each literal's data lies. */
export interface Frame {
  bytes: Buffer;
  literals: ReadonlyArray<{ start: number; end: number }>;
}

export type FramerEvent =
  | { type: 'frame'; frame: Frame }
  /** Send `+ <text>`: the client waits for it before sending a synchronizing literal's bytes. */
  | { type: 'continue' }
  /** A bad line or literal. `tag` when one could be read; `fatal`: the stream cannot be re-synchronised. */
  | { type: 'error'; tag: string | null; message: string; code: 'TOOBIG' | 'PARSE'; fatal: boolean };

const LITERAL_RE = /\{(\d{1,20})(\+?)\}$/;
/** The tag of a line, for an error answer (atom chars without `+`, RFC 3501 §9 `tag`). */
export function tagOf(line: Buffer | string): string | null {
  const s = typeof line === 'string' ? line : line.subarray(0, 80).toString('latin1');
  const m = /^([\x21\x23\x24\x26\x27\x2c-\x5a\x5e-\x7a\x7c\x7e]{1,64}) /.exec(s);
  return m ? m[1]! : null;
}

export class CommandFramer {
  #buf: Buffer = Buffer.alloc(0);
  /** Pieces of the command being assembled. */
  #parts: Buffer[] = [];
  #partsLen = 0;
  #literals: Array<{ start: number; end: number }> = [];
  /** Bytes of literal data still expected. */
  #literalLeft = 0;
  /** Discarding the rest of an over-long line. */
  #skipping = false;
  #lineBytes = 0;
  #firstLine: string | null = null;

  constructor(private readonly limits: FramerLimits) {}

  /** Bytes held right now (for the caller's accounting; bounded by the limits). */
  get buffered(): number {
    return this.#buf.length + this.#partsLen;
  }

  push(chunk: Buffer): FramerEvent[] {
    const out: FramerEvent[] = [];
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    for (;;) {
      if (this.#literalLeft > 0) {
        if (!this.#buf.length) break;
        const take = Math.min(this.#literalLeft, this.#buf.length);
        this.#add(this.#buf.subarray(0, take));
        this.#buf = this.#buf.subarray(take);
        this.#literalLeft -= take;
        if (this.#literalLeft === 0) this.#literals[this.#literals.length - 1]!.end = this.#partsLen;
        continue;
      }
      const lf = this.#buf.indexOf(0x0a);
      if (this.#skipping) {
        if (lf < 0) { this.#buf = Buffer.alloc(0); break; }
        this.#buf = this.#buf.subarray(lf + 1);
        this.#skipping = false;
        out.push({ type: 'error', tag: this.#firstLine !== null ? tagOf(this.#firstLine) : null, message: `line longer than ${this.limits.maxLine} bytes`, code: 'PARSE', fatal: false });
        this.#reset();
        continue;
      }
      if (lf < 0) {
        if (this.#lineBytes + this.#buf.length > this.limits.maxLine) {
          this.#firstLine ??= this.#buf.subarray(0, 80).toString('latin1');
          this.#skipping = true;
          this.#buf = Buffer.alloc(0);
        }
        break;
      }
      const line = this.#buf.subarray(0, lf + 1);
      this.#buf = this.#buf.subarray(lf + 1);
      if (this.#lineBytes + line.length > this.limits.maxLine) {
        out.push({ type: 'error', tag: tagOf(this.#firstLine ?? line), message: `line longer than ${this.limits.maxLine} bytes`, code: 'PARSE', fatal: false });
        this.#reset();
        continue;
      }
      this.#firstLine ??= line.subarray(0, 80).toString('latin1');
      this.#lineBytes += line.length;
      this.#add(line);
      // A literal announcement ends the line: `{n}` or `{n+}` just before CRLF.
      const text = line.subarray(Math.max(0, line.length - 26)).toString('latin1').replace(/\r?\n$/, '');
      const m = LITERAL_RE.exec(text);
      if (!m) {
        out.push({ type: 'frame', frame: { bytes: Buffer.concat(this.#parts, this.#partsLen), literals: this.#literals } });
        this.#reset();
        continue;
      }
      const n = Number(m[1]);
      const sync = m[2] !== '+';
      if (!Number.isSafeInteger(n) || n > this.limits.maxLiteral || this.#partsLen + n > this.limits.maxLiteral + this.limits.maxLine) {
        out.push({ type: 'error', tag: tagOf(this.#firstLine), message: `literal of ${m[1]} bytes is larger than ${this.limits.maxLiteral}`, code: 'TOOBIG', fatal: !sync });
        this.#reset();
        if (!sync) { this.#buf = Buffer.alloc(0); break; }
        continue;
      }
      this.#literals.push({ start: this.#partsLen, end: this.#partsLen + n });
      this.#literalLeft = n;
      // Each line of a command counts towards the line limit, literals not.
      if (sync) out.push({ type: 'continue' });
      if (n === 0) continue;
    }
    return out;
  }

  /** Drops everything buffered (after STARTTLS: bytes sent in the clear must not become commands). */
  reset(): void {
    this.#buf = Buffer.alloc(0);
    this.#literalLeft = 0;
    this.#skipping = false;
    this.#reset();
  }

  #add(b: Buffer): void {
    this.#parts.push(Buffer.from(b));
    this.#partsLen += b.length;
  }

  #reset(): void {
    this.#parts = [];
    this.#partsLen = 0;
    this.#literals = [];
    this.#lineBytes = 0;
    this.#firstLine = null;
  }
}
