/**
 * The admin API's TLS material: the configured files, or a self-signed
 * certificate generated on first start under `<data_dir>/tls/` (key 0600)
 * and reused afterwards, so `curl --cacert data/tls/admin-cert.pem` keeps working.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from '../store/atomic-file.js';

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
  const now = new Date();
  // Loaded only to generate (≈ 270 modules of x509/ASN.1 tooling): a daemon with its certificate, or without TLS, never loads it.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: names[0]! }, { name: 'organizationName', value: 'omnisep (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 825 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((n) => ({ type: 2 as const, value: n })), { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  await writeFileDurable(keyFile, pems.private, 0o600);
  await writeFileDurable(certFile, pems.cert, 0o644);
  return { cert: pems.cert, key: pems.private, certFile, keyFile, generated: true };
}
