/**
 * Test-only fault injection (docs/security.md § Test hooks), read from the environment — never a config key,
 * so no configuration file can turn it on. bench/soak.ts sets it on the daemon it starts.
 *
 *   OMNISEP_FAULT_FSYNC_STALL_MS=<ms>[:<every>]   the embedded journal's durable commit takes <ms> longer, once in
 *                                                 every <every> syncs (default 1: every sync)
 *
 * When set, a process warning names it once, so a daemon started with it by mistake says so in its log.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface StallHook {
  ms: number;
  every: number;
  /** Resolves after the stall when this call is the one in `every`; at once otherwise. */
  (): Promise<void> | undefined;
}

/** The fsync stall hook from the environment, or null when the variable is unset or malformed. */
export function fsyncStallHook(env: NodeJS.ProcessEnv = process.env): StallHook | null {
  const raw = env.OMNISEP_FAULT_FSYNC_STALL_MS;
  if (!raw) return null;
  const m = /^(\d{1,6})(?::(\d{1,9}))?$/.exec(raw.trim());
  if (!m) {
    process.emitWarning(`OMNISEP_FAULT_FSYNC_STALL_MS=${raw} ignored: expected <ms>[:<every>]`, { code: 'OMNISEP_FAULT_HOOK' });
    return null;
  }
  const ms = Number(m[1]);
  const every = Math.max(1, Number(m[2] ?? 1));
  let n = 0;
  let warned = false;
  const hook = (() => {
    if (!warned) {
      warned = true;
      process.emitWarning(`test fault hook active: durable commits stall ${ms} ms once in ${every} (OMNISEP_FAULT_FSYNC_STALL_MS)`, { code: 'OMNISEP_FAULT_HOOK' });
    }
    return ++n % every === 0 ? sleep(ms) : undefined;
  }) as StallHook;
  hook.ms = ms;
  hook.every = every;
  return hook;
}
