/**
 * When the next group commit of a journal or the activity log runs (docs/storage.md § Writes: group commit).
 *
 * The commit window (`storage.activity_commit_interval_ms`) lets concurrent writes share one fdatasync. A lone
 * writer gains nothing from it: when the last commit carried a single write, the next one runs on the next turn
 * of the event loop (writes made in the same turn still share it). As soon as a commit carries two or more writes
 * — writes arrived while the previous one was being synced — the window applies again. Durability is the same
 * either way: every write's promise resolves only after its fdatasync.
 */
export class CommitTimer {
  #timeout: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #lastBatch = 0;

  constructor(private readonly windowMs: number) {}

  get armed(): boolean {
    return this.#timeout !== null || this.#immediate !== null;
  }

  /** Runs `fn` once: after the window, or on the next turn of the event loop after a commit of one write. No-op when armed. */
  arm(fn: () => void): void {
    if (this.armed) return;
    if (this.#lastBatch > 1 && this.windowMs > 0) {
      this.#timeout = setTimeout(() => { this.#timeout = null; fn(); }, this.windowMs);
    } else {
      this.#immediate = setImmediate(() => { this.#immediate = null; fn(); });
    }
  }

  /** Disarms; true when it was armed (the caller then runs the commit itself). */
  cancel(): boolean {
    const was = this.armed;
    if (this.#timeout) clearTimeout(this.#timeout);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timeout = null;
    this.#immediate = null;
    return was;
  }

  /** How many writes the commit that just ran carried (decides the next wait). */
  committed(batch: number): void {
    this.#lastBatch = batch;
  }
}
