/**
 * When the next group commit of a journal or the activity log runs (docs/storage.md § Writes: group commit).
 *
 * The commit window (`storage.activity_commit_interval_ms`) lets concurrent writes share one fdatasync, but
 * waiting it out is only worth it while more writes are coming. The size of the last commit is the guess of how
 * many will: the next commit runs as soon as as many writes are waiting as the last one carried, or when the
 * window ends, whichever is first. A lone writer (last commit: one write) is therefore committed on the next turn
 * of the event loop (writes of the same turn still share it), and N clients each waiting on their write are
 * committed as soon as all N have written, rather than after the timer. A commit that came out smaller than the
 * last lowers the target again. Durability is the same: every write's promise resolves only after its fdatasync.
 */
export class CommitTimer {
  #timeout: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #fn: (() => void) | null = null;
  #lastBatch = 0;

  constructor(private readonly windowMs: number) {}

  get armed(): boolean {
    return this.#timeout !== null || this.#immediate !== null;
  }

  /**
   * Runs `fn` once, when `pending` writes are waiting: on the next turn of the event loop if they are at least as
   * many as the last commit carried, else at the end of the window. Called again on each new write while armed,
   * it moves a waiting commit forward once the target is reached.
   */
  arm(fn: () => void, pending: number): void {
    if (this.#immediate) return;
    if (pending >= this.#lastBatch || this.windowMs <= 0) {
      if (this.#timeout) { clearTimeout(this.#timeout); this.#timeout = null; }
      this.#fn = fn;
      this.#immediate = setImmediate(this.#fire);
    } else if (!this.#timeout) {
      this.#fn = fn;
      this.#timeout = setTimeout(this.#fire, this.windowMs);
    }
  }

  readonly #fire = (): void => {
    const fn = this.#fn;
    this.#timeout = null;
    this.#immediate = null;
    this.#fn = null;
    fn?.();
  };

  /** Disarms; true when it was armed (the caller then runs the commit itself). */
  cancel(): boolean {
    const was = this.armed;
    if (this.#timeout) clearTimeout(this.#timeout);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timeout = null;
    this.#immediate = null;
    this.#fn = null;
    return was;
  }

  /** How many writes the commit that just ran carried (the next commit's target). */
  committed(batch: number): void {
    this.#lastBatch = batch;
  }
}

/** Told, per write, how long it waited for its durable commit (ms, from the write to its commit's end). */
export type CommitWaitObserver = (waitMs: number) => void;

/**
 * After a commit: tells `observe` how long each of its writes waited (ms, from `at`, when the write was accepted, to
 * now) — the commit-wait metric of the journals and the activity log. A metric never holds up the acknowledgement of
 * a durable write: an observer that throws is ignored.
 */
export function reportCommitWaits(observe: CommitWaitObserver | undefined, batch: ReadonlyArray<{ at: number }>): void {
  if (!observe) return;
  const now = performance.now();
  try { for (const p of batch) observe(now - p.at); } catch { /* counted or not, the writes are durable */ }
}
