/**
 * Man pages and the README command list, generated from the command classes
 * (the same `summary`/`description`/`examples`/flags oclif prints for
 * `--help`) and from the config schema's descriptions (omnisep.conf(5)). The
 * idea follows docker/cli's man/generate.go: the CLI's own metadata is the
 * only source, and a test regenerates the pages in memory and fails when the
 * committed ones differ.
 *
 *   node --import tsx man/generate.ts          # rewrite man/*.1, man/*.5 and the README list
 *   node --import tsx man/generate.ts --check  # exit 1 when anything is stale
 *
 * Every command that exists is covered, including those other areas add
 * later (subscriber, diameter, xcap, simulate, monitor, activity tail, aaa):
 * the list comes from oclif's command discovery, not from a hand-kept table.
 */
import { Config, Plugin, type Command } from '@oclif/core';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeConfig, ENV_OVERRIDES } from '../src/contracts/config.js';
import { TOPIC_SUMMARIES } from '../src/cli/topics.js';
import { repoPath, repoRoot } from '../src/util/repo-path.js';

export type CommandInfo = Command.Cached;

export interface CliModel {
  bin: string;
  version: string;
  description: string;
  commands: CommandInfo[];
  topics: Map<string, string | undefined>;
}

/**
 * Load the oclif configuration. `source: 'src'` reads the TypeScript commands
 * (needs tsx loaded), `'dist'` the compiled ones; both give the same model.
 */
export async function loadCliModel(source: 'src' | 'dist' = import.meta.url.includes('/dist/') ? 'dist' : 'src'): Promise<CliModel> {
  const root = repoRoot();
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const commandsDir = source === 'src' ? './commands' : './dist/commands';
  // Discover the commands from their files, never from oclif.manifest.json (which may be stale):
  // Config.load's ignoreManifest does not reach the root plugin, so build that plugin here.
  const rootPjson = { ...pjson, oclif: { ...pjson.oclif, commands: commandsDir } };
  const plugin = new Plugin({ root, isRoot: true, pjson: rootPjson, ignoreManifest: true });
  await plugin.load();
  const config = await Config.load({ root, pjson: rootPjson, plugins: new Map([[plugin.name, plugin]]) });
  const commands = config.commands.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id));
  const topics = new Map<string, string | undefined>();
  for (const t of config.topics) topics.set(t.name, t.description);
  return { bin: config.bin, version: config.version, description: String(pjson.description ?? ''), commands, topics };
}

// ---------------------------------------------------------------------------
// roff

/** Escape text for roff: backslashes, leading control characters, hyphens in option-like words. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')
    .replace(/[^\x00-\x7f]/gu, (ch) => `\\[u${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

const bold = (s: string) => `\\fB${roff(s)}\\fR`;
const ital = (s: string) => `\\fI${roff(s)}\\fR`;

const displayId = (id: string) => id.replaceAll(':', ' ');

/** `<%= config.bin %> <%= command.id %>` as oclif's help renders it. */
function renderTemplate(s: string, bin: string, id: string): string {
  return s.replace(/<%=\s*config\.bin\s*%>/g, bin).replace(/<%=\s*command\.id\s*%>/g, displayId(id));
}

interface Example {
  description?: string;
  command: string;
}

function examplesOf(cmd: CommandInfo, bin: string): Example[] {
  const raw = cmd.examples ?? [];
  return (Array.isArray(raw) ? raw : [raw]).map((e) =>
    typeof e === 'string' ? { command: renderTemplate(e, bin, cmd.id) } : { description: e.description, command: renderTemplate(e.command, bin, cmd.id) },
  );
}

type FlagInfo = CommandInfo['flags'][string];

const isGlobal = (f: FlagInfo) => f.helpGroup === 'GLOBAL';

function flagSpec(f: FlagInfo): string {
  const names = `${f.char ? `-${f.char}, ` : ''}--${f.name}`;
  if (f.type === 'boolean') return bold(names) + (f.allowNo ? ` | ${bold(`--no-${f.name}`)}` : '');
  const value = f.helpValue ? (Array.isArray(f.helpValue) ? f.helpValue.join(' ') : f.helpValue) : f.options ? f.options.join('|') : 'VALUE';
  return `${bold(names)} ${ital(value)}`;
}

