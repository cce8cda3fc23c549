/**
 * `fn` over `items` with at most `limit` calls in flight, each lane taking the next item as its last call ends; in
 * item order of starting. Resolves when all have ended; the first rejection rejects it (the lanes already running
 * finish their current item).
 */
export async function inLanes<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
