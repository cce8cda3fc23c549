/** The plain start banner `omnisep serve` prints on stderr: where each service listens, and what to try. */
import type { DaemonContext } from './context.js';

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

export function formatBanner(ctx: DaemonContext, opts: { color?: boolean } = {}): string {
  const b = (s: string) => (opts.color ? `\u001b[1m${s}\u001b[22m` : s);
  const lines = [`${b(`omnisep ${ctx.version}`)} is running (pid ${process.pid}, ${ctx.config.server.environment}, data ${ctx.config.storage.driver === 'memory' ? 'in memory' : ctx.dataDir})`];
  const order = Object.keys(LABELS);
  const names = Object.keys(ctx.listeners).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  for (const name of names) {
    const l = ctx.listeners[name]!;
    let note = '';
    if (name === 'http') note = `  health: ${l.url}/health`;
    if (name === 'admin') note = l.protocol === 'https' ? '  (TLS, Authorization: Bearer <admin.api_keys>)' : '  (plain HTTP, Authorization: Bearer <admin.api_keys>)';
    if (name === 'socket') note = `  try: omnisep status --socket ${l.path}`;
    lines.push(`  ${(LABELS[name] ?? name).padEnd(24)}${l.url}${note}`);
  }
  for (const extra of ctx.bannerLines) lines.push(`  ${extra}`);
  lines.push('  stop: Ctrl-C or SIGTERM · reload: SIGHUP');
  return `${lines.join('\n')}\n`;
}
