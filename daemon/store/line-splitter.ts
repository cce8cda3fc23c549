/**
 * Splits a file read in chunks into LF-terminated lines, each reported with its file offset. What follows
 * the last LF waits for the next chunk; after the last chunk it is `rest` (an unterminated last line) at
 * `restOffset`. Shared by the journal and activity-log loaders.
 */
export class LineSplitter {
  #carry: Buffer = Buffer.alloc(0);
  /** File offset of #carry[0]. */
  #pos: number;

  constructor(start: number, private readonly take: (line: Buffer, offset: number) => void) {
    this.#pos = start;
  }

  push(chunk: Buffer): void {
    const data = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    let i = 0;
    for (let j = data.indexOf(10, i); j >= 0; j = data.indexOf(10, i)) {
      this.take(data.subarray(i, j), this.#pos + i);
      i = j + 1;
    }
    this.#carry = Buffer.from(data.subarray(i));
    this.#pos += i;
  }

  get rest(): Buffer { return this.#carry; }
  get restOffset(): number { return this.#pos; }
}
