/**
 * The SIGKILL step of the store's in-process crash tests: run a child script, and once its output satisfies `armed`,
 * kill it `delayMs` later (each test varies the delay by round so the kill lands at a different instant). Resolves
 * with everything the child wrote to stdout (its acknowledgements) once it has exited.
 */
import { spawn } from 'node:child_process';

export function runUntilKilled(script: string, args: readonly string[], armed: (out: string) => boolean, delayMs: number): Promise<string> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let killing = false;
  return new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!killing && armed(out)) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', () => resolve(out));
  });
}
