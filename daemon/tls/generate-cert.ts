/**
 * The self-signed admin certificate, generated in a child process (`node generate-cert.js '<json>'`, the PEMs as
 * JSON on stdout): the x509/ASN.1 tooling behind `selfsigned` (≈ 270 modules) never loads into the daemon, whose
 * idle memory would otherwise keep it for good after a first start (docs/performance.md § Fifth round).
 * daemon/tls/self-signed.ts runs it and falls back to generating in-process if the child cannot run.
 */
import { pathToFileURL } from 'node:url';

export interface CertRequest {
  /** DNS names; the first is the common name. */
  names: string[];
  /** The clock's now (ms): valid from a minute before, for 825 days (the CA/Browser Forum's old ceiling). */
  nowMs: number;
}

export interface CertPems {
  cert: string;
  private: string;
}

export async function generateCert(req: CertRequest): Promise<CertPems> {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: req.names[0]! }, { name: 'organizationName', value: 'omnisep (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(req.nowMs - 60_000),
    notAfterDate: new Date(req.nowMs + 825 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...req.names.map((n) => ({ type: 2 as const, value: n })), { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { cert: pems.cert, private: pems.private };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const req = JSON.parse(process.argv[2] ?? '') as CertRequest;
  process.stdout.write(JSON.stringify(await generateCert(req)));
}
