/**
 * Golden frames of the monitor: a frame is compared with
 * fixtures/golden/monitor/NAME.txt (ANSI colour stripped; colour is checked
 * separately). `UPDATE_GOLDEN=1` rewrites the files — review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { repoPath } from '../src/util/repo-path.js';

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

/** Trailing blanks of each line dropped: the terminal does not show them and editors strip them. */
const normalise = (s: string): string => stripAnsi(s).split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '') + '\n';

export function assertGolden(name: string, frame: string | undefined): void {
  const file = repoPath('fixtures', 'golden', 'monitor', `${name}.txt`);
  const got = normalise(frame ?? '');
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1' && process.env.CI) assert.fail(`golden frame ${file} is missing`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, got);
    return;
  }
  assert.equal(got, readFileSync(file, 'utf8'), `frame differs from ${file} (UPDATE_GOLDEN=1 rewrites it)`);
}
