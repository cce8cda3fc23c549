/**
 * A dropped connection of the postgres driver opened again after a back-off: 250 ms, doubling to 5 s while `open`
 * fails, back to 250 ms once it succeeds. Used by the change feed's LISTEN connection and by each pipelined one.
 */
export class Reopener {
  #timer: NodeJS.Timeout | null = null;
  #backoff = 250;
  #stopped = false;

  constructor(private readonly open: () => Promise<void>) {}

  /** The connection is up: the next drop waits 250 ms again. */
  opened(): void {
    this.#backoff = 250;
  }

  /** Tries `open` after the back-off (once at a time), and again after a longer one while it fails. */
  schedule(): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.open().catch(() => {
        this.#backoff = Math.min(this.#backoff * 2, 5000);
        this.schedule();
      });
    }, this.#backoff);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
