// The oclif command manifest (oclif.manifest.json at the repository root):
// every command's summary, flags and examples, so that `omnisep status` loads
// one command module instead of importing all of them (the daemon, the TUI,
// the simulator) just to find the one it runs. Kept fresh by bin/run.js:
// when dist/commands or package.json is newer than the manifest, it is
// rebuilt (atomically) before the command runs. `node bin/manifest.js` builds
// it explicitly (e.g. right after `tsc`).
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MANIFEST = 'oclif.manifest.json';

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the manifest exists and nothing it describes changed since it was written. */
export function manifestIsFresh(root) {
  const m = join(root, MANIFEST);
  const commands = join(root, 'dist', 'commands');
  if (!existsSync(m) || !existsSync(commands)) return false;
  const at = statSync(m).mtimeMs;
  return at >= newestMtime(commands) && at >= statSync(join(root, 'package.json')).mtimeMs;
}

/**
 * The oclif Config with the root plugin's commands discovered from `commandsDir`
 * (relative to the root), never from a manifest. (`Config.load({ignoreManifest})`
 * does not reach the root plugin, so the plugin is built here and handed over.)
 */
export async function loadConfigFresh(root, commandsDir) {
  // Imported here: a fresh manifest is checked without oclif (bin/run.js may print the root help without it).
  const { Config, Plugin } = await import('@oclif/core');
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (commandsDir) pjson.oclif = { ...pjson.oclif, commands: commandsDir };
  const plugin = new Plugin({ root, isRoot: true, pjson, ignoreManifest: true });
  await plugin.load();
  const config = await Config.load({ root, pjson, plugins: new Map([[plugin.name, plugin]]) });
  return { config, plugin };
}

/** Build the manifest from the compiled commands and write it (tmp + rename: readers never see half a file). */
export async function writeManifest(root) {
  const { plugin } = await loadConfigFresh(root);
  const manifest = plugin.manifest;
  const tmp = join(root, `.${MANIFEST}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest)}\n`);
  renameSync(tmp, join(root, MANIFEST));
  return manifest;
}

/** Refresh the manifest when stale; a read-only install just runs without it. Returns whether it is usable. */
export async function ensureManifest(root) {
  if (manifestIsFresh(root)) return true;
  try {
    await writeManifest(root);
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const m = await writeManifest(root);
  console.log(`wrote ${MANIFEST} (${Object.keys(m.commands).length} commands)`);
}
