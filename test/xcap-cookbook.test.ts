/**
 * docs/xcap-cookbook.md is run, not just read: every ```sh block followed by a ```text block is an example, run by
 * bash in page order against a real `omnisep serve` (XCAP on, 127.0.0.1 a trusted proxy); the ```text block is an
 * excerpt of the answer: its first line is the final HTTP status line, and every line must be found in the final
 * answer (`…` matches anything, letter case ignored). A ```sh block with no excerpt after it (the variables) is
 * prepended to every later example. `omnisep` is the checkout's bin/run.js on the test daemon's socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { repoPath } from '../src/util/repo-path.js';
import { spawnServe, waitReady } from './daemon-process.js';

interface Example { script: string; expected: string[]; line: number }

function parseCookbook(md: string): { preamble: string[]; examples: Example[] } {
  const blocks = [...md.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!, body: m[2]!, end: m.index! + m[0].length, start: m.index!, line: md.slice(0, m.index).split('\n').length,
  }));
  const preamble: string[] = [];
  const examples: Example[] = [];
  blocks.forEach((b, i) => {
    if (b.lang !== 'sh') return;
    const next = blocks[i + 1];
    if (next && next.lang === 'text' && md.slice(b.end, next.start).trim() === '') {
      examples.push({ script: [...preamble, b.body].join('\n'), expected: next.body.split('\n').map((l) => l.trim()).filter(Boolean), line: b.line });
    } else preamble.push(b.body);
  });
  return { preamble, examples };
}

const lineRegex = (e: string): RegExp => new RegExp(`^${e.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (b) => { out += String(b); });
    c.stderr.on('data', (b) => { out += String(b); });
    c.once('exit', (code) => resolve({ code, out }));
  });
}

test('docs/xcap-cookbook.md: every curl example gets the answer the page shows', async () => {
  const md = readFileSync(repoPath('docs', 'xcap-cookbook.md'), 'utf8');
  const { examples } = parseCookbook(md);
  assert.ok(examples.length >= 20, `examples found: ${examples.length}`);
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-cookbook-'));
  const socket = join(dir, 'omnisep.sock');
  const bin = join(dir, 'bin');
  const p = spawnServe(dir, socket, ['--set', 'xcap.trusted_proxies=127.0.0.1']);
  try {
    const agent = await waitReady(p, socket);
    const status = (await (await request('http://localhost/api/status', { dispatcher: agent })).body.json()) as { listeners: { http: { url: string } } };
    await agent.close();
    mkdirSync(bin);
    writeFileSync(join(bin, 'omnisep'), `#!/bin/sh\nexec "${process.execPath}" "${repoPath('bin', 'run.js')}" "$@"\n`);
    chmodSync(join(bin, 'omnisep'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, OMNISEP_SOCKET: socket, NO_COLOR: '1' };
    for (const ex of examples) {
      const script = ex.script.replaceAll('http://127.0.0.1:9014', status.listeners.http.url);
      const r = await bash(script, env);
      const where = `docs/xcap-cookbook.md line ${ex.line}:\n${ex.script.split('\n').slice(-4).join('\n')}\n--- got (exit ${r.code}):\n${r.out}`;
      assert.equal(r.code, 0, where);
      const lines = r.out.replace(/\r/g, '').split('\n');
      const lastStatus = lines.map((l, i) => (/^HTTP\/1\.1 \d{3}/.test(l) ? i : -1)).filter((i) => i >= 0).pop();
      const answer = lastStatus === undefined ? lines : lines.slice(lastStatus);
      if (/^HTTP\/1\.1 /.test(ex.expected[0]!)) assert.match(answer[0] ?? '', lineRegex(ex.expected[0]!), where);
      for (const e of ex.expected) assert.ok(answer.some((l) => lineRegex(e).test(l.trim())), `missing "${e}" in the answer — ${where}`);
    }
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
});

