/**
 * The key-encryption keys of the subscriber store (docs/storage.md §
 * Subscriber keys at rest), read once at start from `subscribers.kek`
 * (env OMNISEP_KEK) or `subscribers.kek_file`, plus
 * `subscribers.previous_kek_files` during a rotation. A KEK file must be a
 * regular file that neither group nor others can read (like ssh keys): a
 * looser mode is refused with the chmod that fixes it. Every problem is a
 * ConfigError naming the key; the key itself is never printed.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type OmnisepConfig } from '../../src/contracts/config.js';
import { KeyWrapError, makeKeyring, parseKek, type Kek, type Keyring } from '../../src/crypto/key-wrap.js';

function kekFromFile(key: string, file: string, problems: string[]): Kek | null {
  const path = resolve(file);
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) {
      problems.push(`${key}: ${path} is not a regular file`);
      return null;
    }
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      problems.push(`${key}: ${path} is readable or writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}) — run: chmod 600 ${path}`);
      return null;
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    problems.push(`${key}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return null;
  }
  try {
    return parseKek(text);
  } catch (e) {
    problems.push(`${key}: ${path}: ${e instanceof KeyWrapError ? e.message : String(e)}`);
    return null;
  }
}

export function loadKeyring(cfg: OmnisepConfig): Keyring {
  const s = cfg.subscribers;
  const problems: string[] = [];
  let current: Kek | null = null;
  if (s.kek) {
    try {
      current = parseKek(s.kek);
    } catch (e) {
      problems.push(`subscribers.kek (env OMNISEP_KEK): ${e instanceof KeyWrapError ? e.message : String(e)}`);
    }
  } else if (s.kek_file) current = kekFromFile('subscribers.kek_file', s.kek_file, problems);
  const previous: Kek[] = [];
  s.previous_kek_files.forEach((f, i) => {
    const k = kekFromFile(`subscribers.previous_kek_files.${i}`, f, problems);
    if (k) previous.push(k);
  });
  if (problems.length) throw new ConfigError(problems);
  return makeKeyring(current, previous);
}