function flagText(f: FlagInfo): string {
  const parts = [f.summary, f.description].filter((x): x is string => Boolean(x));
  const extra: string[] = [];
  if (f.type === 'option' && f.options && !f.helpValue) extra.push(`One of: ${f.options.join(', ')}.`);
  if (f.type === 'option' && f.multiple) extra.push('May be repeated.');
  if (f.env) extra.push(`Environment: ${f.env}.`);
  if (f.default !== undefined && typeof f.default !== 'function' && f.type === 'option') extra.push(`Default: ${String(f.default)}.`);
  return roff([...parts, ...extra].join(' '));
}

function usageLine(cmd: CommandInfo, bin: string): string {
  const args = Object.values(cmd.args ?? {}).map((a) => (a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`));
  const hasOwnFlags = Object.values(cmd.flags).some((f) => !isGlobal(f) && !f.hidden);
  return [bold(`${bin} ${displayId(cmd.id)}`), ...args.map((a) => ital(a)), ...(hasOwnFlags ? ['[\\fIOPTIONS\\fR]'] : []), '[\\fIGLOBAL OPTIONS\\fR]'].join(' ');
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => roff(p.trim().replace(/\s*\n\s*/g, ' ')))
    .join('\n.PP\n');
}

function th(name: string, section: number, version: string): string {
  // No date: the page must be byte-identical when regenerated (drift test).
  return `.TH ${name.toUpperCase().replace(/-/g, '\\-')} ${section} "" "omnisep ${version}" "omnisep manual"`;
}

function header(): string {
  return '.\\" Generated by man/generate.ts from the command classes and the config schema. Do not edit.';
}

function commandSection(cmd: CommandInfo, bin: string): string {
  const out: string[] = [];
  out.push(`.SS ${roff(`${bin} ${displayId(cmd.id)}`)}`);
  out.push(usageLine(cmd, bin));
  out.push('.PP', roff(cmd.summary ?? ''));
  if (cmd.description && cmd.description !== cmd.summary) out.push('.PP', paragraphs(cmd.description));
  const args = Object.values(cmd.args ?? {});
  if (args.length) {
    out.push('.PP', '\\fBArguments:\\fR');
    for (const a of args) out.push('.TP', ital(a.name.toUpperCase()), roff(`${a.description ?? ''}${a.required ? '' : ' (optional)'}`));
  }
  const flags = Object.values(cmd.flags)
    .filter((f) => !isGlobal(f) && !f.hidden)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (flags.length) {
    out.push('.PP', '\\fBOptions:\\fR');
    for (const f of flags) out.push('.TP', flagSpec(f), flagText(f));
  }
  const ex = examplesOf(cmd, bin);
  if (ex.length) {
    out.push('.PP', '\\fBExamples:\\fR');
    for (const e of ex) {
      if (e.description) out.push('.PP', roff(e.description));
      out.push('.PP', '.RS 4', '.nf', roff(`$ ${e.command}`), '.fi', '.RE');
    }
  }
  return out.join('\n');
}

const groupOf = (cmd: CommandInfo) => cmd.id.split(':')[0]!;

function groups(model: CliModel): Map<string, CommandInfo[]> {
  const m = new Map<string, CommandInfo[]>();
  for (const c of model.commands) {
    const g = groupOf(c);
    if (!m.has(g)) m.set(g, []);
    m.get(g)!.push(c);
  }
  return m;
}

function groupSummary(model: CliModel, group: string, cmds: CommandInfo[]): string {
  const topic = model.topics.get(group);
  const own = cmds.find((c) => c.id === group);
  if (own?.summary) return own.summary;
  // oclif falls back to a subcommand's summary for an undeclared topic: only a declared one counts.
  if (topic && !cmds.some((c) => c.summary === topic)) return topic;
  if (TOPIC_SUMMARIES[group]) return TOPIC_SUMMARIES[group]!;
  return `${cmds.map((c) => displayId(c.id).split(' ').slice(1).join(' ') || displayId(c.id)).join(', ')}.`;
}

function globalOptions(model: CliModel): string {
  const any = model.commands.find((c) => Object.values(c.flags).some(isGlobal));
  if (!any) return '';
  const flags = Object.values(any.flags)
    .filter(isGlobal)
    .sort((a, b) => a.name.localeCompare(b.name));
  return flags.map((f) => `.TP\n${flagSpec(f)}\n${flagText(f)}`).join('\n');
}

function mainPage(model: CliModel): string {
  const { bin } = model;
  const g = groups(model);
  const out: string[] = [header(), th(bin, 1, model.version)];
  out.push('.SH NAME', `${bin} \\- ${roff(model.description)}`);
  out.push('.SH SYNOPSIS', `${bold(bin)} ${ital('COMMAND')} [\\fIARGS\\fR] [\\fIOPTIONS\\fR]`, '.br', `${bold(bin)} ${ital('COMMAND')} \\fB\\-\\-help\\fR`);
  out.push(
    '.SH DESCRIPTION',
    roff(
      `${bin} serve runs the daemon in the foreground: the public HTTP listener (TS.43 entitlement, XCAP, /health), the admin API over TCP with TLS and bearer tokens, Diameter, and a local control socket. Every other command is a client: it talks to the daemon over the control socket (or, with --url, to a remote admin API), sends only input it has validated, and prints a table on a terminal or the API's JSON answer with --json.`,
    ),
  );
  out.push('.SH COMMANDS');
  for (const [name, cmds] of g) {
    const page = `${bin}\\-${roff(name)}(1)`;
    out.push('.TP', bold(`${bin} ${name}`), `${roff(groupSummary(model, name, cmds))} See ${page}.`);
    if (cmds.length > 1 || cmds[0]!.id !== name) {
      out.push('.RS');
      for (const c of cmds) out.push('.TP', bold(displayId(c.id)), roff(c.summary ?? ''));
      out.push('.RE');
    }
  }
  out.push('.SH GLOBAL OPTIONS', roff('Every client command accepts these.'), globalOptions(model));
  out.push('.TP', '\\fB\\-h\\fR, \\fB\\-\\-help\\fR', roff('Show the help of a command, its options and examples (the same text as these pages).'));
  out.push(
    '.SH EXIT STATUS',
    '.TP', '0', roff('Success.'),
    '.TP', '1', roff('Operational failure: a 5xx from the daemon, a local file that does not load, an import with bad lines, anything unexpected.'),
    '.TP', '2', roff('Usage error: a malformed IMSI, an unknown app id, a value out of range, an unknown flag. Nothing was sent; the message says what would be right.'),
    '.TP', '3', roff('Refused or rejected: the daemon answered no (not found, conflict, an ambiguous id prefix, 401/403 on --url), or the network rejected a simulated authentication.'),
    '.TP', '65', roff('EX_DATAERR (serve): a damaged store is refused at start.'),
    '.TP', '69', roff('EX_UNAVAILABLE: cannot reach. No daemon answers (the line names the socket tried, where the path came from and how to start one), a TLS check failed, no answer in time; serve: a port in use, the database unreachable.'),
    '.TP', '78', roff('EX_CONFIG: a configuration serve refuses (config check exits the same).'),
  );
  out.push(
    '.SH ENVIRONMENT',
    '.TP', bold('OMNISEP_SOCKET'), roff('Control socket path (as --socket).'),
    '.TP', bold('OMNISEP_CONFIG'), roff('The daemon\'s config file (as --config): the CLI takes control.socket, else the data dir\'s socket, from it; serve reads it as its --config.'),
    '.TP', bold('XDG_RUNTIME_DIR'), roff('When set, the default socket is $XDG_RUNTIME_DIR/omnisep.sock; else the data dir\'s omnisep.sock (storage.data_dir of the config, default ./data), as an absolute path.'),
    '.TP', bold('OMNISEP_URL'), roff('Admin API URL (as --url).'),
    '.TP', bold('OMNISEP_API_KEY'), roff('Bearer token for --url; prefer it to --api-key, which other users can see in the process list.'),
    '.TP', bold('NO_COLOR'), roff('Any non-empty value turns colour off. Colour is also off when stdout is not a terminal.'),
  );
  for (const [env, key] of ENV_OVERRIDES) if (env !== 'OMNISEP_SOCKET') out.push('.TP', bold(env), roff(`Overrides the configuration key ${key} (serve, config check).`));
  out.push(
    '.SH FILES',
    '.TP', ital('./data/'), roff('Default data directory: the store, the activity log, the admin TLS certificate and the fallback control socket (storage.data_dir).'),
    '.TP', ital('$XDG_RUNTIME_DIR/omnisep.sock'), roff('Default control socket, mode 0600.'),
  );
  const see = [...g.keys()].map((n) => `${bold(`${bin}-${n}`)}(1)`);
  out.push('.SH SEE ALSO', [...see, `${bold('omnisep.conf')}(5)`].join(',\n'));
  return `${out.join('\n')}\n`;
}

