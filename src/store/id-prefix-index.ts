/**
 * A Map from record id to anything that also answers "which ids start with this prefix" without walking
 * every id (the activity log's prefix lookup: `omnisep activity show 7e4050ac`, docs/cli.md § IDs).
 *
 * Besides the map it keeps one bucket per first `BUCKET_CHARS` characters of the id, holding the ids (the
 * same strings as the map's keys, so one array slot per record). A prefix of at least that many characters
 * looks at one bucket: with random UUIDs (the activity log's ids) a bucket holds n / 16^4 ids, about 15 at a
 * million records, and the log's retention bounds n. Every set/delete/clear of the map keeps the buckets in
 * step, so a driver swaps its `Map` for this class and changes nothing else.
 */
export const MIN_ID_PREFIX = 4;
const BUCKET_CHARS = MIN_ID_PREFIX;

/** Construct empty (`new IdPrefixIndex()`): the buckets are filled by `set`. */
export class IdPrefixIndex<V> extends Map<string, V> {
  readonly #buckets = new Map<string, string[]>();

  override set(id: string, value: V): this {
    if (!super.has(id)) {
      const k = id.slice(0, BUCKET_CHARS);
      const b = this.#buckets.get(k);
      if (b) b.push(id);
      else this.#buckets.set(k, [id]);
    }
    return super.set(id, value);
  }

  override delete(id: string): boolean {
    if (!super.delete(id)) return false;
    const k = id.slice(0, BUCKET_CHARS);
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
    const b = this.#buckets.get(prefix.slice(0, BUCKET_CHARS));
    if (!b) return [];
    return b.filter((id) => id.startsWith(prefix)).sort().slice(0, limit);
  }
}
