// The import boundaries of STYLE.md "Who may import whom", enforced by eslint.config.js
// (docs/architecture-rules.md). The first test lints the tree; the probes prove each rule
// bites where it should and stays quiet where the layering allows the import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '../src/util/repo-path.js';

const root = repoRoot();
const eslint = new ESLint({ cwd: root });

/** The rules that draw the boundaries: an inline `eslint-disable` of one of these does not count. */
const BOUNDARY_RULES = new Set([
  'no-restricted-imports',
  'boundaries/no-restricted-dynamic-imports',
  'no-restricted-globals',
  'no-restricted-properties',
  'no-restricted-syntax',
]);

const where = (r: ESLint.LintResult, m: { line: number; column: number }) => `${relative(root, r.filePath)}:${m.line}:${m.column}`;

/** Errors, and boundary messages silenced by an inline directive, as `file:line:col  rule  message`. */
function violations(results: ESLint.LintResult[]): string[] {
  return results.flatMap((r) => [
    ...r.messages.filter((m) => m.severity === 2 || m.fatal).map((m) => `${where(r, m)}  ${m.ruleId ?? 'parse'}  ${m.message}`),
    ...r.suppressedMessages.filter((m) => m.ruleId && BOUNDARY_RULES.has(m.ruleId))
      .map((m) => `${where(r, m)}  ${m.ruleId}  disabled inline; boundary exceptions live in eslint.config.js and docs/architecture-rules.md`),
  ]);
}

test('the tree keeps the import boundaries (npm run lint finds no error)', async () => {
  const results = await eslint.lintFiles(['.']);
  assert.ok(results.length > 50, `ESLint saw only ${results.length} files: is eslint.config.js at the repository root?`);
  const problems = violations(results);
  assert.deepEqual(problems, [], `import-boundary violations (STYLE.md "Who may import whom"):\n  ${problems.join('\n  ')}\n`);
});

test('an inline eslint-disable does not get a boundary violation past the check', async () => {
  const code = "// eslint-disable-next-line no-restricted-imports\nimport { createSocket } from 'node:dgram';\nexport const s = createSocket;\n";
  const results = await eslint.lintText(code, { filePath: join(root, 'src/codec/probe.ts') });
  assert.equal(results[0]?.messages.filter((m) => m.severity === 2).length, 0, 'the directive silences ESLint itself');
  const found = violations(results);
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(found[0]!, /^src\/codec\/probe\.ts:2:1  no-restricted-imports  disabled inline/);
});

test('no import cycle between files of src/, daemon/ and commands/ (type-only imports count): scripts/import-cycles.mjs', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'import-cycles.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stderr}${r.stdout}`);
  assert.match(r.stdout, /import-cycles: \d{3,} files .*, 0 cycles/);
});

