/**
 * A raw IMAP client for tests: sends exact lines, reads answers (server literals kept as bytes), upgrades
 * with STARTTLS. Nothing clever: it is what lets a test replay a client's lines byte for byte.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';

export interface ImapLine {
  /** The line text with each server literal replaced by `~literal:<n>:<sha256/16>~`. */
  text: string;
  literals: Buffer[];
}

export class RawImap {
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  closed = false;
  private constructor(public sock: Socket | TLSSocket) {
    this.#wire(sock);
  }

  static async connect(port: number, opts: { tls?: boolean; ca?: string } = {}): Promise<RawImap> {
    const sock = opts.tls
      ? tlsConnect({ host: '127.0.0.1', port, ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }) })
      : connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => { sock.once(opts.tls ? 'secureConnect' : 'connect', () => resolve()); sock.once('error', reject); });
    return new RawImap(sock);
  }

  #wire(sock: Socket | TLSSocket): void {
    sock.on('data', (c: Buffer) => { this.#buf = Buffer.concat([this.#buf, c]); this.#wake(); });
    sock.on('close', () => { this.closed = true; this.#wake(); });
    sock.on('error', () => {});
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async #more(timeoutMs: number): Promise<void> {
    if (this.closed) throw new Error('connection closed');
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms; have ${JSON.stringify(this.#buf.toString('latin1').slice(0, 200))}`)), timeoutMs);
      this.#waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  write(s: string | Buffer): void {
    this.sock.write(s);
  }

  /** One response line (with its literals). */
  async line(timeoutMs = 30_000): Promise<ImapLine> {
    let text = '';
    const literals: Buffer[] = [];
    for (;;) {
      const lf = this.#buf.indexOf(0x0a);
      if (lf < 0) { await this.#more(timeoutMs); continue; }
      const part = this.#buf.subarray(0, lf + 1).toString('latin1').replace(/\r?\n$/, '');
      const m = /\{(\d+)\}$/.exec(part);
      if (!m) {
        this.#buf = this.#buf.subarray(lf + 1);
        return { text: text + part, literals };
      }
      const n = Number(m[1]);
      while (this.#buf.length < lf + 1 + n) await this.#more(timeoutMs);
      const lit = Buffer.from(this.#buf.subarray(lf + 1, lf + 1 + n));
      this.#buf = this.#buf.subarray(lf + 1 + n);
      literals.push(lit);
      // Short printable literals are shown (CR LF as \r\n) so a fixture can be read; long ones by digest.
      const shown = n <= 512 && /^[\x20-\x7e\r\n]*$/.test(lit.toString('latin1'))
        ? lit.toString('latin1').replace(/\r/g, '\\r').replace(/\n/g, '\\n')
        : `sha256:${createHash('sha256').update(lit).digest('hex').slice(0, 16)}`;
      text += `${part}~literal:${n}:${shown}~`;
    }
  }

  /** Lines up to and including the one tagged `tag`. */
  async until(tag: string, timeoutMs = 30_000): Promise<ImapLine[]> {
    const out: ImapLine[] = [];
    for (;;) {
      const l = await this.line(timeoutMs);
      out.push(l);
      if (l.text.startsWith(`${tag} `)) return out;
    }
  }

  /** Sends `tag command` and returns every line of the answer. */
  async cmd(tag: string, command: string, timeoutMs = 30_000): Promise<string[]> {
    this.write(`${tag} ${command}\r\n`);
    return (await this.until(tag, timeoutMs)).map((l) => l.text);
  }

  /** After a tagged OK to STARTTLS: TLS over the same connection. */
  async startTls(ca?: string): Promise<void> {
    const raw = this.sock;
    raw.removeAllListeners('data');
    const sec = tlsConnect({ socket: raw, ...(ca ? { ca, servername: 'localhost' } : { rejectUnauthorized: false }) });
    await new Promise<void>((resolve, reject) => { sec.once('secureConnect', () => resolve()); sec.once('error', reject); });
    this.sock = sec;
    this.#wire(sec);
  }

  /** Resolves when the server closes the connection. */
  async closedBy(timeoutMs = 30_000): Promise<void> {
    while (!this.closed) await this.#more(timeoutMs).catch((e) => { if (!this.closed) throw e; });
  }

  end(): void {
    this.sock.destroy();
  }
}
