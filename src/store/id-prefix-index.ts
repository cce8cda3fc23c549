/**
 * A Map from record id to anything that also answers "which ids start with this prefix" without walking
 * every id (the activity log's prefix lookup: `omnisep activity show 7e4050ac`, docs/cli.md § IDs).
 *
 * Besides the map it keeps one bucket per first `BUCKET_CHARS` characters of the id (keyed by a number made from
 * them), holding the ids (the same strings as the map's keys, so one array slot per record). A prefix of at least that many characters
 * looks at one bucket: with random UUIDs (the activity log's ids) a bucket holds n / 16^4 ids, about 15 at a
 * million records, and the log's retention bounds n. Every set/delete/clear of the map keeps the buckets in
 * step, so a driver swaps its `Map` for this class and changes nothing else.
 */
export const MIN_ID_PREFIX = 4;
const BUCKET_CHARS = MIN_ID_PREFIX;

/**
 * The bucket of an id: a number from its first `BUCKET_CHARS` UTF-16 units (FNV-1a style, kept to 30 bits so it
 * stays a small integer, the cheapest Map key). Computing it allocates nothing (a `slice` made a new string to
 * hash on every append). Two prefixes may share a bucket; `withPrefix` filters by `startsWith` anyway.
 */
function bucketOf(id: string): number {
  let h = 0x811c9dc5;
  const n = Math.min(BUCKET_CHARS, id.length);
  for (let i = 0; i < n; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** Construct empty (`new IdPrefixIndex()`): the buckets are filled by `set`. */
export class IdPrefixIndex<V> extends Map<string, V> {
  readonly #buckets = new Map<number, string[]>();

  override set(id: string, value: V): this {
    const before = this.size;
    super.set(id, value);
    // One hash lookup: a new key is the one that made the map grow.
    if (this.size !== before) {
      const k = bucketOf(id);
      const b = this.#buckets.get(k);
      if (b) b.push(id);
      else this.#buckets.set(k, [id]);
    }
    return this;
  }

  override delete(id: string): boolean {
    if (!super.delete(id)) return false;
    const k = bucketOf(id);
    const b = this.#buckets.get(k);
    if (b) {
      const i = b.indexOf(id);
      if (i >= 0) b.splice(i, 1);
      if (!b.length) this.#buckets.delete(k);
    }
    return true;
  }

  override clear(): void {
    super.clear();
    this.#buckets.clear();
  }

  /** Ids that start with `prefix`, in key order, at most `limit`; none for a prefix shorter than MIN_ID_PREFIX. */
  withPrefix(prefix: string, limit: number): string[] {
    if (prefix.length < MIN_ID_PREFIX) return [];
    const b = this.#buckets.get(bucketOf(prefix));
    if (!b) return [];
    return b.filter((id) => id.startsWith(prefix)).sort().slice(0, limit);
  }
}