test('no copied code in the protocol layers: jscpd finds no clone of 50+ tokens in src/codec, src/fsm, daemon/diameter (npm run lint:clones)', () => {
  // The very command of package.json's lint:clones, so the test and `npm run lint` cannot drift apart.
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [bin, ...args] = scripts['lint:clones']!.split(/\s+/);
  assert.equal(bin, 'jscpd');
  assert.ok(args.includes('50') && ['src/codec', 'src/fsm', 'daemon/diameter'].every((d) => args.includes(d)), scripts['lint:clones']);
  const r = spawnSync(join(root, 'node_modules', '.bin', 'jscpd'), args, { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /Found 0 clones/);
});

/** A snippet linted as if it sat at `path`, and the rules it must break (none: it must lint clean). */
type Probe = { path: string; code: string; breaks: string[] };

const IMPORTS = 'no-restricted-imports';
const DYNAMIC = 'boundaries/no-restricted-dynamic-imports';

const probes: Probe[] = [
  // codec/crypto/fsm: pure — no I/O modules, no timers, no clock.
  { path: 'src/codec/eap/probe.ts', code: "import { createServer } from 'node:net';\nexport const s = createServer;\n", breaks: [IMPORTS] },
  { path: 'src/codec/eap/probe.ts', code: "import * as net from 'net';\nexport const s = net;\n", breaks: [IMPORTS] },
  { path: 'src/codec/diameter/probe.ts', code: "import { isIP } from 'node:net';\nexport const v = isIP('::1');\n", breaks: [] },
  { path: 'src/codec/ts43/probe.ts', code: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", breaks: [IMPORTS] },
  { path: 'src/crypto/probe.ts', code: "import { setTimeout as sleep } from 'node:timers/promises';\nexport const s = sleep;\n", breaks: [IMPORTS] },
  { path: 'src/crypto/probe.ts', code: "import { createHmac } from 'node:crypto';\nexport const h = createHmac;\n", breaks: [] },
  { path: 'src/fsm/probe.ts', code: "import { Low } from 'lowdb';\nimport { Client } from 'undici';\nexport const x = [Low, Client];\n", breaks: [IMPORTS] },
  { path: 'src/fsm/probe.ts', code: 'export function arm(f: () => void) { return setTimeout(f, 1000); }\n', breaks: ['no-restricted-globals'] },
  { path: 'src/fsm/probe.ts', code: 'export function arm(f: () => void) { return globalThis.setInterval(f, 1000); }\n', breaks: ['no-restricted-properties'] },
  { path: 'src/fsm/probe.ts', code: 'export const stamp = () => [Date.now(), new Date()];\n', breaks: ['no-restricted-properties', 'no-restricted-syntax'] },
  { path: 'src/fsm/probe.ts', code: "import { encode } from '../codec/eap/probe.js';\nexport const at = (now: number) => new Date(now).toISOString() + encode;\n", breaks: [] },
  { path: 'src/codec/ts43/probe.ts', code: "import { catalog } from '../../services/entitlements/catalog.js';\nexport const c = catalog;\n", breaks: [IMPORTS] },
  // services: ports only.
  { path: 'src/services/probe.ts', code: "import Fastify from 'fastify';\nimport { readFile } from 'node:fs/promises';\nexport const x = [Fastify, readFile];\n", breaks: [IMPORTS] },
  { path: 'src/services/xcap/probe.ts', code: "import type { Store, Clock } from '../../ports.js';\nimport { step } from '../../fsm/eap-aka-server.js';\nexport const x = (s: Store, c: Clock) => [s, c, step, Date.now()];\n", breaks: [] },
  // Nothing in src/ imports daemon/ or commands/, statically, by re-export or dynamically.
  { path: 'src/ui/probe.ts', code: "import { startDaemon } from '../../daemon/main.js';\nexport const s = startDaemon;\n", breaks: [IMPORTS] },
  { path: 'src/cli/probe.ts', code: "export * from '../../commands/serve.js';\n", breaks: [IMPORTS] },
  { path: 'src/ue/probe.ts', code: "export const load = () => import('../../daemon/main.js');\n", breaks: [DYNAMIC] },
  { path: 'src/cli/probe.ts', code: "import type { RunningDaemon } from '../../daemon/main.js';\nexport type D = RunningDaemon;\n", breaks: [IMPORTS] },
  { path: 'src/codec/probe.ts', code: "const fs = require('node:fs');\nexport const f = fs;\n", breaks: [DYNAMIC] },
  // Unit tests beside src/ modules may read fixtures and use timers, but still not reach into daemon/.
  { path: 'src/codec/probe.test.ts', code: "import { readFileSync } from 'node:fs';\nsetTimeout(() => readFileSync, 1);\n", breaks: [] },
  { path: 'src/services/probe.test.ts', code: "import { createMemoryStore } from '../../daemon/store/memory-store.js';\nexport const m = createMemoryStore;\n", breaks: [IMPORTS] },
  // commands/: src/ only; serve.ts and aaa/serve.ts may import daemon/, config/check.ts daemon/config/ only.
  { path: 'commands/sessions/probe.ts', code: "import { startDaemon } from '../../daemon/main.js';\nexport const s = startDaemon;\n", breaks: [IMPORTS] },
  { path: 'commands/sessions/probe.ts', code: "import { helper } from './ls.js';\nexport const h = helper;\n", breaks: [IMPORTS] },
  { path: 'commands/sessions/probe.ts', code: "import { JSONFilePreset } from 'lowdb/node';\nexport const p = JSONFilePreset;\n", breaks: [IMPORTS] },
  { path: 'commands/sessions/probe.ts', code: "import { Flags } from '@oclif/core';\nimport { readFileSync } from 'node:fs';\nimport { BaseCommand } from '../../src/cli/base-command.js';\nexport const x = [Flags, readFileSync, BaseCommand];\n", breaks: [] },
  { path: 'commands/serve.ts', code: "import { startDaemon } from '../daemon/main.js';\nexport const s = startDaemon;\n", breaks: [] },
  { path: 'commands/config/check.ts', code: "import { loadConfig } from '../../daemon/config/index.js';\nexport const l = loadConfig;\n", breaks: [] },
  { path: 'commands/config/check.ts', code: "import { startDaemon } from '../../daemon/main.js';\nexport const s = startDaemon;\n", breaks: [IMPORTS] },
  // daemon/ may import all of src/, never commands/.
  { path: 'daemon/http/probe.ts', code: "import { routes } from '../../src/contracts/routes.js';\nimport Fastify from 'fastify';\nexport const x = [routes, Fastify];\n", breaks: [] },
  { path: 'daemon/http/probe.ts', code: "import Serve from '../../commands/serve.js';\nexport const s = Serve;\n", breaks: [IMPORTS] },
  // The client side: client ← cli ← ui, ue beside cli; shared helpers in util/, which imports nothing above it.
  { path: 'src/client/probe.ts', code: "import { UsageError } from '../cli/errors.js';\nexport const e = UsageError;\n", breaks: [IMPORTS] },
  { path: 'src/client/probe.ts', code: "import chalk from 'chalk';\nimport { routes } from '../contracts/routes.js';\nexport const x = [chalk, routes];\n", breaks: [IMPORTS] },
  { path: 'src/client/probe.ts', code: "import { routes } from '../contracts/routes.js';\nimport { Secret } from '../util/secret.js';\nexport const x = [routes, Secret];\n", breaks: [] },
  { path: 'src/cli/probe.ts', code: "import { fit } from '../ui/layout.js';\nexport const f = fit;\n", breaks: [IMPORTS] },
  { path: 'src/cli/probe.ts', code: "import { ControlClient } from '../client/control-client.js';\nimport { age } from '../util/age.js';\nexport const x = [ControlClient, age];\n", breaks: [] },
  { path: 'src/ue/probe.ts', code: "import { parseImsi } from '../cli/validate.js';\nexport const p = parseImsi;\n", breaks: [IMPORTS] },
  { path: 'src/ue/probe.ts', code: "import { EapAuthService } from '../services/eap-auth/eap-auth-service.js';\nexport const s = EapAuthService;\n", breaks: [IMPORTS] },
  { path: 'src/ue/probe.ts', code: "import { UsageError } from '../client/errors.js';\nimport { imsiProblem } from '../util/imsi.js';\nexport const x = [UsageError, imsiProblem];\n", breaks: [] },
  { path: 'src/ui/probe.ts', code: "import { openCollection } from '../store/collections.js';\nexport const o = openCollection;\n", breaks: [IMPORTS] },
  { path: 'src/ui/probe.ts', code: "import { subscribeEvents } from '../client/event-stream.js';\nimport { renderTable } from '../cli/output.js';\nexport const x = [subscribeEvents, renderTable];\n", breaks: [] },
  { path: 'src/util/probe.ts', code: "import { UsageError } from '../client/errors.js';\nexport const e = UsageError;\n", breaks: [IMPORTS] },
  { path: 'src/util/probe.ts', code: "import type { Clock } from '../ports.js';\nexport type C = Clock;\n", breaks: [IMPORTS] },
  { path: 'src/util/probe.ts', code: "import { Secret } from './secret.js';\nexport const s = Secret;\n", breaks: [] },
  // test/ assembles the whole.
  { path: 'test/probe.test.ts', code: "import { startDaemon } from '../daemon/main.js';\nimport Serve from '../commands/serve.js';\nexport const x = [startDaemon, Serve];\n", breaks: [] },
];

for (const p of probes) {
  const first = p.code.split('\n')[0];
  test(`${p.path}: ${first} → ${p.breaks.length ? p.breaks.join(', ') : 'allowed'}`, async () => {
    const [result] = await eslint.lintText(p.code, { filePath: join(root, p.path) });
    assert.ok(result, 'ESLint returned no result');
    const fatal = result.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal, [], 'the probe must parse');
    const broken = [...new Set(result.messages.filter((m) => m.severity === 2).map((m) => m.ruleId))].sort();
    assert.deepEqual(broken, [...p.breaks].sort(), result.messages.map((m) => `${m.line}: ${m.ruleId} ${m.message}`).join('\n'));
  });
}
