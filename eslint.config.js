// ESLint flat config: the import-boundary guard of STYLE.md "Who may import whom"
// (docs/architecture-rules.md explains every zone and exception). Syntax only — no
// type-aware rules — so the whole tree lints in seconds. Style is left to the authors.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------- building blocks

/** `^(node:)?(a|b)(/…)?$` — a builtin with or without the `node:` prefix, subpaths included. */
const builtin = (...names) => `^(?:node:)?(?:${names.join('|')})(?:/.*)?$`;
/** A package and its subpaths (`lowdb`, `lowdb/node`). */
const pkg = (...names) => `^(?:${names.join('|')})(?:/.*)?$`;

/** Restrictions: `regex` on the import specifier (as written), `message` names the rule broken. */
const R = {
  daemon: { regex: '(?:^|/)daemon/', message: 'src/ never imports daemon/ (daemon/ wires src/, not the other way); move the shared pure part into src/.' },
  commands: { regex: '(?:^|/)commands/', message: 'only oclif loads commands/; move shared helpers into src/cli/.' },
  testBench: { regex: '^(?:\\.\\./)+(?:test|bench)/', message: 'library and daemon code do not import test/ or bench/ helpers.' },
  // Servers, files, processes, and the daemon's adapters: none of these in src/ (STYLE: "src/ — no listening sockets, no files").
  srcServerIo: { regex: builtin('fs', 'dgram', 'tls', 'http', 'https', 'http2', 'child_process', 'cluster', 'worker_threads', 'readline'), message: 'src/ does no file or server I/O; that belongs to an adapter in daemon/ behind a port (src/ports.ts).' },
  // node:net's address helpers are pure string checks; sockets (createServer, connect, Socket) are not.
  srcNet: { regex: builtin('net'), allowImportNames: ['isIP', 'isIPv4', 'isIPv6'], message: 'src/ holds no sockets; only isIP/isIPv4/isIPv6 may come from node:net.' },
  srcAdapters: { regex: `${pkg('fastify', 'lowdb', 'diameter', 'pino', 'pino-pretty', 'prom-client')}|^@fastify/`, message: 'fastify, lowdb, diameter, pino and prom-client live in daemon/ adapters only.' },
  // The pure core: no clocks, no timers, no terminals, no HTTP clients.
  pureTimers: { regex: builtin('timers', 'perf_hooks', 'process', 'dns', 'inspector'), message: 'codec/crypto/fsm are pure: no timers, clocks or process state — take time and randomness as inputs, return actions (start timer) for the daemon.' },
  pureUi: { regex: `${pkg('ink', 'react', 'chalk', 'undici')}|^ink-|^@oclif/`, message: 'codec/crypto/fsm/services know no terminal, CLI framework or HTTP client.' },
  // Layers inside src/: codec/crypto/fsm sit below services, and nothing pure reaches up into the UI/CLI/client/UE.
  pureUp: { regex: '^(?:\\.\\./)+(?:services|ui|cli|client|ue)/', message: 'codec/crypto/fsm are the bottom layer: they import codec/crypto/fsm/aka/contracts/util/ports only — move the shared piece down.' },
  servicesUp: { regex: '^(?:\\.\\./)+(?:ui|cli|client|ue)/', message: 'services see ports, contracts and the pure core; not the UI, CLI, control client or UE simulator.' },
  // The client side of src/: client → contracts; cli → client; ue → client errors; ui → client + cli. util is the bottom.
  clientUp: { regex: '^(?:\\.\\./)+(?:cli|ui|ue|services|store)/', message: 'src/client is the typed control client: it knows src/contracts and src/util, not the CLI, the TUI, the UE simulator or the services behind the daemon (its errors live in src/client/errors.ts).' },
  clientUi: { regex: `${pkg('ink', 'react', 'chalk')}|^ink-|^@oclif/`, message: 'src/client prints nothing and parses no flags: rendering belongs to src/cli or src/ui.' },
  cliUp: { regex: '^(?:\\.\\./)+(?:ui|ue)/', message: 'src/cli sits below the TUI and beside the UE simulator: move a shared helper to src/util (as util/age.ts), do not import ui/ or ue/.' },
  ueUp: { regex: '^(?:\\.\\./)+(?:cli|ui|services|store)/', message: 'src/ue is a phone: codec, fsm, crypto and src/client errors; not the CLI, the TUI, or the server side (services, store). Shared checks go to src/util (as util/imsi.ts).' },
  uiDown: { regex: '^(?:\\.\\./)+(?:services|store|ue)/', message: 'src/ui sees the daemon through src/client and src/contracts only: not the services or the store behind it, nor the UE simulator.' },
  utilUp: { regex: '^(?:\\.\\./)+(?!util/)[A-Za-z0-9_-]+(?:/|\\.js$)', message: 'src/util is the bottom of src/: small pure helpers that import nothing of src/ outside util/.' },
  // commands/: src/ only (plus npm packages). Shared helpers belong in src/cli/, not in another command file.
  commandsRelative: (allowed) => ({
    regex: `^\\.\\.?/(?!(?:\\.\\./)*(?:${allowed.join('|')})/)`,
    message: allowed.length > 1
      ? `this command may import ${allowed.map((a) => `${a}/`).join(' and ')} only (docs/architecture-rules.md).`
      : 'commands/ import src/ only (one command per file; shared helpers go in src/cli/).',
  }),
  commandsAdapters: { regex: `${pkg('fastify', 'lowdb', 'diameter', 'undici')}|^@fastify/`, message: 'a command calls the daemon through src/client (one contract); it never opens the store, serves HTTP or speaks Diameter itself.' },
};

