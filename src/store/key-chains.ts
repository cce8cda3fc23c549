/**
 * Per-key ordering in one process: `run(keys, fn)` starts `fn` once every earlier run on any of `keys` has settled
 * (fulfilled or rejected), and later runs on those keys wait for it. A key whose last run has settled is forgotten, so
 * the map holds only keys with work in flight. The collections use it so that a read-check-write of a key is one
 * step (map-collection.ts, daemon/store/pg/pg-store.ts); the VVM mailbox so that the UIDs of one mailbox become
 * visible in the order they were reserved (src/services/vvm/mailbox.ts).
 */
export class KeyChains {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<R>(keys: readonly string[], fn: () => Promise<R>): Promise<R> {
    // The runs to wait for: usually none or one (no array made); several only when `keys` share work in flight.
    let first: Promise<unknown> | undefined;
    let all: Promise<unknown>[] | undefined;
    for (const k of keys) {
      const p = this.#tails.get(k);
      if (p === undefined) continue;
      if (first === undefined) first = p;
      else (all ??= [first]).push(p);
    }
    const run = all ? Promise.all(all).then(fn, fn) : first ? first.then(fn, fn) : fn();
    const tail = run.catch(() => undefined);
    for (const k of keys) this.#tails.set(k, tail);
    void tail.then(() => { for (const k of keys) if (this.#tails.get(k) === tail) this.#tails.delete(k); });
    return run;
  }

  /** Keys with a run in flight (tests). */
  get size(): number {
    return this.#tails.size;
  }
}
