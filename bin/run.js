#!/usr/bin/env node
// The `omnisep` entry (package.json "bin"): runs the compiled commands in dist/commands.
import { execute } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import { ensureManifest, loadConfigFresh } from './manifest.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const usable = await ensureManifest(root);
// A stale manifest that could not be rewritten (read-only install) must not be trusted.
await execute(usable ? { dir: import.meta.url } : { loadOptions: (await loadConfigFresh(root)).config });
