/**
 * A real daemon for CLI tests: `startDaemon` in this process on a temporary
 * data dir and socket, every TCP listener on port 0, admin TLS as default,
 * a fixed clock and counting UUIDs so human output can be compared with
 * golden files byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/contracts/config.js';
import { startDaemon, type RunningDaemon } from '../daemon/main.js';
import { repoPath } from '../src/util/repo-path.js';
import { seedAdminTls } from './admin-tls-seed.js';

export const FIXED_NOW = Date.parse('2026-04-11T10:35:24Z');
export const API_KEY = 'cli-test-key-0123456789abcdef';

export interface TestDaemon {
  daemon: RunningDaemon;
  dir: string;
  socket: string;
  adminUrl: string;
  /** The self-signed certificate the admin listener generated (for --cacert). */
  adminCert: string;
  stop(): Promise<void>;
}

export function daemonSets(dir: string, socket: string): string[] {
  return [
    'http.port=0',
    'admin.port=0',
    `admin.api_keys=${API_KEY}`,
    `storage.data_dir=${join(dir, 'data')}`,
    `control.socket=${socket}`,
    'log.level=silent',
    // The fixed test clock lies in the past: keep its activity records (retention is by real age too).
    'activity.retention_seconds=3153600000',
    'diameter.enabled=false',
    'aaa.enabled=false',
    'diameter.listen_port=0',
    'aaa.listen_port=0',
  ];
}

export async function startTestDaemon(opts: { fixedClock?: boolean } = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-cli-'));
  const socket = join(dir, 'omnisep.sock');
  const config = resolveConfig({ env: {}, sets: daemonSets(dir, socket) });
  await seedAdminTls(config); // the run's admin certificate, not one generated per daemon (./admin-tls-seed.ts)
  let n = 0;
  const daemon = await startDaemon(config, {
    env: {},
    ...(opts.fixedClock
      ? {
          clock: { now: () => FIXED_NOW },
          random: { bytes: (k: number) => randomBytes(k), uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
        }
      : {}),
  });
  const admin = daemon.addresses.admin;
  return {
    daemon,
    dir,
    socket,
    adminUrl: `https://127.0.0.1:${admin.port}`,
    adminCert: join(dir, 'data', 'tls', 'admin-cert.pem'),
    async stop() {
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Compare human output with fixtures/golden/cli/NAME; `UPDATE_GOLDEN=1` rewrites
 * the file instead (then review the diff). Returns the expected text.
 */
export function golden(name: string, actual: string): string {
  const p = repoPath('fixtures', 'golden', 'cli', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(p)) {
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`golden file ${p} is missing (run with UPDATE_GOLDEN=1 to create it)`);
    mkdirSync(repoPath('fixtures', 'golden', 'cli'), { recursive: true });
    writeFileSync(p, actual);
  }
  return readFileSync(p, 'utf8');
}
