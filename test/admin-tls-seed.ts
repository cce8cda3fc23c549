/**
 * One self-signed admin certificate per test run, copied into a test daemon's data directory before it starts.
 *
 * A daemon with `admin.tls` on and no certificate configured generates one on its first start
 * (daemon/tls/self-signed.ts: a child node loading the x509 tooling, ≈ 0.35 s of CPU, more on a busy machine) and
 * reuses `<data_dir>/tls/admin-*.pem` on every start after. The suite starts about a hundred such daemons, each on a
 * fresh data directory: with this seed each finds the run's certificate already there, as a restarted daemon does.
 * The generation itself stays tested: daemon/tls/self-signed.test.ts, and every daemon with admin TLS that the tests
 * start without these helpers (`omnisep serve` children among them: 23 generations a run).
 *
 * The run's copy lives in TMPDIR (test/run.mjs makes one per run), under a name that holds the FQDN the daemon
 * would have put in the certificate; test files run in parallel, so it is made in a directory of its own and
 * renamed into place, and a file that loses the race uses the winner's.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OmnisepConfig } from '../src/contracts/config.js';
import { resolvePaths } from '../daemon/config/index.js';
import { ensureAdminTls } from '../daemon/tls/self-signed.js';

const FILES = [['admin-key.pem', 0o600], ['admin-cert.pem', 0o644]] as const;

export async function seedAdminTls(config: OmnisepConfig, env: Record<string, string | undefined> = {}): Promise<void> {
  if (!config.admin.tls || config.admin.tls_cert || config.admin.tls_key) return;
  const dest = join(resolvePaths(config, env).dataDir, 'tls');
  if (existsSync(join(dest, 'admin-cert.pem'))) return;
  // daemon/main.ts asks for the server's FQDN (ensureAdminTls adds localhost): the copy is kept per FQDN.
  const fqdn = config.server.fqdn;
  const cache = join(tmpdir(), `omnisep-test-admin-tls-${createHash('sha256').update(fqdn).digest('hex').slice(0, 12)}`);
  if (!existsSync(join(cache, 'admin-cert.pem'))) {
    const scratch = mkdtempSync(`${cache}.tmp-`);
    try {
      await ensureAdminTls({ dataDir: scratch, hostnames: [fqdn] });
      renameSync(join(scratch, 'tls'), cache);
    } catch (e) {
      if (!existsSync(join(cache, 'admin-cert.pem'))) throw e; // not a lost race
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  mkdirSync(dest, { recursive: true, mode: 0o700 });
  for (const [name, mode] of FILES) {
    copyFileSync(join(cache, name), join(dest, name));
    chmodSync(join(dest, name), mode);
  }
}
