#!/usr/bin/env -S node --import tsx --no-warnings=ExperimentalWarning
// Development entry: runs the TypeScript commands straight from commands/ through tsx, no build.
//   node --import tsx bin/dev.js status
// The TypeScript path mapping of oclif does not load tsx under ESM here, so the
// commands directory is pointed at the sources explicitly.
import { Config, execute } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const config = await Config.load({ root, ignoreManifest: true, pjson: { ...pjson, oclif: { ...pjson.oclif, commands: './commands' } } });
await execute({ loadOptions: config });
