/**
 * User-facing text names only files a user has: every file reference in the README, `docs/`,
 * `bench/README.md`, the man pages (generated from `--help` and the config schema, so this covers
 * both) and the systemd unit must exist in the repository, with the same case. The team's
 * specification lives outside the repository; pointing a user at `TS43.md` or `ADMIN-API.md` sends
 * them to a file they cannot open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { repoPath } from '../src/util/repo-path.js';

const ROOT = repoPath();

function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

/** Exists with exactly this case (existsSync is case-insensitive on some file systems). */
function existsExactly(path: string): boolean {
  const rel = relative(ROOT, path);
  if (rel.startsWith('..')) return false;
  let at = ROOT;
  for (const part of rel.split('/')) {
    if (!existsSync(at) || !readdirSync(at).includes(part)) return false;
    at = join(at, part);
  }
  return true;
}

// A reference: a Markdown file name (bare or with a path), or a path into one of the repository's folders.
const REF = /(?<![\w/.@:~$<-])((?:[\w.-]+\/)*[\w-]+\.md|(?:docs|src|daemon|commands|bench|packaging|fixtures|scripts|test|man)\/[\w./-]*[\w])(?![\w/-])/g;

export function brokenReferences(file: string, text: string): string[] {
  const plain = file.endsWith('.1') || file.endsWith('.5') ? text.replace(/\\-/g, '-').replace(/\\&/g, '') : text;
  const out: string[] = [];
  for (const m of plain.matchAll(REF)) {
    const ref = m[1]!.replace(/\.$/, '');
    if (/[*{}]/.test(ref)) continue; // a pattern (src/**/*.ts, {a,b}), not one file
    const candidates = [join(dirname(file), ref), join(ROOT, ref), join(ROOT, 'docs', ref)];
    if (!candidates.some(existsExactly)) out.push(ref);
  }
  return out;
}

test('README, docs/, bench/README.md, man pages and the unit reference only files in the repository', () => {
  const files = [
    repoPath('README.md'),
    repoPath('bench', 'README.md'),
    repoPath('packaging', 'omnisep.service'),
    ...filesUnder(repoPath('docs'), (f) => f.endsWith('.md')),
    ...filesUnder(repoPath('man'), (f) => /\.\d$/.test(f)),
  ];
  assert.ok(files.length > 10, 'the scan found the documents');
  const broken = files.flatMap((f) => brokenReferences(f, readFileSync(f, 'utf8')).map((r) => `${relative(ROOT, f)}: ${r}`));
  assert.deepEqual(broken, [], `references to files that are not in the repository:\n${broken.join('\n')}`);
});

test('the checker itself: a missing or wrongly cased file is caught, an existing one and a pattern pass', () => {
  const f = repoPath('docs', 'x.md');
  assert.deepEqual(brokenReferences(f, 'see TS43.md and ADMIN-API.md'), ['TS43.md', 'ADMIN-API.md']);
  assert.deepEqual(brokenReferences(f, 'see docs/TS43.md'), ['docs/TS43.md']);
  assert.deepEqual(brokenReferences(f, 'see docs/ts43.md, ts43.md, src/ports.ts and src/**/*.ts'), []);
  assert.deepEqual(brokenReferences(f, 'see src/no-such-file.ts.'), ['src/no-such-file.ts']);
});
