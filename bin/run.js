#!/usr/bin/env node
// The `omnisep` entry (package.json "bin"): runs the compiled commands in dist/commands.
import { fileURLToPath } from 'node:url';

// oclif checks package.json's engines range on every start with semver (125 modules, a noticeable share of
// `omnisep --help`); npm checks the same range at install (docs/performance.md § CLI start-up).
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';
const { execute } = await import('@oclif/core');
const { ensureManifest, loadConfigFresh } = await import('./manifest.js');

const root = fileURLToPath(new URL('..', import.meta.url));
const usable = await ensureManifest(root);
// A stale manifest that could not be rewritten (read-only install) must not be trusted.
await execute(usable ? { dir: import.meta.url } : { loadOptions: (await loadConfigFresh(root)).config });
