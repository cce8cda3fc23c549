/**
 * The admin API's TLS listener has the public listener's protections (docs/security.md § Limits): connection
 * caps per client address and in total, closed at accept and counted; a client that never finishes its TLS
 * handshake or its request head is disconnected after admin.header_timeout_ms. Defaults are the stated ones.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { request, Agent } from 'undici';
import { openRaw } from './raw-socket.js';
import { startTestDaemon, TEST_API_KEY, type TestDaemon } from './daemon-helpers.js';
import { DEFAULT_ADMIN_LIMITS } from '../daemon/http/security.js';
import { resolveConfig } from '../src/contracts/config.js';

let d: TestDaemon;
let admin: { host: string; port: number };

before(async () => {
  d = await startTestDaemon(['admin.tls=true', 'admin.header_timeout_ms=1000', 'admin.max_connections_per_ip=3', 'admin.max_connections=50']);
  admin = { host: d.addresses.admin.host!, port: d.addresses.admin.port! };
});
after(async () => {
  await d?.stop();
});

const metric = async (labels: string): Promise<number> => {
  const text = (await d.call('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith('omnisep_http_connections_refused_total{') && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
};

const open = () => openRaw(admin);

const within = (p: Promise<number>, ms: number) => Promise.race([p, new Promise<number>((r) => setTimeout(() => r(-1), ms))]);

test('the admin listener limits default to the stated values (DEFAULT_ADMIN_LIMITS, docs/security.md)', () => {
  const c = resolveConfig({}).admin;
  for (const [k, v] of Object.entries(DEFAULT_ADMIN_LIMITS)) assert.equal(c[k as keyof typeof c], v, k);
  assert.deepEqual(DEFAULT_ADMIN_LIMITS, { header_timeout_ms: 10_000, request_timeout_ms: 600_000, keep_alive_timeout_ms: 5_000, max_connections: 256, max_connections_per_ip: 64 });
});

test('admin TLS: a connection that never sends its ClientHello is closed after admin.header_timeout_ms', async () => {
  const c = await open();
  const ms = await within(c.closed, 20_000);
  c.socket.destroy();
  assert.ok(ms > 0, 'the idle pre-handshake connection is closed');
  assert.ok(ms >= 900, `closed after ${ms} ms, not before the timeout`);
});

test('admin TLS: a client trickling its request head after the handshake is disconnected', async () => {
  const socket = tlsConnect({ host: admin.host, port: admin.port, rejectUnauthorized: false });
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('secureConnect', () => r()));
  const t0 = Date.now();
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - t0)));
  socket.write('GET /api/status HTTP/1.1\r\nHost: x\r\n');
  const trickle = setInterval(() => { if (!socket.destroyed) socket.write('X-a: b\r\n'); }, 200);
  const ms = await within(closed, 20_000);
  clearInterval(trickle);
  socket.destroy();
  assert.ok(ms > 0 && ms < 15_000, `slowloris over TLS closed after ${ms} ms`);
});

test('admin TLS: connections over admin.max_connections_per_ip are closed at accept and counted; the API still answers', async () => {
  const before = await metric('listener="admin",reason="per_ip"');
  const held = [await open(), await open(), await open()];
  const extra = await open();
  const ms = await within(extra.closed, 5_000);
  assert.ok(ms >= 0, 'the fourth connection from one address is closed');
  assert.equal(await metric('listener="admin",reason="per_ip"'), before + 1);
  for (const h of held) h.socket.destroy();
  await Promise.all(held.map((h) => h.closed));
  // Freed slots are usable again, through TLS with the bearer key.
  // The server sees the closes a moment after the client: retry briefly.
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    try {
      const r = await request(`${d.addresses.admin.url}/api/status`, { dispatcher: agent, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
      status = r.statusCode;
      await r.body.dump();
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await agent.close();
  assert.equal(status, 200, 'the API answers once the held connections are gone');
});
