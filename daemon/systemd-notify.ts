/**
 * systemd readiness and watchdog (`Type=notify`, packaging/omnisep.service). Node 20 cannot send a
 * datagram to a Unix socket and the sd-notify packages on npm are native addons, so the daemon runs
 * Debian's `systemd-notify` (from the `systemd` package, present wherever systemd is) with the
 * message; the unit sets `NotifyAccess=all` so systemd accepts it from that helper process, and
 * `--pid` names the daemon as the main process.
 *
 * - READY=1 once every listener is up (with a STATUS= line naming the public URL);
 * - RELOADING=1 … READY=1 around a SIGHUP reload;
 * - STOPPING=1 when a stop begins;
 * - WATCHDOG=1 every WATCHDOG_USEC/2 while the event loop runs: a wedged loop stops the pings
 *   and systemd restarts the daemon (WatchdogSec=).
 * Without NOTIFY_SOCKET (not started by systemd) nothing is sent.
 */
import { spawn } from 'node:child_process';

export interface NotifyLogger {
  warn(obj: object, msg: string): void;
}

export interface SystemdNotifier {
  readonly active: boolean;
  ready(status: string): void;
  reloading(): void;
  stopping(): void;
  /** Stops the watchdog timer. */
  close(): void;
}

export function systemdNotifier(env: NodeJS.ProcessEnv, logger: NotifyLogger, binary = 'systemd-notify'): SystemdNotifier {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return { active: false, ready() {}, reloading() {}, stopping() {}, close() {} };
  let warned = false;
  const send = (...lines: string[]) => {
    const child = spawn(binary, [`--pid=${process.pid}`, ...lines], { stdio: 'ignore', env: { ...env, NOTIFY_SOCKET: socket } });
    const fail = (why: string) => {
      if (warned) return;
      warned = true; // once: a missing binary would otherwise warn on every watchdog ping
      logger.warn({ notify_socket: socket, lines }, `systemd notification failed (${why}); is systemd-notify installed?`);
    };
    child.once('error', (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
    child.once('exit', (code) => { if (code) fail(`systemd-notify exited ${code}`); });
  };
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === process.pid;
  let timer: NodeJS.Timeout | undefined;
  if (Number.isFinite(usec) && usec > 0 && forUs) {
    timer = setInterval(() => send('WATCHDOG=1'), Math.max(500, Math.floor(usec / 2000)));
    timer.unref();
  }
  return {
    active: true,
    ready: (status) => send('--ready', `--status=${status}`),
    reloading: () => send('RELOADING=1'),
    stopping: () => send('STOPPING=1'),
    close: () => clearInterval(timer),
  };
}
