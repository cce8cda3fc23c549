import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAdminTls } from './self-signed.js';
import { generateCert } from './generate-cert.js';

test('admin TLS: generated on first start (in a child process), kept 0600, reused on the next', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-tls-'));
  try {
    const first = await ensureAdminTls({ dataDir: dir, hostnames: ['sep.example.net'] });
    assert.equal(first.generated, true);
    const x = new X509Certificate(first.cert);
    assert.match(x.subject, /CN=localhost/);
    assert.match(x.subjectAltName ?? '', /DNS:localhost, DNS:sep\.example\.net, IP Address:127\.0\.0\.1/);
    assert.equal(x.checkPrivateKey(createPrivateKey(first.key)), true, 'the key is the certificate\'s');
    assert.ok(Date.parse(x.validTo) - Date.now() > 800 * 86400_000, x.validTo);
    assert.equal(statSync(first.keyFile).mode & 0o777, 0o600);
    const second = await ensureAdminTls({ dataDir: dir });
    assert.equal(second.generated, false);
    assert.equal(second.cert, first.cert);
    assert.equal(second.key, first.key);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('admin TLS: the in-process generator (the fallback) makes the same kind of certificate', async () => {
  const p = await generateCert({ names: ['localhost'], nowMs: Date.UTC(2026, 0, 1) });
  const x = new X509Certificate(p.cert);
  assert.equal(new Date(x.validFrom).toISOString(), '2025-12-31T23:59:00.000Z');
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(x.checkPrivateKey(createPrivateKey(p.private)), true);
});
