/**
 * Child of test/monitor-panes.test.tsx (run with `--expose-gc` and NODE_ENV=production): draws N (20,000) distinct table rows
 * one after another with ink's own render, once as RowLine and once as a plain truncated Text, and prints the heap
 * each way left behind as one JSON line `{"rowLine": bytes, "text": bytes}`.
 */
import { Writable } from 'node:stream';
import type React from 'react';
import { Box, render, Text } from 'ink';
import { RowLine } from '../src/ui/components/line.js';
import { fit } from '../src/ui/layout.js';

const N = Number(process.argv[2] ?? 20000);
const collect = (globalThis as { gc?: () => void }).gc!;
/** Collected until the heap stops shrinking: what is left is what something holds. */
async function settled(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    collect();
    await new Promise((res) => setImmediate(res));
    const now = process.memoryUsage().heapUsed;
    if (now >= last - 1024) return now;
    last = now;
  }
  return last;
}
const row = (i: number) => fit(`10:35:00.${i} xcap 00101${String(i).padStart(10, '0')} GET /simservs.ngn.etsi.org/users/tel:+15551234567/simservs.xml`, 100);

async function kept(view: (i: number) => React.ReactElement, base: number): Promise<number> {
  let frames = 0;
  let tail = '';
  const stdout = Object.assign(new Writable({ write: (c, _e, cb) => ((tail = String(c)), cb()) }), { isTTY: true, columns: 100, rows: 5 });
    // debug: every render drawn at once, in full (no throttle), so a row is measured and written before the next.
  const app = render(view(base), { stdout: stdout as unknown as NodeJS.WriteStream, patchConsole: false, exitOnCtrlC: false, debug: true, onRender: () => void (frames += 1) });
  const draw = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const before = frames;
      app.rerender(view(i));
      while (frames === before) await new Promise((res) => setImmediate(res));
    }
    // eslint-disable-next-line no-control-regex
    if (!tail.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').includes(row(from + n - 1).trimEnd())) throw new Error('a row was not drawn');
  };
  await draw(base + 1, 300); // warm
  const before = await settled();
  await draw(base + 1000, N);
  const after = await settled();
  app.unmount();
  return after - before;
}

const rowLine = await kept((i) => <Box width={100}><RowLine text={row(i)} color="green" /></Box>, 0);
const text = await kept((i) => <Box width={100}><Text wrap="truncate" color="green">{row(i)}</Text></Box>, 1_000_000);
console.log(JSON.stringify({ rowLine, text }));
