/**
 * The bare fastify routes issue 14's benchmarks compare the daemon with: the same bytes and content types as the
 * daemon's answers, nothing else. ts43.bench registers them in its own thread, bare-server.ts in a process of its own
 * (wrk.bench).
 */
import type { FastifyInstance } from 'fastify';

export function registerBareRoutes(app: FastifyInstance, bodies: { xml: string; json: string; xcap: string }): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  let etag = 0;
  app.get('/xml', async (_q, r) => r.type('text/vnd.wap.connectivity-xml; charset=utf-8').header('cache-control', 'no-store').send(bodies.xml));
  app.get('/json', async (_q, r) => r.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(bodies.json));
  app.get('/xcap', async (_q, r) => r.header('etag', '"0000000000000000"').type('application/simservs+xml').send(bodies.xcap));
  // A conditional PUT as the daemon's: 412 unless If-Match names the current ETag (or is "*"), then a new one.
  app.put('/xcap', async (q, r) => {
    if (q.headers['if-match'] !== `"${etag}"` && q.headers['if-match'] !== '*') return r.code(412).send();
    etag++;
    return r.header('etag', `"${etag}"`).send();
  });
}
