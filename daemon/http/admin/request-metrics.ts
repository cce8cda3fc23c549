/**
 * Per-request metrics counted without prom-client's per-call work (docs/performance.md § Fourteenth round). Each
 * prom-client `inc` / `observe` validates its label object and hashes it (sorting its keys): ≈ 6 µs of a token query's
 * profile for the three calls every TS.43 request made. Here a request adds to a plain record found by one string
 * key that the caller builds from its label values; the registry gets the totals when it is scraped:
 *
 *  - `LabelledCounter`: a prom-client Counter whose `collect` hook (run by the registry on every scrape) adds what
 *    was counted since the last one;
 *  - `LabelledHistogram`: a histogram with its own exposition, in the structure prom-client's registry formats, so
 *    `/metrics` reads exactly as it did with a prom-client Histogram fed the same values (request-metrics.test.ts
 *    compares the two texts).
 *
 * Memory: one record per label combination seen (route patterns, methods, statuses: a bounded set), as prom-client
 * keeps itself.
 */
import { Counter, type Registry } from 'prom-client';

export class LabelledCounter<L extends string> {
  readonly #pending = new Map<string, { labels: Record<L, string>; n: number }>();

  constructor(registry: Registry, cfg: { name: string; help: string; labelNames: readonly L[] }) {
    const pending = this.#pending;
    // Registered with the registry, which holds it; this object keeps only the counts not yet handed over.
    new Counter<L>({
      name: cfg.name, help: cfg.help, labelNames: [...cfg.labelNames], registers: [registry],
      collect() {
        for (const p of pending.values()) {
          if (p.n === 0) continue;
          this.inc(p.labels as Partial<Record<L, string>>, p.n);
          p.n = 0;
        }
      },
    });
  }

  /** One more for the label values `key` stands for; `labels()` is called only the first time a key is seen. */
  inc(key: string, labels: () => Record<L, string>): void {
    const p = this.#pending.get(key);
    if (p) p.n++;
    else this.#pending.set(key, { labels: labels(), n: 1 });
  }
}

interface Series<L extends string> { labels: Record<L, string>; counts: number[]; sum: number; count: number }
interface ExportedValue { labels: Record<string, string | number>; sharedLabels?: Record<string, string>; value: number; metricName: string; exemplar?: null | undefined }

export class LabelledHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series<L>>();

  constructor(registry: Registry, cfg: { name: string; help: string; buckets: readonly number[] }) {
    this.name = cfg.name;
    this.help = cfg.help;
    this.#bounds = [...cfg.buckets].sort((a, b) => a - b);
    registry.registerMetric(this as never);
  }

  /** One observation for the label values `key` stands for; `labels()` is called only the first time a key is seen. */
  observe(key: string, labels: () => Record<L, string>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let s = this.#series.get(key);
    if (!s) this.#series.set(key, (s = { labels: labels(), counts: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 }));
    // The first bound the value is not above (prom-client's rule); above the last one only `+Inf`, which is the count.
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }

  /** What the registry formats as text: the series' labels as shared labels, each bucket cumulative, then sum and count. */
  getForPromString(): { name: string; help: string; type: string; values: ExportedValue[]; aggregator: string } {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.#series.values()) {
      let acc = 0;
      this.#bounds.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucket, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (`registry.getMetricsAsJSON`): each value's own labels, then the series' labels. */
  get(): { name: string; help: string; type: string; values: ExportedValue[]; aggregator: string } {
    const data = this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return data;
  }

  reset(): void {
    this.#series.clear();
  }
}
