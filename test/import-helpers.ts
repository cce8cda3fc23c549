/**
 * Shared by the bulk import/export tests (import-cli, import-export, import-kek): real daemons
 * (`startDaemon`, embedded store in a temp data dir, control socket) and the real CLI (`node bin/run.js`).
 */
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliFed, type CliResult } from './cli-harness.js';
import { daemonSets } from './cli-daemon.js';
import { resolveConfig } from '../src/contracts/config.js';
import { startDaemon, type RunningDaemon } from '../daemon/main.js';
import { openCollection } from '../src/store/collections.js';
import type { StoredSubscriber } from '../src/services/subscribers.js';

export const KI = '465b5ce8b199b49faa5f0a2ee238a6bc';
export const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';
export const OP = 'cdc202d5123e20f62b6d676ac72cb318';
export const KI2 = 'fec86ba6eb707ed08905757b1bb44b8f';
export const KEK_A = '11'.repeat(32);
export const KEK_B = Buffer.alloc(32, 0x22).toString('base64');
export const imsi = (n: number) => `00101${String(n).padStart(10, '0')}`;
export const root = mkdtempSync(join(tmpdir(), 'omnisep-import-'));

export interface D {
  daemon: RunningDaemon;
  dir: string;
  socket: string;
  stop(): Promise<void>;
}

let n = 0;
export async function daemonAt(dir: string, extra: string[] = []): Promise<D> {
  const socket = join(dir, 'omnisep.sock');
  const config = resolveConfig({ env: {}, sets: [...daemonSets(dir, socket), ...extra] });
  const daemon = await startDaemon(config, { env: {} });
  return { daemon, dir, socket, stop: async () => void (await daemon.close()) };
}
export const freshDir = () => mkdtempSync(join(root, `d${++n}-`));

/** One daemon for a whole test file: started before its tests (handed to `set`), stopped after them, `root` removed. */
export function daemonPerFile(set: (d: D) => void): void {
  let d: D | undefined;
  before(async () => { d = await daemonAt(freshDir()); set(d); });
  after(async () => {
    await d?.stop();
    rmSync(root, { recursive: true, force: true });
  });
}
export const cliOn = (d: D, ...args: string[]): Promise<CliResult> => runCli([...args, '--socket', d.socket], { timeoutMs: 300_000 });
export const subs = (d: D) => openCollection<StoredSubscriber>(d.daemon.ctx.store, 'subscribers');

/** The CLI with bytes on its stdin (`import -`), streamed in chunks, never on disk. */
export function cliStdin(d: D, args: string[], feed: (w: (b: Buffer | string) => Promise<void>) => Promise<void>): Promise<CliResult> {
  return runCliFed([...args, '--socket', d.socket], feed);
}