const list = (...rs) => rs;
const SRC = list(R.daemon, R.commands, R.testBench, R.srcServerIo, R.srcNet, R.srcAdapters);
const PURE = list(...SRC, R.pureTimers, R.pureUi, R.pureUp);
const SERVICES = list(...SRC, R.pureTimers, R.pureUi, R.servicesUp);
const SRC_TESTS = list(R.daemon, R.commands);
const CLIENT = list(...SRC, R.clientUp, R.clientUi);
const CLI = list(...SRC, R.cliUp);
const UE = list(...SRC, R.ueUp);
const UI = list(...SRC, R.uiDown);
const UTIL = list(...SRC, R.utilUp);
const COMMANDS = list(R.testBench, R.commandsAdapters, R.commandsRelative(['src']));
const DAEMON = list(R.commands, R.testBench);
const DAEMON_TESTS = list(R.commands);

/** ESLint's no-restricted-imports does not see `import()` or `require()`; this rule applies the same list to them. */
const dynamicImports = {
  meta: { type: 'problem', docs: { description: 'no-restricted-imports for import() and require()' }, schema: [{ type: 'array' }] },
  create(context) {
    const rules = (context.options[0] ?? []).map((r) => ({ re: new RegExp(r.regex, 'u'), message: r.message }));
    const check = (source) => {
      const value = source?.type === 'Literal' ? source.value
        : source?.type === 'TemplateLiteral' && source.expressions.length === 0 ? source.quasis[0].value.cooked : undefined;
      if (typeof value !== 'string') return;
      const hit = rules.find((r) => r.re.test(value));
      if (hit) context.report({ node: source, message: `'${value}' import is restricted from being used here. ${hit.message}` });
    };
    return {
      ImportExpression: (node) => check(node.source),
      'CallExpression[callee.type="Identifier"][callee.name="require"]': (node) => check(node.arguments[0]),
    };
  },
};

/** Both halves of one restriction list: static imports/exports and dynamic ones. */
const restrict = (rs) => ({
  'no-restricted-imports': ['error', { patterns: rs.map(({ regex, message, allowImportNames }) => ({ regex, message, ...(allowImportNames ? { allowImportNames } : {}) })) }],
  'boundaries/no-restricted-dynamic-imports': ['error', rs],
});

const TIMERS = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'];
const timerMessage = 'no timers in codec/crypto/fsm/services: return a "start timer" action and let daemon/ run it (STYLE: state machines are tables).';
const noTimers = {
  'no-restricted-globals': ['error',
    ...TIMERS.map((name) => ({ name, message: timerMessage })),
    { name: 'fetch', message: 'no HTTP from here; go through a port.' },
    { name: 'process', message: 'no process state (env, stdout, exit) here; take it as an input.' },
    { name: 'console', message: 'this code does not log; return what happened and let the caller log it.' },
  ],
  'no-restricted-properties': ['error',
    ...['globalThis', 'global'].flatMap((object) => TIMERS.map((property) => ({ object, property, message: timerMessage }))),
  ],
};
const noClock = {
  'no-restricted-properties': ['error',
    ...noTimers['no-restricted-properties'].slice(1),
    { object: 'Date', property: 'now', message: 'codecs, crypto and FSMs do not read the clock: take `now` as an input.' },
    { object: 'performance', property: 'now', message: 'codecs, crypto and FSMs do not read the clock: take `now` as an input.' },
    { object: 'Math', property: 'random', message: 'no Math.random: randomness (RAND, nonces) is an input from the Random port.' },
  ],
  'no-restricted-syntax': ['error',
    { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: 'codecs, crypto and FSMs do not read the clock: take `now` as an input.' },
    { selector: 'CallExpression[callee.type="Identifier"][callee.name="Date"]', message: 'codecs, crypto and FSMs do not read the clock: take `now` as an input.' },
  ],
};

const TEST = ['**/*.test.ts', '**/*.test.tsx'];

// ---------------------------------------------------------------- zones (later entries win for the same file)

