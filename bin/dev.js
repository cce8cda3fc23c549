#!/usr/bin/env -S node --import tsx --no-warnings=ExperimentalWarning
// Development entry: runs the TypeScript commands straight from commands/ through tsx, no build.
//   node --import tsx bin/dev.js status
// The TypeScript path mapping of oclif does not load tsx under ESM here, so the
// commands directory is pointed at the sources explicitly (and no manifest is read).
import { execute } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import { loadConfigFresh } from './manifest.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { config } = await loadConfigFresh(root, './commands');
await execute({ loadOptions: config });
