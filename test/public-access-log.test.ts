/**
 * The phones' listener writes no per-request info lines (docs/architecture.md § Logging): every TS.43/XCAP
 * request is in the activity log, and the access log (`request completed`, with request_id, method, scrubbed
 * URL and status) appears at `log.level=debug`. The control socket keeps its per-request lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { startTestDaemon } from './daemon-helpers.js';
import { createLogger } from '../daemon/logging.js';

async function daemonAt(level: 'info' | 'debug') {
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  const d = await startTestDaemon([], { logger: createLogger({ level, pretty: false, destination: sink }) });
  return { d, lines: () => logs.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const secretQuery = '/?IMSI=001010000000001&token=AAECAwQFBgcICQoLDA0ODw-_AAECAwQFBgcICQoLDA0&terminal_id=1&entitlement_version=2.0&app=ap2004';

test('at info: no line per public request; the control socket still logs its requests', async () => {
  const { d, lines } = await daemonAt('info');
  try {
    for (const path of ['/health', secretQuery]) await (await request(`${d.addresses.http.url}${path}`)).body.dump();
    await d.call('GET', '/api/status');
    await new Promise((r) => setTimeout(r, 200));
    const perRequest = lines().filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
    assert.ok(perRequest.length > 0, 'control socket requests are logged');
    assert.deepEqual(perRequest.filter((l) => l.listener === 'http'), []);
  } finally {
    await d.stop();
  }
});

test('at debug: one access line per public request, with request_id and status, token scrubbed', async () => {
  const { d, lines } = await daemonAt('debug');
  try {
    await (await request(`${d.addresses.http.url}${secretQuery}`)).body.dump();
    await (await request(`${d.addresses.http.url}/health`)).body.dump();
    await new Promise((r) => setTimeout(r, 200));
    const access = lines().filter((l) => l.listener === 'http' && l.msg === 'request completed');
    assert.equal(access.length, 2, JSON.stringify(access));
    for (const l of access) {
      assert.equal(typeof l.request_id, 'string');
      assert.equal(typeof (l.res as { status: number }).status, 'number');
    }
    const q = access.find((l) => String((l.req as { url: string }).url).startsWith('/?'))!;
    assert.ok(q, 'the query line');
    assert.ok(!JSON.stringify(q).includes('AAECAwQFBgcICQoLDA0ODw'), 'the token value is not logged');
  } finally {
    await d.stop();
  }
});
