/**
 * Why the lean path's answers leave at the end of the turn (daemon/http/turn-end.ts, docs/performance.md § Nineteenth
 * round): a plain node `http` server, in its own process, answering a 1.2 KB body either at once (`res.end` in the
 * handler, as a bare fastify route does) or at the end of the turn (`endAtTurnEnd`, the daemon's code), optionally
 * after `--work` µs of busy CPU per request (a stand-in for a handler's own work), loaded by `wrk -t1 -c50` like
 * bench/wrk.bench.ts. Nothing else differs between the two servers.
 *
 *   npx tsc && node dist/bench/turn-end.bench.js [--seconds 5] [--rounds 2] [--connections 50] [--work 0,60]
 *
 * Prints per mode and round: req/s, the server's CPU µs per request (/proc) and wrk's (its rusage, as this
 * process's reaped children). On loopback a socket write also runs the peer's receive path and wakes it when it
 * sleeps; answers written back to back find it awake.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { processCpuUs } from './proc-cpu.js';
import { endAtTurnEnd } from '../daemon/http/turn-end.js';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' }, connections: { type: 'string', default: '50' },
  work: { type: 'string', default: '0,60' },
  // Internal: run as the server.
  serve: { type: 'string' }, 'work-us': { type: 'string', default: '0' },
} });

if (values.serve) {
  const body = Buffer.from(`<answer>${'x'.repeat(1200)}</answer>`);
  const spinNs = BigInt(Math.round(Number(values['work-us']) * 1000));
  const atTurnEnd = values.serve === 'turn';
  const log = { error: (obj: object) => console.error(obj) };
  const server = createServer((_req, res) => {
    if (spinNs > 0n) { const t = process.hrtime.bigint(); while (process.hrtime.bigint() - t < spinNs); }
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(body.length) });
    if (atTurnEnd) endAtTurnEnd(res, body, log);
    else res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
  process.on('SIGTERM', () => process.exit(0));
} else {
  const SECONDS = Number(values.seconds);
  const CONNS = Number(values.connections);
  const script = fileURLToPath(import.meta.url);
  /** utime + stime of this process's reaped children (wrk runs to completion under execFileSync), µs. */
  const childrenCpuUs = () => {
    const s = readFileSync('/proc/self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * 10_000;
  };
  const start = async (mode: string, work: number) => {
    const child = spawn(process.execPath, [script, '--serve', mode, '--work-us', String(work)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (c: Buffer) => resolve(String(c).trim()));
      child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    return { child, url: `http://127.0.0.1:${port}/` };
  };
  const wrk = (url: string, seconds: number) => {
    const out = execFileSync('wrk', ['-t1', `-c${CONNS}`, `-d${seconds}s`, url], { encoding: 'utf8' });
    return Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  };

  console.log(`turn-end bench: wrk -t1 -c${CONNS}, ${SECONDS} s per run, node http server in its own process; node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()[0]!.toFixed(2)}`);
  console.log('');
  console.log('| work µs/request | round | answers | req/s | server CPU µs/request | wrk CPU µs/request |');
  console.log('|---:|---:|---|---:|---:|---:|');
  for (const work of values.work.split(',').map(Number)) {
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const mode of ['now', 'turn']) {
        const s = await start(mode, work);
        try {
          wrk(s.url, 1); // warm-up
          const c0 = processCpuUs(s.child.pid!);
          const w0 = childrenCpuUs();
          const n = wrk(s.url, SECONDS);
          const cpu = processCpuUs(s.child.pid!) - c0;
          const wcpu = childrenCpuUs() - w0;
          console.log(`| ${work} | ${round} | ${mode === 'now' ? 'at once' : 'at the turn\'s end'} | ${Math.round(n / SECONDS).toLocaleString('en-US')} | ${(cpu / n).toFixed(1)} | ${(wcpu / n).toFixed(1)} |`);
        } finally {
          s.child.kill('SIGTERM');
        }
      }
    }
  }
}
