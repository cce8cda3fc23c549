/** The plain start banner `omnisep serve` prints on stderr: where each service listens, and what to try. */
import { basename, isAbsolute, relative } from 'node:path';
import type { DaemonContext } from './context.js';

/**
 * How the person who started this daemon runs the CLI, so the banner's `try:` lines work as pasted:
 * `omnisep` when started through the installed bin link, else `node <script>` — relative to the
 * working directory when the script is under it (`node bin/run.js` from a checkout), absolute otherwise.
 */
export function cliInvocation(script = process.argv[1] ?? '', cwd = process.cwd()): string {
  const name = basename(script);
  if (name === 'omnisep') return 'omnisep';
  const rel = relative(cwd, script);
  const path = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script;
  return name === 'dev.js' ? `node --import tsx ${path}` : `node ${path}`;
}

const LABELS: Record<string, string> = {
  http: 'TS.43 + XCAP (public)',
  admin: 'admin API',
  socket: 'control socket',
  diameter: 'Diameter node',
  diameter_tls: 'Diameter node (TLS)',
  aaa: 'built-in AAA',
  imap: 'VVM IMAP (STARTTLS)',
  imaps: 'VVM IMAP (TLS)',
};

export function formatBanner(ctx: DaemonContext, opts: { color?: boolean; cli?: string } = {}): string {
  const cli = opts.cli ?? cliInvocation();
  const b = (s: string) => (opts.color ? `\u001b[1m${s}\u001b[22m` : s);
  const lines = [`${b(`omnisep ${ctx.version}`)} is running (pid ${process.pid}, ${ctx.config.server.environment}, data ${ctx.config.storage.driver === 'memory' ? 'in memory' : ctx.dataDir})`];
  const order = Object.keys(LABELS);
  const names = Object.keys(ctx.listeners).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  for (const name of names) {
    const l = ctx.listeners[name]!;
    let note = '';
    if (name === 'http') note = `  health: ${l.url}/health`;
    if (name === 'admin') note = l.protocol === 'https' ? '  (TLS, Authorization: Bearer <admin.api_keys>)' : '  (plain HTTP, Authorization: Bearer <admin.api_keys>)';
    if (name === 'socket') note = `  try: ${cli} status --socket ${l.path}`;
    lines.push(`  ${(LABELS[name] ?? name).padEnd(24)}${l.url}${note}`);
  }
  for (const extra of ctx.bannerLines) lines.push(`  ${extra}`);
  lines.push('  stop: Ctrl-C or SIGTERM · reload: SIGHUP');
  return `${lines.join('\n')}\n`;
}
