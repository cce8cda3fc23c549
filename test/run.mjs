#!/usr/bin/env node
// Runs every compiled test file under dist/ with node's own test runner.
// Node 20's --test does not expand globs, so the files are listed here.
// Refuses focused or skipped tests in the sources: a skipped test checks nothing.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function walk(dir, pick, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, pick, out);
    else if (pick(p)) out.push(p);
  }
  return out;
}

const sources = ['src', 'commands', 'daemon', 'test', 'bench']
  .flatMap((d) => { try { return walk(join(root, d), (p) => /\.(ts|tsx)$/.test(p)); } catch { return []; } });
const focused = sources.filter((p) => /\b(it|test|describe|suite)\.(only|skip)\s*\(|\{\s*(only|skip)\s*:\s*true/.test(readFileSync(p, 'utf8')));
if (focused.length) {
  console.error(`focused or skipped tests are not allowed:\n  ${focused.map((p) => relative(root, p)).join('\n  ')}`);
  process.exit(1);
}

const filter = process.argv.slice(2);
let files = walk(join(root, 'dist'), (p) => /\.test\.js$/.test(p)).sort();
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (!files.length) { console.error('no test files found under dist/ (did the build run?)'); process.exit(1); }

// Three test files at once on the 2-core machine: most files wait on child processes (daemons, the CLI, peers),
// so a third keeps the cores busy; every wait in the tests is event-driven with generous bounds.
const args = ['--test', '--test-concurrency=3', '--test-timeout=300000'];
// The spec report on stdout, then each file's wall time, slowest first, on stderr (test/durations.mjs).
args.push('--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${join(root, 'test', 'durations.mjs')}`, '--test-reporter-destination=stderr');
// One scratch directory per run, as TMPDIR for every test and the daemons, CLIs and peers they start (os.tmpdir()
// reads it), removed when the run ends: a test that forgets its temp dir, or a daemon killed mid-test, leaves nothing
// under /tmp. Mode 1777 like /tmp itself, so the PostgreSQL tests' `postgres` user can reach its cluster dirs.
const scratch = mkdtempSync(join(tmpdir(), 'omnisep-tests-'));
chmodSync(scratch, 0o1777);
let status = 1;
try {
  const r = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit', cwd: root, env: { ...process.env, TMPDIR: scratch } });
  status = r.status ?? 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
