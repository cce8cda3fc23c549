/**
 * What a bench step costs the process it runs in: its wall time, this process's CPU (every thread), and the longest
 * the event loop waited meanwhile — the longest gap between runs of a 1 ms timer (a request arriving then would wait
 * that long). Used by the in-process benches of the store's background work and admin reads (token-purge,
 * admin-search, activity, compaction).
 */
export async function watched<R>(fn: () => Promise<R>): Promise<{ result: R; wallS: number; cpuS: number; gapMs: number }> {
  let gap = 0;
  let last = performance.now();
  let done = false;
  const tick = () => { const n = performance.now(); gap = Math.max(gap, n - last); last = n; if (!done) setTimeout(tick, 1); };
  setTimeout(tick, 1);
  const t = performance.now();
  const c = process.cpuUsage();
  const result = await fn();
  const wallS = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(c);
  // One more tick before the timer stops: a synchronous stretch that ends just as `fn` resolves (a compaction's swap,
  // a search's last page) is only seen by the tick after it.
  await new Promise((r) => setTimeout(r, 5));
  done = true;
  return { result, wallS, cpuS: (cpu.user + cpu.system) / 1e6, gapMs: gap };
}
