/** Reading a whole collection in tests (the port pages with `scan`; tests hold a few records). */
import type { Store } from '../src/ports.js';
import { openCollection, type CollectionId } from '../src/store/collections.js';

export { openCollection };

/** Every record of a collection, in key order. */
export async function valuesOf<T>(store: Store, name: CollectionId): Promise<T[]> {
  const coll = openCollection<T>(store, name);
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await coll.scan({ ...(after !== undefined ? { after } : {}), limit: 1000 });
    if (!page.length) return out;
    after = page[page.length - 1]![0];
    for (const [, v] of page) out.push(v);
  }
}

/** Every key of a collection, in order. */
export async function keysOf(store: Store, name: CollectionId): Promise<string[]> {
  return (await openCollection(store, name).scan({ limit: 1_000_000 })).map(([k]) => k);
}
