/**
 * A real `omnisep serve` with VVM on, over a data directory seeded beforehand with a known mailbox (the
 * admin API and CLI for VVM are another part of issue 16): the IMAP tests and benches talk to it over
 * loopback sockets exactly as a phone would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, type Agent } from 'undici';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { defaultConfig } from '../src/contracts/config.js';
import { buildVvm } from '../daemon/services.js';
import { spawnServe, waitReady, type ServeProcess } from './daemon-process.js';

export const VVM_IMSI = '505010000000001';
export const VVM_PIN = '4817';
/** The seeded mailbox's clock: UIDVALIDITY and every date follow from it. */
export const SEED_TIME = Date.UTC(2025, 0, 25, 10, 30, 0);

/** Deterministic audio: `n` bytes counting up. */
export const seedAudio = (n: number, salt = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i + salt) & 0xff));

export interface SeedOptions {
  /** Extra accounts `<imsi prefix><n>` each with the same PIN (benches). */
  accounts?: number;
  messages?: number;
  audioBytes?: number;
}

/** The IMSI of the i-th extra seeded account. */
export const extraImsi = (i: number) => `50501100${String(i).padStart(7, '0')}`;

/** Writes the VVM account(s) and their messages into an embedded store at `dataDir`. */
export async function seedVvm(dataDir: string, opts: SeedOptions = {}): Promise<void> {
  const store = await createEmbeddedStore({ dataDir });
  let now = SEED_TIME;
  const vvm = buildVvm(defaultConfig(), store, { now: () => now });
  const imsis = [VVM_IMSI, ...Array.from({ length: opts.accounts ?? 0 }, (_, i) => extraImsi(i))];
  for (const imsi of imsis) {
    await vvm.accounts.create(imsi, { pin: VVM_PIN, status: 'ready', msisdn: '+61400000001' });
    const n = opts.messages ?? 2;
    for (let i = 0; i < n; i++) {
      await vvm.mailbox.deposit(imsi, {
        from: i % 2 === 0 ? '+61400123456' : '', audio: seedAudio(opts.audioBytes ?? 1500, i), contentType: 'audio/amr', durationS: i % 2 === 0 ? 30 : 5,
        receivedAt: SEED_TIME + i * 60_000,
      });
      now += 1;
    }
  }
  await store.close();
}

export interface VvmDaemon {
  proc: ServeProcess;
  dir: string;
  imap: number;
  imaps: number;
  /** The CA to verify the daemon's self-signed certificate. */
  ca: string;
  agent: Agent;
  status(): Promise<{ services: { vvm_enabled: boolean }; listeners: Record<string, { port: number }> }>;
  health(): Promise<{ services: string[] }>;
  stop(): Promise<void>;
}

export async function startVvmDaemon(sets: string[] = [], seed: SeedOptions = {}): Promise<VvmDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-vvm-'));
  const data = join(dir, 'data');
  await seedVvm(data, seed);
  const socket = join(dir, 's.sock');
  const proc = spawnServe(data, socket, ['--imap-port', '0', '--set', 'vvm.imaps_port=0', '--set', 'vvm.enabled=true', ...sets.flatMap((s) => ['--set', s])]);
  const agent = await waitReady(proc, socket);
  const get = async (path: string) => {
    const r = await request(`http://localhost${path}`, { dispatcher: agent });
    return r.body.json() as Promise<any>;
  };
  const status = await get('/api/status');
  return {
    proc, dir, agent,
    imap: status.listeners.imap.port,
    imaps: status.listeners.imaps.port,
    ca: readFileSync(join(data, 'tls', 'admin-cert.pem'), 'utf8'),
    status: () => get('/api/status'),
    health: async () => {
      const r = await request(`http://127.0.0.1:${status.listeners.http.port}/health`);
      return r.body.json() as Promise<{ services: string[] }>;
    },
    async stop() {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** VmRSS of a process, bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
