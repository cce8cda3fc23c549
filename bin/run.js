#!/usr/bin/env node
// The `omnisep` entry (package.json "bin"): runs the compiled commands in dist/commands.
import { execute } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import { ensureManifest } from './manifest.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const usable = await ensureManifest(root);
await execute(usable ? { dir: import.meta.url } : { dir: import.meta.url, loadOptions: { root, ignoreManifest: true } });
