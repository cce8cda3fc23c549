/**
 * The real monitor attached to a daemon, in a process of its own, for the benchmarks that measure a daemon with and
 * without one (issue 14: "no more than 10 % slower with a monitor attached"): `bench/monitor.bench.ts --child SOCKET`
 * mounts the TUI (`MonitorApp`, the daemon source with its reconnect and batching, the command's defaults) on a
 * virtual 120×40 terminal, says `attached` on its stdout once the daemon's stream said hello, opens its measured
 * window on SIGUSR2 and, on SIGTERM, prints what the window cost it (one JSON line) and exits.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What the monitor process did in its measured window. */
export interface MonitorWindow { events: number; renders: number; seconds: number; rss_mb: number; cpu_ms: number; main_ms: number }

export interface AttachedMonitor {
  pid: number;
  /** Opens the measured window (after the caller's warm-up under load). */
  startWindow(): void;
  /** Ends the window and the process: what the window cost. */
  stop(): Promise<MonitorWindow>;
}

/**
 * Spawns the monitor on the daemon's control socket `socket` and resolves once it reads the daemon's stream.
 * `sample`: the monitor's `--sample` (default the command's, DEFAULT_SAMPLE; 0: every activity record).
 */
export async function attachMonitor(socket: string, opts: { sample?: number; timeoutMs?: number } = {}): Promise<AttachedMonitor> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // From dist/ the child runs compiled, as `omnisep monitor` does; tsx (its loader thread, source maps) only from sources.
  const fromSources = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./monitor.bench.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  // Its stderr is kept, not shown: ink restores the cursor there on exit (an escape sequence in the bench's output).
  const child = spawn(process.execPath, [...(fromSources ? ['--import', 'tsx'] : []), script, '--child', socket, ...(opts.sample === undefined ? [] : ['--sample', String(opts.sample)])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => { err += String(c); });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the monitor did not attach within ${timeoutMs} ms`)); }, timeoutMs);
    const fail = (code: number | null) => { clearTimeout(timer); reject(new Error(`the monitor exited (${code}) before it attached: ${err}`)); };
    void closed.then(fail);
    child.stdout!.on('data', (c: Buffer) => {
      out += String(c);
      if (out.startsWith('attached\n')) { clearTimeout(timer); resolve(); }
    });
  });
  return {
    pid: child.pid!,
    startWindow: () => void child.kill('SIGUSR2'),
    async stop() {
      child.kill('SIGTERM');
      const code = await closed;
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) throw new Error(`the monitor ended with ${code} and printed ${JSON.stringify(out)}: ${err}`);
      return JSON.parse(last) as MonitorWindow;
    },
  };
}
