/**
 * Durability through the real CLI: `omnisep entitlement set` against a real
 * `omnisep serve` child, SIGKILL the daemon the instant the CLI returns,
 * start it again on the same data dir, and the entitlement is there — 10
 * rounds (two chains of 5 at once, each on its own data dir), each round with different values. (The daemon's own crash
 * tests drive the socket directly; this one goes through the binary an
 * operator uses.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliArgv, cliEnv, parseJson, runCli } from './cli-harness.js';
import { ControlClient } from '../src/client/control-client.js';
import { routes } from '../src/contracts/routes.js';
import type { EntitlementDetail } from '../src/contracts/entitlements.js';

const ROUNDS = 10; // each round is a full daemon start (≈ 10 s on a busy 2-core machine); the store crash tests add many more kills
const IMSI = '001010000000077';

function startServe(dir: string, socket: string): ChildProcess {
  const args = [
    ...cliArgv(), 'serve',
    '--data-dir', join(dir, 'data'), '--socket', socket,
    '--http-port', '0', '--api-port', '0', '--no-tls',
    '--set', 'diameter.enabled=false', '--set', 'aaa.enabled=false', '--log-level', 'error',
  ];
  return spawn(process.execPath, args, { env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Wait until the daemon answers on its socket (or died: then show why). */
async function waitReady(child: ChildProcess, socket: string): Promise<void> {
  let err = '';
  child.stderr?.on('data', (c) => (err += c));
  const client = new ControlClient({ kind: 'socket', path: socket }, { timeoutMs: 5000 });
  try {
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited (${child.exitCode ?? child.signalCode}): ${err}`);
      try {
        await client.call(routes.status);
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`serve did not answer on ${socket} within 60 s: ${err}`);
  } finally {
    await client.close();
  }
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** One chain of rounds on its own data directory: set through the CLI, SIGKILL, start again, check. */
async function chain(first: number, count: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-cli-crash-'));
  const socket = join(dir, 'omnisep.sock');
  let daemon = startServe(dir, socket);
  try {
    await waitReady(daemon, socket);
    for (let round = first; round < first + count; round++) {
      const want = { entitlement_status: round % 4, addr_status: (round + 1) % 4, tc_status: (round + 2) % 4, prov_status: (round + 3) % 4 };
      const set = await runCli([
        'entitlement', 'set', IMSI, 'ap2004', '--socket', socket, '--json',
        '--status', String(want.entitlement_status), '--addr-status', String(want.addr_status),
        '--tc-status', String(want.tc_status), '--prov-status', String(want.prov_status),
      ]);
      await kill9(daemon); // the instant the CLI has its 2xx answer
      assert.equal(set.code, 0, `round ${round}: ${set.stderr}`);
      daemon = startServe(dir, socket);
      await waitReady(daemon, socket);
      // Every round checked in-process; the last of each chain through `omnisep entitlement get` as well.
      const client = new ControlClient({ kind: 'socket', path: socket });
      try {
        const got = await client.call(routes.getEntitlement, { params: { imsi: IMSI } });
        assert.deepEqual(got.entitlements.ap2004?.data, want, `round ${round}: lost after SIGKILL`);
      } finally {
        await client.close();
      }
      if (round === first + count - 1) {
        const get = await runCli(['entitlement', 'get', IMSI, '--socket', socket, '--json']);
        assert.equal(get.code, 0, get.stderr);
        assert.deepEqual(parseJson<EntitlementDetail>(get).entitlements.ap2004?.data, want);
      }
    }
  } finally {
    await kill9(daemon);
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`entitlement set, SIGKILL the daemon as soon as the CLI returns, restart: the value is there (${ROUNDS} rounds)`, { timeout: 900_000 }, async () => {
  // Two chains of ROUNDS / 2 on their own data directories at once: a round is a daemon start and a CLI run
  // one after the other, so one chain leaves a core idle; two keep the file well inside the runner's 300 s
  // on a busy host (one chain of 10 took 176 s at load average 6–12 and ran out at 16–23).
  await Promise.all([chain(0, ROUNDS / 2), chain(ROUNDS / 2, ROUNDS / 2)]);
});
