/**
 * HTTPS on the public listener (`http.tls_cert` + `http.tls_key`): a raw TLS client and
 * `curl --cacert` get /health over TLS; SIGHUP swaps in a renewed certificate without a restart;
 * a key that does not match its certificate is refused on reload and the old one stays in use;
 * a cert without its key is a refused configuration (exit 78). A port already taken names its
 * listener and config key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { request } from 'undici';
import { generate } from 'selfsigned';
import { spawnServe, waitReady, serveArgs } from './daemon-process.js';

async function makePair(cn: string): Promise<{ cert: string; key: string }> {
  const now = Date.now();
  const p = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000), notAfterDate: new Date(now + 86400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  return { cert: p.cert, key: p.private };
}

/** One GET over a raw TLS socket; returns the status line and the certificate the server showed. */
function rawGet(port: number, ca: string): Promise<{ statusLine: string; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      s.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (c) => { data += c; });
    s.on('error', reject);
    s.on('end', () => resolve({ statusLine: data.split('\r\n')[0]!, cert: s.getPeerCertificate() }));
  });
}

const fp = (cert: PeerCertificate) => cert.fingerprint256;
const pemFp = (pem: string) => createHash('sha256').update(pem).digest('hex');

async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('public listener over TLS: raw TLS and curl --cacert, reload on SIGHUP, a bad pair keeps the old certificate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-ptls-'));
  const socket = join(dir, 'omnisep.sock');
  const certFile = join(dir, 'public-cert.pem');
  const keyFile = join(dir, 'public-key.pem');
  const first = await makePair('first.omnisep.test');
  writeFileSync(certFile, first.cert);
  writeFileSync(keyFile, first.key, { mode: 0o600 });
  const p = spawnServe(dir, socket, ['--set', `http.tls_cert=${certFile}`, '--set', `http.tls_key=${keyFile}`], { quiet: false });
  try {
    const agent = await waitReady(p, socket);
    const status = (await (await request('http://localhost/api/status', { dispatcher: agent })).body.json()) as { listeners: { http: { url: string; port: number; protocol: string } } };
    assert.equal(status.listeners.http.protocol, 'https');
    assert.match(status.listeners.http.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const port = status.listeners.http.port;
    assert.match(p.stderr.join(''), /TS\.43 \+ XCAP \(public\)\s+https:\/\/127\.0\.0\.1:\d+/);

    const a = await rawGet(port, first.cert);
    assert.equal(a.statusLine, 'HTTP/1.1 200 OK');
    assert.equal(a.cert.subject.CN, 'first.omnisep.test');

    const curl = spawnSync('curl', ['-sS', '--cacert', certFile, '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/health`], { encoding: 'utf8' });
    assert.equal(curl.status, 0, curl.stderr);
    assert.equal((JSON.parse(curl.stdout) as { status: string }).status, 'ok');
    // Plain HTTP on the TLS port is not served.
    const plain = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/health`], { encoding: 'utf8' });
    assert.notEqual(plain.stdout, '200');

    // A renewed certificate: SIGHUP swaps it in, no restart (same pid, same port).
    const second = await makePair('second.omnisep.test');
    writeFileSync(certFile, second.cert);
    writeFileSync(keyFile, second.key);
    const logBefore = p.stdout.join('').length;
    p.child.kill('SIGHUP');
    await waitFor(() => /reloaded: .*http\.tls_cert \(certificate/.test(p.stdout.join('').slice(logBefore)), 'the reload log line');
    const b = await rawGet(port, second.cert);
    assert.equal(b.cert.subject.CN, 'second.omnisep.test');
    assert.notEqual(fp(b.cert), fp(a.cert));
    assert.match(p.stdout.join('').slice(logBefore), new RegExp(pemFp(second.cert).slice(0, 16)));

    // A key that does not match the certificate: reload refused, the second certificate stays.
    const third = await makePair('third.omnisep.test');
    writeFileSync(certFile, third.cert);
    const mark = p.stdout.join('').length;
    p.child.kill('SIGHUP');
    await waitFor(() => /reload refused/.test(p.stdout.join('').slice(mark)), 'the refused reload');
    const c = await rawGet(port, second.cert);
    assert.equal(c.cert.subject.CN, 'second.omnisep.test');
    assert.equal(c.statusLine, 'HTTP/1.1 200 OK');
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
});

test('http.tls_cert without http.tls_key is refused (exit 78), naming both keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-ptls-'));
  const r = spawnSync(process.execPath, serveArgs(['--data-dir', dir, '--socket', join(dir, 's.sock'), '--set', `http.tls_cert=${join(dir, 'c.pem')}`, '--no-pretty']), { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '' } });
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /http\.tls_cert and http\.tls_key go together/);
});

test('a port already in use names the listener and its config key', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const port = (holder.address() as { port: number }).port;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'omnisep-inuse-'));
    for (const [flag, name, key] of [['--http-port', 'the public HTTP listener', 'http.port'], ['--aaa-port', 'the built-in AAA', 'aaa.listen_port']] as const) {
      const ports = ['--http-port', '--api-port', '--diameter-port', '--aaa-port'].flatMap((f) => [f, f === flag ? String(port) : '0']);
      const r = spawnSync(process.execPath, serveArgs(['--data-dir', dir, '--socket', join(dir, 's.sock'), ...ports, '--no-tls', '--no-pretty', '--log-level', 'warn']), { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '' } });
      assert.equal(r.status, 69, r.stderr);
      assert.ok(r.stderr.includes(`${name}`), r.stderr);
      assert.ok(r.stderr.includes(`127.0.0.1:${port}`), r.stderr);
      assert.ok(r.stderr.includes('already in use'), r.stderr);
      assert.ok(r.stderr.includes(`change ${key}, or ${flag}`), r.stderr);
    }
  } finally {
    holder.close();
  }
});
