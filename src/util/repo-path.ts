import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The repository root (the folder holding package.json), whether running from src/ via tsx or from dist/. */
export function repoRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('omnisep: cannot find the repository root (no package.json above the code)');
    dir = up;
  }
  root = dir;
  return root;
}

/** A path inside the repository, e.g. repoPath('fixtures', 'vectors', 'ts35208.json'). */
export const repoPath = (...parts: string[]): string => join(repoRoot(), ...parts);
