/**
 * A bare fastify server in its own process, for bench/wrk.bench.ts: the routes answer the bytes the daemon answered
 * (read as JSON from stdin: `{ "xml": …, "json": …, "xcap": … }`), with the daemon's content types, and nothing else.
 * It prints its port on stdout once it listens. The same fastify as the daemon's (this checkout's node_modules).
 */
import Fastify from 'fastify';

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const bodies = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { xml: string; json: string; xcap: string };

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
let etag = 0;
app.get('/xml', async (_q, r) => r.type('text/vnd.wap.connectivity-xml; charset=utf-8').header('cache-control', 'no-store').send(bodies.xml));
app.get('/json', async (_q, r) => r.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(bodies.json));
app.get('/xcap', async (_q, r) => r.header('etag', '"0000000000000000"').type('application/simservs+xml').send(bodies.xcap));
// A conditional PUT as the daemon's: 412 unless If-Match names the current ETag, then a new one.
app.put('/xcap', async (q, r) => {
  if (q.headers['if-match'] !== `"${etag}"` && q.headers['if-match'] !== '*') return r.code(412).send();
  etag++;
  return r.header('etag', `"${etag}"`).send();
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
