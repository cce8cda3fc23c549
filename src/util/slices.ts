/**
 * A long loop on the event loop, cut into slices between which requests are served: `due()` after each unit of work
 * (the clock read every `every` units), and when it is true `await next()`. Used by the store's compaction steps
 * (docs/storage.md § A compaction never holds the event loop for long).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export class Slices {
  #start = performance.now();
  #n = 0;

  constructor(readonly ms = 5, readonly every = 256) {}

  /** True once this slice has run `ms` (looked at every `every` calls). */
  due(): boolean {
    return ++this.#n % this.every === 0 && performance.now() - this.#start >= this.ms;
  }

  /** Lets the event loop turn, then starts a new slice. */
  async next(): Promise<void> {
    await nextTurn();
    this.#start = performance.now();
  }
}
