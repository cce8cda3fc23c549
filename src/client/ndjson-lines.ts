/**
 * NDJSON framing on bytes, pure: a stream's chunks in, its complete lines out as views into the chunks (no
 * decoding, no copy except for a line cut across two chunks). The monitor keeps only the newest lines of each
 * frame, so the ones it lets fall out are never turned into text (docs/performance.md § Thirteenth round).
 * `\n` (0x0a) never occurs inside a multi-byte UTF-8 character, so cutting on it cannot split one.
 */

const NL = 0x0a;

/** Space, tab, CR: what `String.prototype.trim` would take off a line the daemon wrote (it writes none). */
const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d;

/** Splits a byte stream into its non-empty lines, blanks around each one taken off. */
export class LineSplitter {
  /** The start of a line whose end has not arrived yet (views into earlier chunks). */
  #rest: Buffer[] = [];

  /** The lines this chunk completes, oldest first. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let from = 0;
    if (this.#rest.length) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.#rest.push(chunk);
        return out;
      }
      this.#rest.push(chunk.subarray(0, nl));
      addLine(out, Buffer.concat(this.#rest));
      this.#rest = [];
      from = nl + 1;
    }
    for (let nl = chunk.indexOf(NL, from); nl >= 0; nl = chunk.indexOf(NL, from)) {
      addLine(out, chunk.subarray(from, nl));
      from = nl + 1;
    }
    if (from < chunk.length) this.#rest.push(chunk.subarray(from));
    return out;
  }

  /** Bytes held for a line not yet ended (the stream ended inside a line when non-zero). */
  get pending(): number {
    let n = 0;
    for (const b of this.#rest) n += b.length;
    return n;
  }
}

function addLine(out: Buffer[], line: Buffer): void {
  let start = 0;
  let end = line.length;
  while (start < end && isBlank(line[start]!)) start += 1;
  while (end > start && isBlank(line[end - 1]!)) end -= 1;
  if (end > start) out.push(start === 0 && end === line.length ? line : line.subarray(start, end));
}

/** Does `bytes` start with `prefix`? (A loop: cheaper than a call into C++ for a short prefix.) */
export function startsWithBytes(bytes: Uint8Array, prefix: Uint8Array, at = 0): boolean {
  if (bytes.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}
