/** Starting a real daemon for tests: temp data dir, temp socket, every port 0, quiet logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { resolveConfig, type OmnisepConfig } from '../src/contracts/config.js';
import { startDaemon, type RunningDaemon, type StartOptions } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { seedAdminTls } from './admin-tls-seed.js';

export const TEST_API_KEY = 'test-key-0123456789abcdef';
/** Planted so tests can prove it never shows up in logs or answers. */
export const TEST_SIGNING_SECRET = 'planted-signing-secret-7f3a9c1e5b';

export interface TestDaemon extends RunningDaemon {
  dir: string;
  socket: string;
  logs: string[];
  /** HTTP over the control socket. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; json: any; text: string }>;
  stop(): Promise<void>;
}

export function testConfig(dir: string, sets: string[] = []): OmnisepConfig {
  return resolveConfig({
    sets: [
      `storage.data_dir=${dir}`, `control.socket=${join(dir, 'ctl', 'omnisep.sock')}`, 'http.port=0', 'admin.port=0',
      'diameter.listen_port=0', 'aaa.listen_port=0', 'diameter.enabled=false', 'aaa.enabled=false',
      `admin.api_keys=${TEST_API_KEY}`, `token.signing_secret=${TEST_SIGNING_SECRET}`, 'storage.activity_commit_interval_ms=0', ...sets,
    ],
  });
}

export async function startTestDaemon(sets: string[] = [], opts: StartOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-test-'));
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  const config = testConfig(dir, sets);
  await seedAdminTls(config); // the run's admin certificate, not one generated per daemon (./admin-tls-seed.ts)
  const d = await startDaemon(config, { logger: createLogger({ level: 'info', pretty: false, destination: sink }), env: {}, ...opts });
  const socket = d.addresses.socket.path!;
  const agent = new Agent({ connect: { socketPath: socket } });
  return {
    ...d,
    dir,
    socket,
    logs,
    async call(method, path, body) {
      const r = await request(`http://localhost${path}`, {
        dispatcher: agent, method: method as 'GET',
        ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
      const text = await r.body.text();
      let json: unknown = undefined;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.statusCode, headers: r.headers, json, text };
    },
    async stop() {
      await d.close();
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
