/**
 * Writes to a socket, corked until the end of the current turn of the event loop: the messages a turn produces
 * (the answers one group commit releases, the requests of one burst of HTTP exchanges) leave in one `writev`, one
 * syscall per burst instead of one per message. A message is never held past the turn (`setImmediate`, the check
 * phase that follows the poll phase), and order is kept (the stream's own buffer).
 */
import type { Writable } from 'node:stream';

export class TurnWriter {
  #corked = false;
  constructor(private readonly stream: Writable) {}

  write(bytes: Uint8Array): void {
    if (!this.#corked) {
      this.#corked = true;
      this.stream.cork();
      setImmediate(this.#uncork);
    }
    this.stream.write(bytes);
  }

  /** Hand what this turn wrote to the socket now (before a `destroy`, which would drop it while corked). */
  flush(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.stream.uncork();
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    if (!this.stream.destroyed) this.stream.uncork();
  };
}
