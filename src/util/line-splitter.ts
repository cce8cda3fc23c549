/**
 * Splits bytes read in chunks into LF-terminated lines, each handed to `take` with its offset in the stream (the
 * file offset for the store's loaders), as a view into the chunk it lies in: no copy and no decoding, so a reader
 * that keeps few of the lines decodes only those. A line cut across chunks is joined from a copy of its start
 * (the caller may reuse its chunk buffer once `push` returns; `take` must use or copy a view before that). What
 * follows the last LF waits for the next chunk; after the last one it is `rest` (an unterminated last line) at
 * `restOffset`. `\n` (0x0a) never occurs inside a multi-byte UTF-8 character, so a cut cannot split one.
 * Used by the journal and activity-log loaders and by the event-stream client.
 */
const LF = 0x0a;

export class LineSplitter {
  /** Copies of the pieces of the line not yet ended. */
  #carry: Buffer[] = [];
  #carryLen = 0;
  /** Offset of the first byte of the carry (of the next chunk when there is none). */
  #pos: number;

  constructor(start: number, private readonly take: (line: Buffer, offset: number) => void) {
    this.#pos = start;
  }

  push(chunk: Buffer): void {
    let i = 0;
    if (this.#carryLen > 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.#hold(chunk);
        return;
      }
      // Only the line's end is joined to its start, not the whole chunk.
      this.#carry.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.#carry, this.#carryLen + nl);
      const at = this.#pos;
      this.#pos += this.#carryLen + nl + 1;
      this.#carry = [];
      this.#carryLen = 0;
      this.take(line, at);
      i = nl + 1;
    }
    const base = this.#pos - i; // the offset of chunk[0]
    for (let j = chunk.indexOf(LF, i); j >= 0; j = chunk.indexOf(LF, i)) {
      this.take(chunk.subarray(i, j), base + i);
      i = j + 1;
    }
    this.#pos = base + i;
    if (i < chunk.length) this.#hold(chunk.subarray(i));
  }

  #hold(piece: Buffer): void {
    this.#carry.push(Buffer.from(piece));
    this.#carryLen += piece.length;
  }

  get rest(): Buffer {
    return this.#carry.length === 1 ? this.#carry[0]! : Buffer.concat(this.#carry, this.#carryLen);
  }

  get restOffset(): number {
    return this.#pos;
  }
}
