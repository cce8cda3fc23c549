import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { createDispatcher, describeTransportError, sendRequest } from './http.js';

test('sendRequest: status, repeated Set-Cookie lines, gzip body in several chunks, the POST body, the path and query as sent', async () => {
  const seen: Array<{ method?: string; url?: string; body: string; cookie?: string | string[] }> = [];
  const big = JSON.stringify({ text: 'x'.repeat(100_000) });
  const srv = createServer((q, s) => {
    let body = '';
    q.on('data', (c: Buffer) => (body += c.toString()));
    q.on('end', () => {
      seen.push({ method: q.method, url: q.url, body, cookie: q.headers.cookie });
      if (q.url === '/busy') { s.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' }); s.end('busy'); return; }
      s.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      s.setHeader('content-type', 'application/json');
      s.setHeader('content-encoding', 'gzip');
      const z = gzipSync(big);
      s.write(z.subarray(0, 10));
      setTimeout(() => s.end(z.subarray(10)), 5);
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const dispatcher = createDispatcher({ connections: 2 });
  try {
    const a = await sendRequest({ purpose: 'eap_response', method: 'POST', url: `${base}/x?IMSI=1&y=%20`, headers: [['cookie', 'c=1'], ['cookie', 'd=2'], ['content-type', 'application/json']], body: '{"k":1}' }, { dispatcher });
    assert.equal(a.status, 200);
    assert.deepEqual(a.setCookie, ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(a.contentType, 'application/json');
    assert.equal(a.gzip, true);
    assert.equal(a.body, big);
    assert.ok(a.wireBytes > 10 && a.wireBytes < big.length);
    assert.deepEqual(seen[0], { method: 'POST', url: '/x?IMSI=1&y=%20', body: '{"k":1}', cookie: 'c=1; d=2' });
    const b = await sendRequest({ purpose: 'eap_start', method: 'GET', url: `${base}/busy`, headers: [] }, { dispatcher });
    assert.deepEqual([b.status, b.body, b.headers['retry-after'], b.setCookie, b.gzip], [503, 'busy', '7', undefined, false]);
  } finally {
    await dispatcher.close();
    srv.close();
  }
  // Nothing listens there any more: the transport error is said as what it is.
  await assert.rejects(sendRequest({ purpose: 'eap_start', method: 'GET', url: `${base}/`, headers: [] }), (e: unknown) => describeTransportError(e).startsWith('connection refused'));
});
