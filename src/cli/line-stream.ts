/**
 * Lines of a byte stream with a bound on their length, for bulk imports that
 * must never hold a whole file (or a whole line of an unbounded size) in memory.
 *
 * `readLines(chunks, maxBytes)` yields every line with its 1-based number:
 * - `{kind: 'line', text}` — decoded as UTF-8 (fatal: a byte sequence that is
 *   not UTF-8 gives `{kind: 'bad_utf8'}` instead), without its `\n` or `\r\n`;
 * - `{kind: 'too_long', bytes}` — the line had more than `maxBytes` bytes. Its
 *   bytes are counted and dropped as they stream past: memory stays at one
 *   chunk plus `maxBytes` whatever the line's length (a 2 GB line costs
 *   nothing more than a 5 KB one).
 * `bytesRead` on the returned iterator's state tells how far the input got
 * (progress bars). No I/O: the caller passes any async iterable of bytes.
 */

export type LineItem =
  | { kind: 'line'; line: number; text: string }
  | { kind: 'too_long'; line: number; bytes: number }
  | { kind: 'bad_utf8'; line: number };

export interface LineReader extends AsyncIterable<LineItem> {
  /** Bytes consumed from the input so far. */
  readonly bytesRead: number;
}

export const DEFAULT_MAX_LINE_BYTES = 4096;

export function readLines(chunks: AsyncIterable<Uint8Array | string>, maxBytes = DEFAULT_MAX_LINE_BYTES): LineReader {
  const state = { bytesRead: 0 };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // The current line: up to maxBytes kept in `held`; beyond that only counted.
  const held = Buffer.allocUnsafe(maxBytes);
  async function* gen(): AsyncGenerator<LineItem> {
    let heldLen = 0;
    let overflow = 0; // bytes of the current line beyond what `held` keeps (> 0: the line is too long)
    let line = 0;
    const finish = (): LineItem => {
      line++;
      if (overflow > 0) return { kind: 'too_long', line, bytes: heldLen + overflow };
      let end = heldLen;
      if (end > 0 && held[end - 1] === 0x0d) end--;
      try {
        return { kind: 'line', line, text: decoder.decode(held.subarray(0, end)) };
      } catch {
        return { kind: 'bad_utf8', line };
      }
    };
    for await (const c of chunks) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : c;
      state.bytesRead += chunk.length;
      let start = 0;
      while (start < chunk.length) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl < 0 ? chunk.length : nl;
        const piece = end - start;
        if (overflow === 0 && heldLen + piece <= maxBytes) {
          held.set(chunk.subarray(start, end), heldLen);
          heldLen += piece;
        } else {
          overflow += piece;
        }
        if (nl < 0) break;
        const item = finish();
        heldLen = 0;
        overflow = 0;
        yield item;
        start = nl + 1;
      }
    }
    if (heldLen > 0 || overflow > 0) yield finish();
  }
  return {
    get bytesRead() {
      return state.bytesRead;
    },
    [Symbol.asyncIterator]: gen,
  };
}
