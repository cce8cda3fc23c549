/**
 * Runs the real `omnisep` CLI as a child process, the way an operator does:
 * `node bin/run.js ...` over the compiled dist/ (npm test), or `bin/dev.js`
 * through tsx when this file itself runs from source.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoPath } from '../src/util/repo-path.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const fromDist = fileURLToPath(import.meta.url).includes('/dist/');

/** argv that starts the CLI: compiled entry under npm test, the tsx one in development. */
export function cliArgv(): string[] {
  return fromDist ? [repoPath('bin', 'run.js')] : ['--import', 'tsx', repoPath('bin', 'dev.js')];
}

/** A clean environment: no colour, no inherited socket/URL, a fixed width, an empty XDG_RUNTIME_DIR. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', COLUMNS: '120', ...extra };
  for (const k of ['OMNISEP_SOCKET', 'OMNISEP_URL', 'OMNISEP_API_KEY', 'XDG_RUNTIME_DIR', 'FORCE_COLOR'])
    if (!(k in extra)) delete env[k];
  return env;
}

export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgv(), ...args], { cwd: opts.cwd ?? repoPath(), env: cliEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parse --json stdout, with the raw text in the failure message. */
export function parseJson<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** The CLI with bytes fed to its stdin by `feed` (a write that honours back-pressure), then stdin closed. */
export function runCliFed(args: string[], feed: (write: (b: Buffer | string) => Promise<void>) => Promise<void>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgv(), ...args], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    const write = (b: Buffer | string) => new Promise<void>((res) => (child.stdin.write(b) ? res() : child.stdin.once('drain', () => res())));
    feed(write).then(() => child.stdin.end(), reject);
  });
}
