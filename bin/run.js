#!/usr/bin/env node
// The `omnisep` entry (package.json "bin"): runs the compiled commands in dist/commands.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
