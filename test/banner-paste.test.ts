/**
 * The `try:` lines of the start banner work as pasted (issue 18): `node bin/run.js serve` started from the
 * checkout, as `npm start` does, then every `try:` line run by a shell in that same directory, with no
 * XDG_RUNTIME_DIR (so the socket is not found by luck) — each must exit 0 and do what it says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../src/util/repo-path.js';
import { waitReady, type ServeProcess } from './daemon-process.js';

function run(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn('sh', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (b) => { out += String(b); });
    c.stderr.on('data', (b) => { out += String(b); });
    c.once('exit', (code) => resolve({ code, out }));
  });
}

test('every try: line of the banner succeeds when pasted into a shell in the checkout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-banner-'));
  const socket = join(dir, 'omnisep.sock');
  const root = repoPath();
  const env = { ...process.env, NO_COLOR: '1', XDG_RUNTIME_DIR: '', OMNISEP_SOCKET: '' };
  // As npm start runs it: a relative script path from the checkout's root.
  const child = spawn(process.execPath, ['bin/run.js', 'serve', '--data-dir', dir, '--socket', socket, '--http-port', '0', '--api-port', '0',
    '--diameter-port', '0', '--aaa-port', '0', '--no-tls', '--no-pretty', '--log-level', 'warn'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: ServeProcess = { child, stdout: [], stderr: [], exited: new Promise((r) => child.once('exit', (code) => r(code))) };
  child.stdout!.on('data', (c) => p.stdout.push(String(c)));
  child.stderr!.on('data', (c) => p.stderr.push(String(c)));
  try {
    const agent = await waitReady(p, socket);
    await agent.close();
    const tries = p.stderr.join('').split('\n').map((l) => /\btry: (.+)$/.exec(l)?.[1]?.trim()).filter((l): l is string => !!l);
    assert.equal(tries.length, 2, `the banner offers a status line and a simulate line:\n${p.stderr.join('')}`);
    const status = tries.find((l) => l.includes(' status '));
    const simulate = tries.find((l) => l.includes(' simulate eap-aka '));
    assert.ok(status?.startsWith('node bin/run.js status --socket '), String(status));
    assert.ok(simulate?.startsWith('node bin/run.js simulate eap-aka '), String(simulate));
    const s = await run(status!, root, env);
    assert.equal(s.code, 0, s.out);
    assert.match(s.out, /running|version/i);
    const sim = await run(simulate!, root, env);
    assert.equal(sim.code, 0, sim.out);
    assert.match(sim.out, /OK\s+authenticated/);
  } finally {
    child.kill('SIGTERM');
    await p.exited;
  }
});
