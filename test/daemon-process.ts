/** Running the real `omnisep serve` as a child process (from dist via bin/run.js, or from sources via tsx). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { repoPath } from '../src/util/repo-path.js';

const fromSources = fileURLToPath(import.meta.url).endsWith('.ts');

export function serveArgs(extra: string[]): string[] {
  return fromSources
    ? ['--import', 'tsx', repoPath('bin', 'dev.js'), 'serve', ...extra]
    : [repoPath('bin', 'run.js'), 'serve', ...extra];
}

export interface ServeProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** `quiet: false` leaves the log level to the config (the default adds --log-level warn). */
export function spawnServe(dir: string, socket: string, extra: string[] = [], opts: { quiet?: boolean } = {}): ServeProcess {
  const child = spawn(process.execPath, serveArgs([
    '--data-dir', dir, '--socket', socket, '--http-port', '0', '--api-port', '0', '--diameter-port', '0', '--aaa-port', '0',
    '--no-tls', '--no-pretty', ...(opts.quiet === false ? [] : ['--log-level', 'warn']), ...extra,
  ]), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', XDG_RUNTIME_DIR: '' } });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', (c) => stdout.push(String(c)));
  child.stderr!.on('data', (c) => stderr.push(String(c)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

/** Poll the control socket until the daemon answers GET /api/status (or the process dies). */
export async function waitReady(p: ServeProcess, socket: string, timeoutMs = 60_000): Promise<Agent> {
  const agent = new Agent({ connect: { socketPath: socket } });
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void p.exited.then(() => { dead = true; });
  while (Date.now() < deadline) {
    if (dead) throw new Error(`daemon exited before it was ready:\n${p.stderr.join('')}`);
    try {
      const r = await request('http://localhost/api/status', { dispatcher: agent });
      await r.body.dump();
      if (r.statusCode === 200) return agent;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  p.child.kill('SIGKILL');
  throw new Error(`daemon not ready in ${timeoutMs} ms:\n${p.stderr.join('')}`);
}
