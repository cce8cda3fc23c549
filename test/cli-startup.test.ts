/**
 * What `omnisep status` loads and prints (docs/performance.md § Third round): the plain call runs without oclif
 * (src/cli/fast-status.ts) and prints what the oclif command prints; no CLI path of `status` reaches TypeBox or
 * undici; any argv or environment the fast path does not know goes to oclif unchanged.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../src/util/repo-path.js';
import { plainStatusCall } from '../src/cli/fast-status.js';
import { plainServeCall } from '../src/cli/lean-serve.js';
import { cliEnv, runCli, type CliResult } from './cli-harness.js';
import { startTestDaemon, type TestDaemon } from './cli-daemon.js';

let d: TestDaemon;
before(async () => {
  d = await startTestDaemon({ fixedClock: true });
});
after(async () => {
  await d.stop();
});

/** The same argv through oclif's `execute`, as bin/run.js runs every command but the fast ones. */
function runOclif(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const core = pathToFileURL(repoPath('node_modules', '@oclif', 'core', 'lib', 'index.js')).href;
  const dir = pathToFileURL(repoPath('bin', 'run.js')).href;
  // oclif reads process.argv for the help it prints after a usage error: give it the argv bin/run.js sees.
  const code = `process.argv.splice(1, Infinity, 'omnisep', ...${JSON.stringify(args)}); const { execute } = await import(${JSON.stringify(core)}); await execute({ dir: ${JSON.stringify(dir)} });`;
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: repoPath(), env: cliEnv({ OCLIF_DISABLE_ENGINE_WARNING: 'true', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (c) => resolveP({ code: c, stdout, stderr }));
  });
}

/** Memory and uptime change between two asks: compare everything else. */
const steady = (r: CliResult) => ({ code: r.code, stdout: r.stdout.replace(/\d+(\.\d+)?/g, 'N'), stderr: r.stderr });

for (const args of [['status'], ['status', '--json'], ['status', '--json', '--socket=SOCK']]) {
  test(`\`${args.join(' ')}\` prints what the oclif command prints`, async () => {
    const a = args.map((x) => x.replace('SOCK', d.socket));
    const env = { OMNISEP_SOCKET: d.socket };
    const [fast, oclif] = [await runCli(a, { env }), await runOclif(a, env)];
    assert.equal(fast.code, 0, fast.stderr);
    assert.match(fast.stdout, /OmniSEP/);
    assert.deepEqual(steady(fast), steady(oclif));
  });
}

for (const args of [['status', '--socket', 'MISSING'], ['status', '--json', '--socket', 'MISSING'], ['status', '--bogus'], ['status', '--json', '--json'], ['status', 'extra']]) {
  test(`\`${args.join(' ')}\` fails as the oclif command does`, async () => {
    const a = args.map((x) => x.replace('MISSING', join(d.dir, 'nobody.sock')));
    const [fast, oclif] = [await runCli(a), await runOclif(a)];
    assert.notEqual(fast.code, 0);
    assert.deepEqual(fast, oclif);
  });
}

test('the fast path takes only argv and environment oclif would read the same way', () => {
  assert.deepEqual(plainStatusCall(['status'], {}), { json: false });
  assert.deepEqual(plainStatusCall(['status', '--json', '--socket', '/s', '--config=/c.yaml'], {}), { json: true, socket: '/s', config: '/c.yaml' });
  assert.deepEqual(plainStatusCall(['status'], { OMNISEP_SOCKET: '/e', OMNISEP_CONFIG: '' }), { json: false, socket: '/e' });
  assert.deepEqual(plainStatusCall(['status', '--socket=/f'], { OMNISEP_SOCKET: '/e' }), { json: false, socket: '/f' });
  for (const argv of [['status', '--help'], ['status', '-h'], ['status', '--url', 'https://x'], ['status', '--socket'], ['status', '--socket', '--json'], ['status', '--socket='], ['status', '--socket', 'a', '--socket', 'b'], ['status', '--', '--json'], ['status', 'x'], ['sessions', 'ls']])
    assert.equal(plainStatusCall(argv, {}), undefined, argv.join(' '));
  for (const name of ['OMNISEP_URL', 'OMNISEP_CONTENT_TYPE', 'DEBUG', 'OMNISEP_DEBUG'])
    assert.equal(plainStatusCall(['status'], { [name]: '1' }), undefined, name);
});

