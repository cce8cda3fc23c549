/**
 * Loaded into a daemon by `bench/alloc.bench.ts` (`node --import <this file> … serve`): V8's sampling heap profiler
 * in the daemon's own process, through `node:inspector`, switched by SIGUSR2 — the first signal starts sampling, the
 * second stops it and writes the profile to `OMNISEP_ALLOC_PROFILE` (then renames it into place, so the bench never
 * reads a half-written file). It counts every sampled allocation, including the objects the next scavenge or
 * mark-compact frees (`includeObjectsCollectedBy…`): what the garbage collector has to deal with, not what is alive
 * at the end. Nothing of it is in the daemon users run.
 */
import { Session } from 'node:inspector';
import { renameSync, writeFileSync } from 'node:fs';

const out = process.env.OMNISEP_ALLOC_PROFILE;
const interval = Number(process.env.OMNISEP_ALLOC_INTERVAL ?? 4096);

if (out) {
  const session = new Session();
  session.connect();
  const send = session.post.bind(session) as (method: string, params: object, cb: (e: Error | null, r: unknown) => void) => void;
  const post = (method: string, params: object = {}) => new Promise<unknown>((resolve, reject) => send(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  let sampling = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!sampling) {
        sampling = true;
        await post('HeapProfiler.enable');
        await post('HeapProfiler.startSampling', { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
        return;
      }
      sampling = false;
      const r = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
      writeFileSync(`${out}.tmp`, JSON.stringify(r.profile));
      renameSync(`${out}.tmp`, out);
    })().catch((e: unknown) => process.stderr.write(`alloc-preload: ${(e as Error).message}\n`));
  });
}
