/**
 * What one frame of `omnisep monitor` costs: the Activity pane of the real view (MonitorView, ink, React's
 * production build) drawn on a virtual 120×40 terminal, each frame with 40 new records on top, as on a busy
 * daemon at the default two frames a second. Two kinds of rows: XCAP GETs (a long request path, cut to its
 * column, so the row carries the `…` cut marker) and token queries (path `/`, nothing cut). Prints the CPU per
 * frame (this process, every thread) and the heap kept after the run: what a long-running monitor holds on to.
 *
 *   npx tsc && node dist/bench/monitor-frame.bench.js [--frames 300]
 *
 * In one process, no daemon: a frame's own cost, apart from reading the stream (bench/wrk.bench.ts --monitor
 * measures the monitor attached to a loaded daemon).
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ActivityRecord } from '../src/contracts/activity.js';
import { VirtualStdin, VirtualTty } from './virtual-tty.js';

process.env.NODE_ENV ??= 'production';
const [{ render }, { createElement }, { MonitorView }, { initialState, monitorReducer }] = await Promise.all([
  import('ink'), import('react'), import('../src/ui/monitor-view.js'), import('../src/ui/monitor-state.js'),
]);

const { values } = parseArgs({ options: { frames: { type: 'string', default: '300' } } });
const FRAMES = Number(values.frames);
const ROWS_PER_FRAME = 40;


function record(n: number, kind: 'xcap' | 'token'): ActivityRecord {
  const xcap = kind === 'xcap';
  return {
    id: `f-${n}`, timestamp: new Date(Date.UTC(2026, 3, 11, 10, 0, 0, n)).toISOString(), request_type: xcap ? 'xcap' : 'entitlement_query',
    request_method: 'GET', request_path: xcap ? '/simservs.ngn.etsi.org/users/tel:+15551234567/simservs.xml' : '/',
    imsi: `00101${String(n % 1e10).padStart(10, '0')}`, msisdn: null, terminal_id: xcap ? null : 'terminal_001', terminal_vendor: null, terminal_model: null,
    terminal_sw_version: null, client_ip: '127.0.0.1', user_agent: null, auth_method: xcap ? 'asserted' : 'token', response_status: 200,
    response_code: 200, app_ids: xcap ? [] : ['ap2004', 'ap2005'], request_headers: {}, request_body: null, response_body: null, response_summary: {},
  };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

console.log(`monitor frame bench: ${FRAMES} frames of the Activity pane, 120×40, ${ROWS_PER_FRAME} new records a frame; node ${process.version}, ${new Date().toISOString()}`);
console.log('');
console.log('| rows | CPU ms a frame | wall ms a frame | heap kept after the run (MB) |');
console.log('|---|---:|---:|---:|');
let n = 0;
for (const kind of ['xcap', 'token'] as const) {
  let state = initialState({ capacity: 1000 });
  state = monitorReducer(state, { type: 'connection', status: { state: 'connected', target: 'bench', hello: { kind: 'hello', at: new Date(0).toISOString(), version: 'bench', started_at: new Date(0).toISOString() } } });
  const next = () => {
    const events = Array.from({ length: ROWS_PER_FRAME }, () => ({ kind: 'activity' as const, at: new Date(Date.UTC(2026, 3, 11, 10, 0, 0, n)).toISOString(), record: record(n++, kind) }));
    state = monitorReducer(state, { type: 'events', events });
    return createElement(MonitorView, { state, columns: 120, rows: 40 });
  };
  let frames = 0;
  const app = render(next(), {
    stdout: new VirtualTty() as unknown as NodeJS.WriteStream,
    stdin: new VirtualStdin() as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 1000,
    onRender: () => void (frames += 1),
  });
  const frame = async () => {
    const before = frames;
    app.rerender(next());
    while (frames === before) await new Promise((r) => setTimeout(r, 1));
  };
  for (let i = 0; i < 30; i++) await frame(); // warm: the JIT, ink's first frames
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) await frame();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  gc();
  const heap = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  app.unmount();
  console.log(`| ${kind === 'xcap' ? 'XCAP GETs (request path cut: `…`)' : 'token queries (nothing cut)'} | ${((cpu.user + cpu.system) / 1000 / FRAMES).toFixed(2)} | ${(wall / FRAMES).toFixed(2)} | ${heap.toFixed(2)} |`);
}
