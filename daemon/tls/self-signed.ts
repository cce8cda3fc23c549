/**
 * The admin API's TLS material: the configured files, or a self-signed
 * certificate generated on first start under `<data_dir>/tls/` (key 0600)
 * and reused afterwards, so `curl --cacert data/tls/admin-cert.pem` keeps working.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeFileDurable } from '../store/atomic-file.js';
import { generateCert, type CertPems, type CertRequest } from './generate-cert.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  generated: boolean;
}

export async function ensureAdminTls(opts: { dataDir: string; certFile?: string; keyFile?: string; hostnames?: string[] }): Promise<TlsMaterial> {
  if (opts.certFile || opts.keyFile) {
    if (!opts.certFile || !opts.keyFile) throw new Error('admin.tls_cert and admin.tls_key go together: set both, or neither to use the generated certificate');
    return { cert: readFileSync(opts.certFile, 'utf8'), key: readFileSync(opts.keyFile, 'utf8'), certFile: opts.certFile, keyFile: opts.keyFile, generated: false };
  }
  const dir = join(opts.dataDir, 'tls');
  const certFile = join(dir, 'admin-cert.pem');
  const keyFile = join(dir, 'admin-key.pem');
  if (existsSync(certFile) && existsSync(keyFile))
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile, generated: false };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const names = [...new Set(['localhost', ...(opts.hostnames ?? [])])];
  const pems = await generateOutOfProcess({ names, nowMs: Date.now() });
  await writeFileDurable(keyFile, pems.private, 0o600);
  await writeFileDurable(certFile, pems.cert, 0o644);
  return { cert: pems.cert, key: pems.private, certFile, keyFile, generated: true };
}

/**
 * ./generate-cert in a child node (the daemon keeps none of its modules); in-process when the child cannot run
 * (e.g. a source checkout run through a loader the child would not have). The key comes back over the pipe.
 */
async function generateOutOfProcess(req: CertRequest): Promise<CertPems> {
  const script = fileURLToPath(new URL(`./generate-cert${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const out = await new Promise<string | null>((resolve) => {
    execFile(process.execPath, [...args, JSON.stringify(req)], { timeout: 60_000, maxBuffer: 1 << 20, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout) => resolve(err ? null : stdout));
  });
  if (out !== null) {
    try {
      const p = JSON.parse(out) as Partial<CertPems>;
      if (typeof p.cert === 'string' && typeof p.private === 'string' && p.cert.includes('BEGIN CERTIFICATE')) return { cert: p.cert, private: p.private };
    } catch { /* fall through */ }
  }
  return generateCert(req);
}
