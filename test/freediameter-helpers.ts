/** freeDiameter (Debian freediameterd) as a peer in the interop tests: start it, read its output, stop it. */
import { spawn } from 'node:child_process';

export const FD = '/usr/bin/freeDiameterd';
export const FD_EXT = '/usr/lib/freeDiameter';

/** The blocks freeDiameter's dbg_msg_dumps prints: "RCV from 'peer':" / "SND to 'peer':" then the command name. */
export function fdDumps(log: string): { dir: 'RCV' | 'SND'; peer: string; command: string }[] {
  const out: { dir: 'RCV' | 'SND'; peer: string; command: string }[] = [];
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /(RCV from|SND to) '([^']+)':/.exec(lines[i]!);
    if (!m) continue;
    const c = /'([A-Za-z-]+)'/.exec(lines[i + 1] ?? '');
    if (c) out.push({ dir: m[1] === 'RCV from' ? 'RCV' : 'SND', peer: m[2]!, command: c[1]! });
  }
  return out;
}

/** Runs freeDiameterd with a configuration file; `log()` is everything it printed so far. */
export function runFreeDiameter(conf: string): { log(): string; stop(): Promise<void> } {
  const fd = spawn(FD, ['-c', conf, '-d'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  fd.stdout.on('data', (d) => (log += d));
  fd.stderr.on('data', (d) => (log += d));
  return {
    log: () => log,
    async stop() {
      fd.kill('SIGTERM');
      await new Promise((r) => { if (fd.exitCode !== null) r(null); else fd.once('exit', r); setTimeout(r, 3000); });
      if (fd.exitCode === null) fd.kill('SIGKILL');
    },
  };
}
