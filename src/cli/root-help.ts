/**
 * `omnisep --help` (and bare `omnisep`) without loading oclif: the root help that oclif printed last time,
 * kept beside the command manifest and printed again when nothing it depends on changed
 * (docs/performance.md § CLI start-up). bin/run.js asks here first; OmnisepHelp (./help.ts) stores what
 * oclif renders. Only node built-ins: this runs before oclif is imported.
 *
 * The key covers everything the rendering reads: the manifest, package.json, the help class and topic
 * summaries (their modification times), the node version and platform (the VERSION line), whether stdout
 * is a terminal and its width (wrapping, bold headers) and the environment (OCLIF_COLUMNS, NO_COLOR,
 * FORCE_COLOR, TERM, CI …; hashed whole, less the variables a shell changes on every command). Any
 * difference misses the cache and oclif renders the help as before. Nothing of the environment is
 * stored but a SHA-256 digest.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT_HELP_CACHE = '.omnisep-root-help.json';
const FORMAT = 1;
/** Set anew by a shell for each command, or per working directory: not read by the help. */
const VOLATILE = new Set(['_', 'PWD', 'OLDPWD', 'SHLVL']);

const mtime = (p: string): number => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
};

/** The key of the root help as this process would render it; null without a manifest (oclif then scans the commands). */
export function rootHelpKey(root: string, env: NodeJS.ProcessEnv = process.env, out: { isTTY?: boolean; columns?: number } = process.stdout): string | null {
  const manifest = mtime(join(root, 'oclif.manifest.json'));
  if (manifest < 0) return null;
  const files = ['package.json', 'dist/src/cli/help.js', 'dist/src/cli/topics.js', 'dist/src/cli/root-help.js'].map((f) => mtime(join(root, f)));
  const vars = Object.keys(env).filter((k) => !VOLATILE.has(k)).sort().map((k) => `${k}=${env[k]}`);
  return createHash('sha256')
    .update(JSON.stringify([FORMAT, process.version, process.platform, process.arch, manifest, files, Boolean(out.isTTY), out.isTTY ? out.columns ?? null : null, vars]))
    .digest('hex');
}

/** The stored root help when its key matches this process; else undefined. */
export function cachedRootHelp(root: string, key = rootHelpKey(root)): string | undefined {
  if (key === null) return undefined;
  try {
    const c = JSON.parse(readFileSync(join(root, ROOT_HELP_CACHE), 'utf8')) as { key?: unknown; text?: unknown };
    return c.key === key && typeof c.text === 'string' ? c.text : undefined;
  } catch {
    return undefined;
  }
}

/** Keep what oclif printed (tmp + rename: a reader never sees half a file); a read-only install keeps nothing. */
export function storeRootHelp(root: string, text: string, key = rootHelpKey(root)): void {
  if (key === null) return;
  const tmp = join(root, `.${ROOT_HELP_CACHE}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify({ key, text }));
    renameSync(tmp, join(root, ROOT_HELP_CACHE));
  } catch {
    /* read-only install: oclif renders it each time */
  }
}
