/**
 * The socket is found the same way from any directory (docs/cli.md § Where the daemon is): a real `serve`
 * started with a config file and no XDG_RUNTIME_DIR, then the CLI run from another directory finds it through
 * --config or OMNISEP_CONFIG (the data dir's socket from the file, as an absolute path); without either, through
 * the pointer the daemon left for its user; with no pointer (or one in a directory others can write), the
 * "no daemon" line says where the path came from and how to point at the daemon.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson, runCli } from './cli-harness.js';
import { serveArgs, waitReady, type ServeProcess } from './daemon-process.js';
import type { StatusResponse } from '../src/contracts/status.js';

const root = mkdtempSync(join(tmpdir(), 'omnisep-cli-sock-'));
const daemonDir = join(root, 'srv');
const elsewhere = join(root, 'somewhere', 'else');
const conf = join(daemonDir, 'omnisep.yaml');
const socket = join(daemonDir, 'data', 'omnisep.sock');
// The daemon's per-user socket pointer goes under TMPDIR: a private one keeps other tests' daemons out of it.
const tmp = join(root, 'tmp');
let p: ServeProcess;

before(async () => {
  mkdirSync(daemonDir, { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(conf, `storage:\n  data_dir: ${join(daemonDir, 'data')}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TMPDIR: tmp };
  for (const k of ['XDG_RUNTIME_DIR', 'OMNISEP_SOCKET', 'OMNISEP_CONFIG']) delete env[k];
  const child = spawn(process.execPath, serveArgs(['--config', conf, '--http-port', '0', '--api-port', '0', '--diameter-port', '0', '--aaa-port', '0', '--no-tls', '--no-pretty', '--log-level', 'warn']), { cwd: daemonDir, stdio: ['ignore', 'pipe', 'pipe'], env });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (c) => stdout.push(String(c)));
  child.stderr.on('data', (c) => stderr.push(String(c)));
  p = { child, stdout, stderr, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
  const agent = await waitReady(p, socket, 120_000);
  await agent.close();
});
after(async () => {
  p?.child.kill('SIGTERM');
  await p?.exited;
  rmSync(root, { recursive: true, force: true });
});

test('from another directory, OMNISEP_CONFIG or --config finds the daemon of that config (no XDG_RUNTIME_DIR)', async () => {
  const [byEnv, byFlag] = await Promise.all([
    runCli(['status', '--json'], { cwd: elsewhere, env: { OMNISEP_CONFIG: conf } }),
    runCli(['status', '--json', '--config', conf], { cwd: elsewhere }),
  ]);
  for (const r of [byEnv, byFlag]) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseJson<StatusResponse>(r).status, 'ok');
  }
});

test('--socket and OMNISEP_SOCKET win over the config; a relative --socket is taken from the current directory', async () => {
  const r = await runCli(['status', '--json', '--socket', 'data/omnisep.sock'], { cwd: daemonDir, env: { OMNISEP_CONFIG: join(root, 'no-such.yaml') } });
  assert.equal(r.code, 0, r.stderr);
  const wrong = await runCli(['status'], { cwd: elsewhere, env: { OMNISEP_CONFIG: conf, OMNISEP_SOCKET: join(root, 'nobody.sock') } });
  assert.equal(wrong.code, 69);
  assert.equal(wrong.stderr, `no daemon at ${join(root, 'nobody.sock')} — start one with: omnisep serve\n`);
});

test('without a config: ./data of this directory, else the last daemon this user started (its pointer), else the line says how to point', async () => {
  const here = await runCli(['status', '--json'], { cwd: daemonDir, env: { TMPDIR: join(root, 'no-pointer') } });
  assert.equal(here.code, 0, 'from the daemon\'s own directory the default is its data dir');
  const viaPointer = await runCli(['status', '--json'], { cwd: elsewhere, env: { TMPDIR: tmp } });
  assert.equal(viaPointer.code, 0, viaPointer.stderr);
  assert.equal(parseJson<StatusResponse>(viaPointer).listeners.socket?.path, socket);
  const uid = process.getuid!();
  assert.equal(readlinkSync(join(tmp, `omnisep-${uid}`, 'last.sock')), socket);
  // A pointer directory others can write is not trusted (it could name a socket that would receive our Ki).
  const open = join(root, 'open-tmp');
  mkdirSync(join(open, `omnisep-${uid}`), { recursive: true });
  chmodSync(join(open, `omnisep-${uid}`), 0o777);
  symlinkSync(socket, join(open, `omnisep-${uid}`, 'last.sock'));
  for (const t of [open, join(root, 'no-pointer')]) {
    const r = await runCli(['status'], { cwd: elsewhere, env: { TMPDIR: t } });
    assert.equal(r.code, 69, t);
    assert.equal(r.stderr, `no daemon at ${join(elsewhere, 'data', 'omnisep.sock')} (from the default data dir ./data of this directory; point at the daemon with --config FILE, --socket PATH or OMNISEP_SOCKET) — start one with: omnisep serve\n`);
  }
});

test('an unreadable --config is bad input (exit 2), nothing sent', async () => {
  const r = await runCli(['status', '--config', join(root, 'missing.yaml')], { cwd: elsewhere });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--config .*missing\.yaml: cannot read the daemon's config file \(ENOENT\)/);
});
