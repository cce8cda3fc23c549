/**
 * What the main thread pays, in the call, to hand one durable write to another thread (docs/performance.md
 * § Forty-second round): the time the event loop spends inside `writeDurable` (daemon/store/durable-write.ts: an
 * O_DSYNC positional write queued on libuv's thread pool) before it gets its promise back, and, to compare, inside
 * `Atomics.notify` waking a worker thread that does the same write with `writeSync`. Each write follows 2 ms of the
 * main thread's own CPU work, as a daemon's turn under load would; once with the other core idle, once with a child
 * process spinning on it (`--busy`: both; the default). The write's own wall time is printed beside it. In-process,
 * no daemon; temporary files in the system temp directory.
 *
 *   npx tsc && node dist/bench/handover.bench.js [--seconds 4] [--bytes 1500]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { openForCommits, writeDurable } from '../daemon/store/durable-write.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, bytes: { type: 'string', default: '1500' } } });
const SECONDS = Number(values.seconds);
const BYTES = Number(values.bytes);
const dir = mkdtempSync(join(tmpdir(), 'omnisep-handover-'));
const turn = () => { const end = performance.now() + 2; while (performance.now() < end) { /* a turn's own work */ } };
const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

interface Row { writes: number; inCallUs: number; writeMs: number }

async function threadPool(file: string): Promise<Row> {
  writeFileSync(file, '');
  const fh = await openForCommits(file);
  const buf = Buffer.alloc(BYTES, 0x61);
  let inCall = 0, wall = 0, n = 0;
  const stop = performance.now() + SECONDS * 1000;
  while (performance.now() < stop) {
    turn();
    const t0 = performance.now();
    const p = writeDurable(fh, buf, n * BYTES);
    const t1 = performance.now();
    await yieldTurn();
    await p;
    inCall += t1 - t0;
    wall += performance.now() - t0;
    n++;
  }
  await fh.close();
  return { writes: n, inCallUs: (inCall * 1000) / n, writeMs: wall / n };
}

async function workerThread(file: string): Promise<Row> {
  writeFileSync(file, '');
  const fd = openSync(file, constants.O_RDWR | (constants.O_DSYNC ?? 0));
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(`
    const { workerData: { flags, fd, bytes } } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const buf = Buffer.alloc(bytes, 0x61);
    for (let seen = 0;;) {
      Atomics.wait(flags, 0, seen);
      seen = Atomics.load(flags, 0);
      if (seen < 0) break;
      writeSync(fd, buf, 0, bytes, seen * bytes);
      Atomics.store(flags, 1, seen);
    }`, { eval: true, workerData: { flags, fd, bytes: BYTES } });
  await new Promise((r) => setTimeout(r, 200));
  let inCall = 0, wall = 0, n = 0;
  const stop = performance.now() + SECONDS * 1000;
  while (performance.now() < stop) {
    turn();
    n++;
    const t0 = performance.now();
    Atomics.store(flags, 0, n);
    Atomics.notify(flags, 0, 1);
    inCall += performance.now() - t0;
    while (Atomics.load(flags, 1) !== n) await yieldTurn();
    wall += performance.now() - t0;
  }
  Atomics.store(flags, 0, -1);
  Atomics.notify(flags, 0, 1);
  await worker.terminate();
  closeSync(fd);
  return { writes: n, inCallUs: (inCall * 1000) / n, writeMs: wall / n };
}

function spinner(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

try {
  console.log(`handover bench: ${SECONDS} s per row, ${BYTES} bytes a write, 2 ms of main-thread work before each (node ${process.version}, ${dir})`);
  console.log('| how the write is handed over | other core | writes | µs in the call (main thread) | ms a write (wall, to its completion seen) |');
  console.log('|---|---|---:|---:|---:|');
  for (const busy of [false, true]) {
    const spin = busy ? spinner() : null;
    if (spin) await new Promise((r) => setTimeout(r, 300));
    try {
      for (const [name, run] of [['thread pool (writeDurable)', threadPool], ['worker, Atomics.notify', workerThread]] as const) {
        const r = await run(join(dir, `${name.split(' ')[0]}-${busy}.bin`));
        console.log(`| ${name} | ${busy ? 'busy (a spinning process)' : 'idle'} | ${r.writes} | ${r.inCallUs.toFixed(1)} | ${r.writeMs.toFixed(2)} |`);
      }
    } finally {
      spin?.kill();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
