import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildPath, ControlClient } from './control-client.js';
import { ApiError, DaemonUnreachableError } from './errors.js';
import { routes } from '../contracts/routes.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function serve(listen: (s: Server) => void, handler: (req: Seen, res: ServerResponse) => void): Promise<{ server: Server; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => {
    server.once('listening', () => resolve());
    listen(server);
  });
  return { server, seen };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-omnisep-version': '9.9.9' });
  res.end(JSON.stringify(body));
};

test('buildPath fills and encodes params, drops empty query values, booleans as 1/0', () => {
  assert.equal(buildPath('/api/entitlements/:imsi/:app_id', { imsi: '001010000000001', app_id: 'ap2004' }), '/api/entitlements/001010000000001/ap2004');
  assert.equal(buildPath('/api/activity/:id', { id: 'a/b c' }), '/api/activity/a%2Fb%20c');
  assert.equal(buildPath('/api/activity', {}, { imsi: '1', type: undefined, query: '', limit: 5, effective: true }), '/api/activity?imsi=1&limit=5&effective=1');
  assert.throws(() => buildPath('/api/sessions/:id', {}), /missing parameter id/);
});

test('over a Unix socket: typed call, JSON body, version header, API errors as ApiError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-cc-'));
  const sock = join(dir, 'd.sock');
  const { server, seen } = await serve(
    (s) => s.listen(sock),
    (req, res) => {
      if (req.method === 'POST') return json(res, 200, { status: 'ok', imsi: '001010000000001', app_id: 'ap2004', entitlement: JSON.parse(req.body).entitlement });
      if (req.url.startsWith('/api/sessions/')) return json(res, 404, { error: 'no such session', code: 'OMNISEP_ADMIN_NOT_FOUND' });
      return json(res, 500, { nope: true });
    },
  );
  const client = new ControlClient({ kind: 'socket', path: sock });
  try {
    const r = await client.call(routes.setEntitlement, { params: { imsi: '001010000000001' }, body: { app_id: 'ap2004', entitlement: { entitlement_status: 1 } } });
    assert.equal(r.app_id, 'ap2004');
    assert.deepEqual(r.entitlement, { entitlement_status: 1 });
    assert.equal(client.daemonVersion, '9.9.9');
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/api/entitlements/001010000000001');
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    assert.equal(seen[0]!.headers.authorization, undefined, 'no bearer token on the socket');

    await assert.rejects(client.call(routes.getSession, { params: { id: 'x' } }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 404);
      assert.equal(e.error, 'no such session');
      assert.equal(e.code, 'OMNISEP_ADMIN_NOT_FOUND');
      assert.equal(e.exitCode, 3, 'a 4xx is a refusal: exit 3');
      return true;
    });
    await assert.rejects(client.call(routes.status), (e: unknown) => e instanceof ApiError && e.status === 500 && e.error === 'HTTP 500' && e.exitCode === 1);
  } finally {
    await client.close();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no daemon: a missing socket and a dead socket file both give DaemonUnreachableError naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-cc-'));
  try {
    for (const path of [join(dir, 'missing.sock'), join(dir, 'stale.sock')]) {
      if (path.endsWith('stale.sock')) writeFileSync(path, '');
      const client = new ControlClient({ kind: 'socket', path });
      await assert.rejects(client.call(routes.status), (e: unknown) => {
        assert.ok(e instanceof DaemonUnreachableError, String(e));
        assert.equal(e.message, `no daemon at ${path} — start one with: omnisep serve`);
        assert.equal(e.exitCode, 69, 'EX_UNAVAILABLE');
        return true;
      });
      await client.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const KEY = 'k'.repeat(24);

test('over TCP: bearer token from --api-key, base path kept, NDJSON stream parsed line by line', async () => {
  const { server, seen } = await serve(
    (s) => s.listen(0, '127.0.0.1'),
    (req, res) => {
      if (req.url.startsWith('/base/api/events')) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"kind":"hello","at":"t","version":"1","started_at":"t"}\n{"kind":"rates",');
        setTimeout(() => res.end('"at":"t","requests_per_second":1,"errors_per_second":0,"eap_success":0,"eap_failure":0}\n'), 20);
        return;
      }
      if (req.headers.authorization !== `Bearer ${KEY}`) return json(res, 401, { error: 'missing bearer token' });
      return json(res, 200, { ok: 1 });
    },
  );
  const port = (server.address() as AddressInfo).port;
  const good = new ControlClient({ kind: 'url', url: `http://127.0.0.1:${port}/base/`, apiKey: KEY });
  const bad = new ControlClient({ kind: 'url', url: `http://127.0.0.1:${port}/base` });
  try {
    assert.deepEqual(await good.call(routes.status), { ok: 1 });
    assert.equal(seen[0]!.url, '/base/api/status');
    await assert.rejects(bad.call(routes.status), (e: unknown) => e instanceof ApiError && e.status === 401);
    const kinds: string[] = [];
    for await (const ev of good.stream(routes.events.path, { imsi: '001010000000001' })) kinds.push((ev as { kind: string }).kind);
    assert.deepEqual(kinds, ['hello', 'rates']);
    assert.match(seen.at(-1)!.url, /\/base\/api\/events\?imsi=001010000000001$/);
  } finally {
    await good.close();
    await bad.close();
    await new Promise((r) => server.close(r));
  }
});

test('NDJSON stream: a multi-byte character split across two chunks arrives whole', async () => {
  const line = Buffer.from('{"kind":"hello","at":"t","version":"Zürich ✓","started_at":"t"}\n', 'utf8');
  const cut = line.indexOf(Buffer.from('✓', 'utf8')) + 1; // inside the 3-byte sequence
  const { server } = await serve(
    (s) => s.listen(0, '127.0.0.1'),
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(line.subarray(0, cut));
      setTimeout(() => res.end(line.subarray(cut)), 20);
    },
  );
  const port = (server.address() as AddressInfo).port;
  const client = new ControlClient({ kind: 'url', url: `http://127.0.0.1:${port}/` });
  try {
    const versions: string[] = [];
    for await (const ev of client.stream(routes.events.path, {})) versions.push((ev as { version: string }).version);
    assert.deepEqual(versions, ['Zürich ✓']);
  } finally {
    await client.close();
    await new Promise((r) => server.close(r));
  }
});
