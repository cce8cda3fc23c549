/**
 * Streaming framer for Diameter over a byte stream (RFC 6733 §3: messages are
 * delimited only by the 24-bit length in each header). Pure: the daemon feeds
 * it what each socket read returned and gets back whole messages — several
 * per read, or one assembled over many reads. A header that cannot start a
 * message (version not 1, length < 20 or not a multiple of 4, or longer than
 * the configured maximum) throws DecodeError: the stream is then out of sync
 * and the caller must close the connection (§3, there is no way to resync).
 */
import { DecodeError } from '../decode-error.js';
import { HEADER_LENGTH } from './constants.js';
import { readHeaderLength } from './message.js';

/** Default cap on one message; a 16 MB length claim is refused before any buffering. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 1 << 20;

export class DiameterFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #need = 0;
  #consumed = 0;

  constructor(readonly maxMessageLength = DEFAULT_MAX_MESSAGE_LENGTH) {}

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Feeds bytes; returns every message now complete (each a fresh Buffer of exactly its length). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (chunk.length === 0) return out;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    for (;;) {
      if (this.#need === 0) {
        if (this.#buffered < 4) break;
        const head = this.#peek(4);
        const length = readHeaderLength(head, 0);
        if (length > this.maxMessageLength) {
          throw new DecodeError('diameter', this.#consumed + 1, `message length ${length} exceeds the maximum ${this.maxMessageLength}`);
        }
        this.#need = length;
      }
      if (this.#buffered < this.#need) break;
      out.push(this.#take(this.#need));
      this.#consumed += this.#need;
      this.#need = 0;
    }
    return out;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length >= n) return this.#chunks[0]!.subarray(0, n);
    return Buffer.concat(this.#chunks).subarray(0, n);
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    let msg: Buffer;
    if (first.length === n) {
      msg = first;
      this.#chunks.shift();
    } else if (first.length > n) {
      msg = Buffer.from(first.subarray(0, n));
      this.#chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.#chunks);
      msg = Buffer.from(all.subarray(0, n));
      this.#chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.#buffered -= n;
    return msg;
  }
}