function groupPage(model: CliModel, name: string, cmds: CommandInfo[]): string {
  const { bin } = model;
  const out: string[] = [header(), th(`${bin}-${name}`, 1, model.version)];
  out.push('.SH NAME', `${bin}\\-${roff(name)} \\- ${roff(groupSummary(model, name, cmds))}`);
  out.push('.SH SYNOPSIS', cmds.map((c) => usageLine(c, bin)).join('\n.br\n'));
  out.push('.SH COMMANDS', cmds.map((c) => commandSection(c, bin)).join('\n'));
  out.push('.SH GLOBAL OPTIONS', roff(`--socket, --json, --url, --api-key and --insecure, as described in ${bin}(1).`));
  out.push('.SH EXIT STATUS', roff('0 success, 1 operational failure (no daemon, an API error), 2 usage error (nothing was sent).'));
  out.push('.SH SEE ALSO', `${bold(bin)}(1), ${bold('omnisep.conf')}(5)`);
  return `${out.join('\n')}\n`;
}

/** JSON with a space after each comma and colon, so long defaults can break between items. */
function spacedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(spacedJson).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${spacedJson(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

function fmtDefault(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v === '' ? '"" (empty)' : v;
  return spacedJson(v);
}

function confPage(model: CliModel): string {
  const keys = describeConfig();
  const out: string[] = [header(), th('omnisep.conf', 5, model.version)];
  out.push('.SH NAME', 'omnisep.conf \\- configuration file of the omnisep daemon');
  out.push('.SH SYNOPSIS', `${bold('omnisep serve --config')} ${ital('FILE')} [${bold('--set')} ${ital('key.path=value')}]...`);
  out.push(
    '.SH DESCRIPTION',
    paragraphs(
      `One YAML file (JSON is valid YAML too). Every key is optional and has a default; keys are snake_case dotted paths grouped in sections. The daemon applies, in order: the defaults, the file, the environment overrides, then every --set. It validates the result at start and refuses to run with a message naming each bad key and the file; omnisep config check FILE runs the same validation without a daemon.

Keys marked secret are printed as [REDACTED] by omnisep config show and never logged. A production start (server.environment: production) refuses the sample or an empty token.signing_secret.`,
    ),
  );
  out.push('.SH EXAMPLE', '.RS 4', '.nf', roff(['server:', '  fqdn: aes.mnc001.mcc001.pub.3gppnetwork.org', '  environment: production', 'admin:', '  api_keys: [ "<32 random characters>" ]', 'eap_aka:', '  backend: swm', 'diameter:', '  peers:', '    - { host: aaa1.epc.example.net, ip: 10.0.0.10, port: 3868 }'].join('\n')), '.fi', '.RE');
  let section = '';
  for (const k of keys) {
    const top = k.key.split('.')[0]!;
    if (top !== section) {
      section = top;
      out.push(`.SH ${roff(section.toUpperCase())}`);
    }
    const meta = [`Type: ${k.type}.`, k.default !== undefined ? `Default: ${fmtDefault(k.default)}.` : '', k.env ? `Environment: ${k.env}.` : '', k.secret ? 'Secret.' : '']
      .filter(Boolean)
      .join(' ');
    out.push('.TP', bold(k.key), `${roff(k.description.replace(/^./, (c) => c.toUpperCase()))}.`, '.br', roff(meta));
  }
  out.push('.SH ENVIRONMENT', ...ENV_OVERRIDES.flatMap(([env, key]) => ['.TP', bold(env), roff(`Overrides ${key}.`)]));
  out.push('.SH SEE ALSO', `${bold('omnisep')}(1), ${bold('omnisep-serve')}(1), ${bold('omnisep-config')}(1)`);
  return `${out.join('\n')}\n`;
}

/** Every page: file name → content. */
export function generateManPages(model: CliModel): Map<string, string> {
  const pages = new Map<string, string>();
  pages.set(`${model.bin}.1`, mainPage(model));
  for (const [name, cmds] of groups(model)) pages.set(`${model.bin}-${name}.1`, groupPage(model, name, cmds));
  pages.set('omnisep.conf.5', confPage(model));
  return pages;
}

// ---------------------------------------------------------------------------
// README command list

export const README_START = '<!-- commands -->';
export const README_END = '<!-- /commands -->';

/** Markdown list of every command with its summary and first example. */
export function renderReadmeCommands(model: CliModel): string {
  const lines: string[] = [''];
  lines.push('| command | what it does |', '|---|---|');
  for (const c of model.commands) {
    const args = Object.values(c.args ?? {}).map((a) => (a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`));
    lines.push(`| \`${[model.bin, displayId(c.id), ...args].join(' ')}\` | ${(c.summary ?? '').replace(/\|/g, '\\|')} |`);
  }
  lines.push('', `Every command takes \`--help\` (examples included), \`--json\` and \`--socket\`; \`man ./man/${model.bin}.1\` has the full reference.`, '');
  return lines.join('\n');
}

/** The README with its command list regenerated; undefined when it has no markers. */
export function updateReadme(readme: string, model: CliModel): string | undefined {
  const a = readme.indexOf(README_START);
  if (a < 0) return undefined;
  let b = readme.indexOf(README_END, a);
  let endLen = README_END.length;
  if (b < 0) {
    // A pair written as two start markers: the second one ends the list (and becomes a proper end marker).
    b = readme.indexOf(README_START, a + README_START.length);
    endLen = README_START.length;
    if (b < 0) return undefined;
  }
  return readme.slice(0, a + README_START.length) + renderReadmeCommands(model) + README_END + readme.slice(b + endLen);
}

// ---------------------------------------------------------------------------

/** Files that differ from what the generator makes now (name → expected). Missing files count; stale extra pages too. */
export function staleFiles(model: CliModel): Map<string, string | null> {
  const stale = new Map<string, string | null>();
  const pages = generateManPages(model);
  for (const [name, content] of pages) {
    const p = repoPath('man', name);
    if (!existsSync(p) || readFileSync(p, 'utf8') !== content) stale.set(`man/${name}`, content);
  }
  for (const f of readdirSync(repoPath('man'))) if (/\.[1-8]$/.test(f) && !pages.has(f)) stale.set(`man/${f}`, null);
  const readmePath = repoPath('README.md');
  if (existsSync(readmePath)) {
    const cur = readFileSync(readmePath, 'utf8');
    const next = updateReadme(cur, model);
    if (next !== undefined && next !== cur) stale.set('README.md', next);
  }
  return stale;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const model = await loadCliModel();
  const stale = staleFiles(model);
  if (check) {
    if (stale.size) {
      console.error(`stale (run: node --import tsx man/generate.ts):\n  ${[...stale.keys()].join('\n  ')}`);
      process.exit(1);
    }
    console.log('man pages and README command list are up to date');
    return;
  }
  const { unlinkSync } = await import('node:fs');
  for (const [rel, content] of stale) {
    if (content === null) unlinkSync(repoPath(rel));
    else writeFileSync(repoPath(rel), content);
    console.log(`${content === null ? 'removed' : 'wrote'} ${rel}`);
  }
  if (!stale.size) console.log('nothing to do');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
export const generatorPath = fileURLToPath(import.meta.url);
