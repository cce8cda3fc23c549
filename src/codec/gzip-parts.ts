/**
 * A gzip member (RFC 1952) assembled from a template whose fixed pieces were compressed once, and whose
 * per-request values go in as stored deflate blocks (RFC 1951 §3.2.4): no compressor runs per answer.
 *
 * The template is `statics[0] + values[0] + statics[1] + … + statics[n]`. Each static piece is deflated on
 * its own with a sync flush (it ends on a byte boundary, no back-reference leaves it), so the pieces can be
 * concatenated in any order with stored blocks between them; a final empty block, the CRC-32 of the whole
 * text and its length end the member. The per-request values of a TS.43 document (a token, its remaining
 * validity, a signed websheet link, an MSISDN) are random or short: deflate would gain nothing on them.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { crc32Combine, crc32Shift } from './crc32-combine.js';

/** ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=3 (Unix), as RFC 1952 §2.3. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);
/** BFINAL=1, BTYPE=01 (fixed Huffman), end-of-block: `03 00`. */
const FINAL = Buffer.from([0x03, 0x00]);
const STORED_MAX = 0xffff;

export class GzipTemplate {
  readonly #statics: readonly string[];
  readonly #deflated: readonly Buffer[];
  /** Each static piece's CRC-32 and the operator that appends it to a running CRC (./crc32-combine.ts): computed once. */
  readonly #crcs: Uint32Array;
  readonly #shifts: Uint32Array;
  /** UTF-8 length of all static pieces together. */
  readonly staticBytes: number;
  /** Length of all deflated pieces together. */
  readonly #deflatedBytes: number;
  /** Scratch: the values' UTF-8 lengths of the member being made (one call at a time: no await inside). */
  #lens = new Int32Array(0);

  /** `level`: the pieces are compressed once, so the best ratio costs nothing per answer. */
  constructor(statics: readonly string[], level = 9) {
    if (statics.length < 1) throw new Error('a gzip template has at least one static piece');
    this.#statics = statics;
    this.#deflated = statics.map((s) => (s === '' ? Buffer.alloc(0) : deflateRawSync(s, { level, finishFlush: constants.Z_SYNC_FLUSH })));
    this.staticBytes = statics.reduce((n, s) => n + Buffer.byteLength(s), 0);
    this.#deflatedBytes = this.#deflated.reduce((n, b) => n + b.length, 0);
    this.#crcs = Uint32Array.from(statics, (s) => crc32(s));
    this.#shifts = Uint32Array.from(statics, (s) => crc32Shift(Buffer.byteLength(s)));
  }

  /** UTF-8 length of the text the template makes with these values. */
  byteLength(values: readonly string[]): number {
    let n = this.staticBytes;
    for (const v of values) n += Buffer.byteLength(v);
    return n;
  }

  /** The gzip member of `statics[0] + values[0] + … + statics[n]`; `values.length` is `statics.length - 1`. */
  gzip(values: readonly string[]): Buffer {
    return this.#member(values, 0)!;
  }

  /**
   * As `gzip`, or null when the text would be shorter than `minBytes` (UTF-8): the caller's "is it worth
   * compressing" and the member come from one pass over the values.
   */
  gzipIfAtLeast(values: readonly string[], minBytes: number): Buffer | null {
    return this.#member(values, minBytes);
  }

  /** One buffer sized up front: the header, each piece and value copied in place, the trailer. */
  #member(values: readonly string[], minBytes: number): Buffer | null {
    const n = values.length;
    if (n !== this.#statics.length - 1) throw new Error(`a gzip template of ${this.#statics.length} static pieces takes ${this.#statics.length - 1} values, got ${n}`);
    const lens = this.#lens.length >= n ? this.#lens : (this.#lens = new Int32Array(n));
    let size = this.staticBytes;
    let total = HEADER.length + this.#deflatedBytes + FINAL.length + 8;
    for (let i = 0; i < n; i++) {
      const len = Buffer.byteLength(values[i]!);
      lens[i] = len;
      size += len;
      // Each stored block: 5 bytes of head (RFC 1951 §3.2.4), at most 65,535 bytes of data.
      total += len + 5 * Math.ceil(len / STORED_MAX);
    }
    if (size < minBytes) return null;
    const out = Buffer.allocUnsafe(total);
    out.set(HEADER, 0);
    let at = HEADER.length;
    let crc = 0;
    for (let i = 0; i <= n; i++) {
      crc = crc32Combine(crc, this.#crcs[i]!, this.#shifts[i]!);
      const piece = this.#deflated[i]!;
      out.set(piece, at);
      at += piece.length;
      if (i === n) break;
      const len = lens[i]!;
      if (len === 0) continue;
      if (len <= STORED_MAX) {
        // BFINAL=0, BTYPE=00, padded to the byte boundary (every piece before ends on one), LEN, NLEN; the value after it.
        storedHead(out, at, len);
        out.write(values[i]!, at + 5, len, 'utf8');
        crc = crc32(out.subarray(at + 5, at + 5 + len), crc);
        at += 5 + len;
        continue;
      }
      const raw = Buffer.from(values[i]!, 'utf8');
      crc = crc32(raw, crc);
      for (let from = 0; from < len; from += STORED_MAX) {
        const chunk = raw.subarray(from, from + STORED_MAX);
        storedHead(out, at, chunk.length);
        out.set(chunk, at + 5);
        at += 5 + chunk.length;
      }
    }
    out.set(FINAL, at);
    at += FINAL.length;
    out.writeUInt32LE(crc >>> 0, at);
    out.writeUInt32LE(size >>> 0, at + 4);
    return out;
  }
}

/** A stored block's head at `at`: BFINAL=0 BTYPE=00 (one byte, the block starts on a byte boundary), LEN, NLEN. */
function storedHead(out: Buffer, at: number, len: number): void {
  out[at] = 0;
  out.writeUInt16LE(len, at + 1);
  out.writeUInt16LE(~len & 0xffff, at + 3);
}

/**
 * Whether an `Accept-Encoding` header certainly selects gzip among the server's encodings `gzip, deflate`:
 * gzip (or its alias x-gzip) listed first with no parameters and no quality values anywhere. Any other header
 * is left to the general negotiation (the answer is then compressed by the generic path or not at all).
 */
export function plainGzipFirst(header: string | undefined): boolean {
  if (header === undefined || header.includes(';')) return false;
  const comma = header.indexOf(',');
  const first = (comma === -1 ? header : header.slice(0, comma)).trim().toLowerCase();
  return first === 'gzip' || first === 'x-gzip';
}