/** Static imports of a compiled module, followed through relative files and packages (not `import()`). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (file.includes('/node_modules/')) return;
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
      else seen.add(join(repoPath('node_modules'), spec));
    }
  };
  walk(entry);
  return seen;
}

test('no static import of `status` reaches TypeBox or undici; the fast path not oclif either', () => {
  const fast = repoPath('dist', 'src', 'cli', 'fast-status.js');
  const command = repoPath('dist', 'commands', 'status.js');
  assert.ok(existsSync(fast) && existsSync(command), 'build first');
  const heavy = (g: Set<string>, re: RegExp) => [...g].filter((f) => re.test(f));
  const fastGraph = staticGraph(fast);
  assert.deepEqual(heavy(fastGraph, /node_modules\/(@sinclair\/typebox|undici|@oclif)/), []);
  assert.deepEqual(heavy(staticGraph(command), /node_modules\/(@sinclair\/typebox|undici)/), []);
  assert.ok(heavy(staticGraph(command), /node_modules\/@oclif/).length > 0, 'the graph walk sees packages');
});

test('the lean serve path takes only argv oclif would parse the same way', () => {
  assert.deepEqual(plainServeCall(['serve'], {}), { set: [] });
  assert.deepEqual(plainServeCall(['serve', '--data-dir', '/d', '--http-port=0', '-c', '/c.yaml', '--set', 'a=1', '--set=b=2', '--no-tls', '--pretty', '--log-level', 'warn', '--ephemeral'], {}),
    { set: ['a=1', 'b=2'], 'data-dir': '/d', 'http-port': 0, config: '/c.yaml', tls: false, pretty: true, 'log-level': 'warn', ephemeral: true });
  assert.deepEqual(plainServeCall(['serve'], { OMNISEP_CONFIG: '/e.yaml' }), { set: [], config: '/e.yaml' });
  for (const argv of [['serve', '--help'], ['serve', '-h'], ['serve', '--http-port', '70000'], ['serve', '--http-port', 'x'], ['serve', '--http-port', '-1'], ['serve', '--log-level', 'loud'], ['serve', '--data-dir'], ['serve', '--data-dir='], ['serve', '--data-dir', 'a', '--data-dir', 'b'], ['serve', '--tls', '--no-tls'], ['serve', '--no-ephemeral'], ['serve', '--bogus'], ['serve', 'extra'], ['serve', '--', '--tls'], ['serve', '-c=/c'], ['status']])
    assert.equal(plainServeCall(argv, {}), undefined, argv.join(' '));
  for (const name of ['DEBUG', 'OMNISEP_DEBUG']) assert.equal(plainServeCall(['serve'], { [name]: '1' }), undefined, name);
});

for (const args of [['serve', '--help'], ['serve', '--http-port', '70000'], ['serve', '--bogus'], ['serve', '--ephemeral', '--set', 'nonsense.key=1'], ['serve', '--ephemeral', '--log-level', 'loud']]) {
  test(`\`${args.join(' ')}\` prints and exits as the oclif command does`, async () => {
    const [lean, oclif] = [await runCli(args), await runOclif(args)];
    assert.deepEqual(lean, oclif);
    if (args[1] === '--help') assert.equal(lean.code, 0);
    else assert.notEqual(lean.code, 0);
  });
}

test('the lean serve path loads no oclif', () => {
  for (const f of [repoPath('dist', 'src', 'cli', 'lean-serve.js'), repoPath('dist', 'daemon', 'serve-run.js')])
    assert.deepEqual([...staticGraph(f)].filter((x) => /node_modules\/@oclif/.test(x)), [], f);
});