export default defineConfig([
  { ignores: ['dist/', 'data/', 'coverage/', 'node_modules/', 'fixtures/', 'packaging/', '**/.*'] },
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { boundaries: { rules: { 'no-restricted-dynamic-imports': dynamicImports } } },
    // A tiny set of correctness rules: each one is a bug, never a matter of taste.
    rules: {
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-duplicate-case': 'error',
      'no-dupe-else-if': 'error',
      'no-self-assign': 'error',
      'no-self-compare': 'error',
      'no-unsafe-finally': 'error',
      'no-unsafe-negation': 'error',
      'no-unsafe-optional-chaining': 'error',
      'no-compare-neg-zero': 'error',
      'no-constant-binary-expression': 'error',
      'no-async-promise-executor': 'error',
      'no-loss-of-precision': 'error',
      'no-sparse-arrays': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
    },
  },

  // src/: the library. Nothing in it imports daemon/ or commands/; no files, servers or daemon adapters.
  { files: ['src/**'], rules: restrict(SRC) },
  // util/: the bottom of src/ — helpers shared by the layers above (age, imsi, secret) import nothing of src/ but util/.
  { files: ['src/util/**'], rules: restrict(UTIL) },
  // repo-path.ts finds the repository root (existsSync on package.json) so fixtures load from src/ and dist/ alike.
  { files: ['src/util/repo-path.ts'], rules: restrict(UTIL.filter((r) => r !== R.srcServerIo)) },
  // The pure core: codec, crypto, fsm — and the contracts and AKA helpers that they and the CLI share.
  { files: ['src/{codec,crypto,fsm,aka,contracts}/**', 'src/ports.ts'], rules: { ...restrict(PURE), ...noTimers, ...noClock } },
  // services/: logic over ports; time comes from the Clock port, so Date.now as a default Clock is allowed here.
  { files: ['src/services/**'], rules: { ...restrict(SERVICES), ...noTimers } },
  // The client side (docs/architecture.md "Layers"): client knows the contracts; cli sits on client; ue beside cli;
  // ui on cli and client. Each zone names what it may not reach; a shared helper moves down to util/.
  { files: ['src/client/**'], rules: restrict(CLIENT) },
  // socket-transport.ts is an HTTP client on the control socket (node:http's `request`); no server, no files.
  { files: ['src/client/socket-transport.ts'], rules: restrict([...CLIENT.filter((r) => r !== R.srcServerIo), { ...R.srcServerIo, regex: builtin('fs', 'dgram', 'tls', 'https', 'http2', 'child_process', 'cluster', 'worker_threads', 'readline') }]) },
  { files: ['src/cli/**'], rules: restrict(CLI) },
  // local-file.ts reads a small file named on the command line (--cacert); bulk input stays with the commands.
  { files: ['src/cli/local-file.ts'], rules: restrict(CLI.filter((r) => r !== R.srcServerIo)) },
  // root-help.ts keeps the rendered root help beside the oclif manifest, so `omnisep --help` runs without oclif (docs/performance.md).
  { files: ['src/cli/root-help.ts'], rules: restrict(CLI.filter((r) => r !== R.srcServerIo)) },
  { files: ['src/ue/**'], rules: restrict(UE) },
  { files: ['src/ui/**'], rules: restrict(UI) },
  // Unit tests next to src/ modules read fixtures (fs), run loopback fakes (http) and use timers — but still never daemon/ or commands/.
  { files: TEST.map((t) => `src/${t}`), rules: { ...restrict(SRC_TESTS), 'no-restricted-globals': 'off', 'no-restricted-properties': 'off', 'no-restricted-syntax': 'off' } },

  // daemon/: may import all of src/; never commands/ (oclif is the daemon's caller, not its dependency).
  { files: ['daemon/**'], rules: restrict(DAEMON) },
  { files: TEST.map((t) => `daemon/${t}`), rules: restrict(DAEMON_TESTS) },

  // commands/: src/ only. Exceptions (docs/architecture-rules.md): the two composition roots and the local config check.
  { files: ['commands/**'], rules: restrict(COMMANDS) },
  { files: ['commands/serve.ts', 'commands/aaa/serve.ts'], rules: restrict(list(R.testBench, R.commandsAdapters, R.commandsRelative(['src', 'daemon']))) },
  { files: ['commands/config/check.ts'], rules: restrict(list(R.testBench, R.commandsAdapters, R.commandsRelative(['src', 'daemon/config']))) },
  // db migrate / db copy work on stores with no daemon running: the daemon's config loader and store drivers.
  { files: ['commands/db/**'], rules: restrict(list(R.testBench, R.commandsAdapters, R.commandsRelative(['src', 'daemon/config', 'daemon/store']))) },

  // test/, bench/, man/, bin/: free to import anything (they exercise and assemble the whole).
]);
