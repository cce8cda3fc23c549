// A node:test reporter for test/run.mjs: the wall time of every test file (from the runner's
// per-file completion event), the slowest first, and the load average at the start and the end —
// so a slow suite says which files to look at. Written to stderr after the spec output.
import { loadavg } from 'node:os';
import { relative } from 'node:path';

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

export default async function* durations(source) {
  const started = Date.now();
  const loadAtStart = load();
  const files = new Map();
  for await (const ev of source) {
    // The runner reports each file as a top-level test named by the file's path.
    if (ev.type === 'test:complete' && ev.data.nesting === 0 && ev.data.file && ev.data.name === ev.data.file) {
      files.set(ev.data.file, ev.data.details.duration_ms);
    }
  }
  const rows = [...files].sort((a, b) => b[1] - a[1]);
  const sum = rows.reduce((s, [, ms]) => s + ms, 0);
  yield `\nper-file wall time (${rows.length} files, sum ${(sum / 1000).toFixed(0)} s, suite ${((Date.now() - started) / 1000).toFixed(0)} s; load average at start ${loadAtStart}, at end ${load()}):\n`;
  for (const [file, ms] of rows) yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(process.cwd(), file)}\n`;
}
