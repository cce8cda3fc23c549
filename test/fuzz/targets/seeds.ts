/** Seed corpora for the fuzz targets, read from fixtures/ (the published and captured wire samples). */
import { readdirSync, readFileSync } from 'node:fs';
import { repoPath } from '../../../src/util/repo-path.js';

/** Every `*.hex` file of a fixtures folder, as bytes. */
export function hexFixtures(...dir: string[]): Buffer[] {
  const d = repoPath('fixtures', ...dir);
  return readdirSync(d).filter((f) => f.endsWith('.hex')).sort().map((f) => Buffer.from(readFileSync(`${d}/${f}`, 'utf8').replace(/\s+/g, ''), 'hex'));
}

/** Files of a fixtures folder whose names end with `ext`, as bytes. */
export function fileFixtures(ext: string, ...dir: string[]): Buffer[] {
  const d = repoPath('fixtures', ...dir);
  return readdirSync(d).filter((f) => f.endsWith(ext)).sort().map((f) => readFileSync(`${d}/${f}`));
}

export const text = (...xs: string[]): Buffer[] => xs.map((x) => Buffer.from(x, 'utf8'));
