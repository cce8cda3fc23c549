/**
 * What the benchmarks read off a daemon's own /metrics (on its control socket) before and after a measured run:
 * histogram counts and sums, as deltas with `minus`. Used by `eap-load` and `alloc`.
 */
import { request, type Agent } from 'undici';

/** A count and a sum (seconds) of one of the daemon's histograms. */
export interface Tally { n: number; sumS: number }
/** What a run reads off the daemon's /metrics (on its control socket), before and after. */
export interface DaemonMetrics {
  /** `omnisep_store_commit_wait_seconds` per log (empty for a build without the metric, or another driver). */
  waits: Map<string, Tally>;
  /** `omnisep_http_request_duration_seconds` of the public (`http`) listener: the daemon's own time per request. */
  http: Tally;
  /** `omnisep_nodejs_gc_duration_seconds{kind="minor"}`: the scavenges. */
  minorGc: Tally;
  /** `omnisep_diameter_answer_seconds`, every peer and command: the relay's waits for the AAA's answers. */
  diameter: Tally;
}

export async function daemonMetrics(d: { agent: Agent }): Promise<DaemonMetrics> {
  const r = await request('http://localhost/metrics', { dispatcher: d.agent });
  const text = await r.body.text();
  const waits = new Map<string, Tally>();
  const http: Tally = { n: 0, sumS: 0 };
  const minorGc: Tally = { n: 0, sumS: 0 };
  const diameter: Tally = { n: 0, sumS: 0 };
  const add = (t: Tally, what: string, v: string) => { if (what === 'count') t.n += Number(v); else t.sumS += Number(v); };
  for (const m of text.matchAll(/^omnisep_store_commit_wait_seconds_(count|sum)\{[^}]*log="([^"]+)"[^}]*\} (\S+)$/gm)) {
    const e = waits.get(m[2]!) ?? { n: 0, sumS: 0 };
    add(e, m[1]!, m[3]!);
    waits.set(m[2]!, e);
  }
  for (const m of text.matchAll(/^omnisep_http_request_duration_seconds_(count|sum)\{[^}]*listener="http"[^}]*\} (\S+)$/gm)) add(http, m[1]!, m[2]!);
  for (const m of text.matchAll(/^omnisep_nodejs_gc_duration_seconds_(count|sum)\{[^}]*kind="minor"[^}]*\} (\S+)$/gm)) add(minorGc, m[1]!, m[2]!);
  for (const m of text.matchAll(/^omnisep_diameter_answer_seconds_(count|sum)\{[^}]*\} (\S+)$/gm)) add(diameter, m[1]!, m[2]!);
  return { waits, http, minorGc, diameter };
}

export const minus = (a: Tally, b: Tally | undefined): Tally => ({ n: a.n - (b?.n ?? 0), sumS: a.sumS - (b?.sumS ?? 0) });
