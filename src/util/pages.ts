/**
 * Every record of a collection, a page at a time, in key order: `for await (const page of pages((o) =>
 * coll.scan(o), 1000))`. Memory stays bounded by one page however large the collection is (the
 * purges and retries that walk a whole collection off the request path use it).
 */
export async function* pages<T>(
  scan: (opts: { after?: string; limit: number }) => Promise<Array<[string, T]>>,
  limit: number,
): AsyncGenerator<Array<[string, T]>> {
  let after: string | undefined;
  for (;;) {
    const page = await scan({ ...(after !== undefined ? { after } : {}), limit });
    if (!page.length) return;
    yield page;
    after = page[page.length - 1]![0];
  }
}
