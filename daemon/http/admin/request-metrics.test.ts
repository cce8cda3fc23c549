import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './request-metrics.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
const registry = () => {
  const r = new Registry();
  r.setDefaultLabels({ service: 'omnisep' });
  return r;
};

/** The same requests fed to prom-client's own metrics and to ours: the exposition must be the same text. */
function feed(n: number, seed: number) {
  const out: Array<{ listener: string; method: string; route: string; status: string; seconds: number }> = [];
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    out.push({
      listener: next() < 0.7 ? 'http' : 'admin',
      method: next() < 0.8 ? 'GET' : 'POST',
      route: ['/', '/health', '/simservs.ngn.etsi.org/*', 'unmatched', '/api/x"y\\z'][Math.floor(next() * 5)]!,
      status: ['200', '404', '412', '503'][Math.floor(next() * 4)]!,
      // across every bucket and past the last one, bounds themselves included
      seconds: [0, 0.001, 0.0049, 0.005, 0.02, 0.3, 1, 4.9, 5, 12][Math.floor(next() * 10)]! * (next() < 0.5 ? 1 : 1.0001),
    });
  }
  return out;
}

test('request metrics: LabelledCounter and LabelledHistogram expose what prom-client\'s Counter and Histogram do for the same requests, scrape after scrape', async () => {
  const theirs = registry();
  const ours = registry();
  const c = new Counter({ name: 'omnisep_http_requests_total', help: 'HTTP requests by listener, route and status', labelNames: ['listener', 'method', 'route', 'status'], registers: [theirs] });
  const h = new Histogram({ name: 'omnisep_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['listener', 'route'], buckets: BUCKETS, registers: [theirs] });
  const lc = new LabelledCounter(ours, { name: 'omnisep_http_requests_total', help: 'HTTP requests by listener, route and status', labelNames: ['listener', 'method', 'route', 'status'] });
  const lh = new LabelledHistogram<'listener' | 'route'>(ours, { name: 'omnisep_http_request_duration_seconds', help: 'HTTP request duration', buckets: BUCKETS });

  for (const [round, n] of [[1, 500], [2, 0], [3, 1200]] as const) {
    for (const r of feed(n, round)) {
      c.inc({ listener: r.listener, method: r.method, route: r.route, status: r.status });
      h.observe({ listener: r.listener, route: r.route }, r.seconds);
      lc.inc(`${r.listener}\0${r.method}\0${r.route}\0${r.status}`, () => ({ listener: r.listener, method: r.method, route: r.route, status: r.status }));
      lh.observe(`${r.listener}\0${r.route}`, () => ({ listener: r.listener, route: r.route }), r.seconds);
    }
    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics(), `round ${round}: the text exposition`);
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON(), `round ${round}: the JSON form`);
    if (n > 0) assert.match(text, /omnisep_http_request_duration_seconds_bucket\{le="\+Inf",service="omnisep",listener="http",route="\/"\} \d+/);
  }
  // A counter scraped twice does not count twice.
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('request metrics: labels are built once per key, a non-finite duration is refused, reset empties the histogram', async () => {
  const r = registry();
  const lc = new LabelledCounter(r, { name: 'x_total', help: 'x', labelNames: ['a'] });
  const lh = new LabelledHistogram<'a'>(r, { name: 'x_seconds', help: 'x', buckets: [1, 2] });
  let built = 0;
  const labels = () => { built++; return { a: 'v' }; };
  for (let i = 0; i < 10; i++) { lc.inc('v', labels); lh.observe('v', labels, 1.5); }
  assert.equal(built, 2, 'once for the counter, once for the histogram');
  assert.throws(() => lh.observe('v', labels, Number.NaN), TypeError);
  const text = await r.metrics();
  assert.match(text, /^x_total\{a="v",service="omnisep"\} 10$/m);
  assert.match(text, /^x_seconds_bucket\{le="1",service="omnisep",a="v"\} 0$/m);
  assert.match(text, /^x_seconds_bucket\{le="2",service="omnisep",a="v"\} 10$/m);
  assert.match(text, /^x_seconds_sum\{service="omnisep",a="v"\} 15$/m);
  r.resetMetrics();
  assert.doesNotMatch(await r.metrics(), /x_seconds_count/);
});
