#!/usr/bin/env node
// The `omnisep` entry (package.json "bin"): runs the compiled commands in dist/commands.
import { fileURLToPath } from 'node:url';

// oclif checks package.json's engines range on every start with semver (125 modules, a noticeable share of
// `omnisep --help`); npm checks the same range at install (docs/performance.md § CLI start-up).
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';
const { ensureManifest, loadConfigFresh } = await import('./manifest.js');

const root = fileURLToPath(new URL('..', import.meta.url));
const usable = await ensureManifest(root);
const argv = process.argv.slice(2);
// `serve`: V8's young generation kept small while the daemon's modules load, released once it listens
// (src/cli/young-generation.ts; docs/performance.md § Third round: ≈ 23 MB of idle resident memory).
if (argv[0] === 'serve') (await import('../dist/src/cli/young-generation.js')).holdYoungGeneration(process.execArgv, process.env.NODE_OPTIONS);
// The root help as oclif printed it last time, when nothing it depends on changed: no oclif to load
// (src/cli/root-help.ts; docs/performance.md § CLI start-up).
const rootHelp = usable && (argv.length === 0 || (argv.length === 1 && argv[0] === '--help'))
  ? (await import('../dist/src/cli/root-help.js')).cachedRootHelp(root)
  : undefined;
// A plain `omnisep status` (no flags but --json/--socket/--config) without oclif; on any failure nothing is
// printed and oclif runs the command, which reports it (src/cli/fast-status.ts; docs/performance.md § Third round).
const fastStatusDone = usable && rootHelp === undefined && argv[0] === 'status'
  && await (await import('../dist/src/cli/fast-status.js')).fastStatus(argv);
// A plain `omnisep serve` (its own flags in the usual forms, nothing unusual) without oclif; anything else, `--help`
// and every flag error included, goes to oclif (src/cli/lean-serve.ts; docs/performance.md § Fourth round (helper rss)).
const leanServe = argv[0] === 'serve' ? await import('../dist/src/cli/lean-serve.js') : undefined;
const serveFlags = leanServe?.plainServeCall(argv, process.env);
if (serveFlags) {
  await leanServe.leanServe(serveFlags, (await import('../dist/daemon/serve-run.js')).runServe);
} else if (rootHelp !== undefined) {
  process.stdout.on('error', () => undefined); // a closed pipe (`| head`) ends quietly, as console.log does under oclif
  process.stdout.write(rootHelp);
} else if (!fastStatusDone) {
  const { execute } = await import('@oclif/core');
  // A stale manifest that could not be rewritten (read-only install) must not be trusted.
  await execute(usable ? { dir: import.meta.url } : { loadOptions: (await loadConfigFresh(root)).config });
}
