/**
 * A bare fastify server in its own process, for bench/wrk.bench.ts: bench/bare-routes.ts with the bytes the daemon
 * answered (read as JSON from stdin: `{ "xml": …, "json": …, "xcap": … }`). It prints its port on stdout once it
 * listens. The same fastify as the daemon's (this checkout's node_modules).
 */
import Fastify from 'fastify';
import { registerBareRoutes } from './bare-routes.js';

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const bodies = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { xml: string; json: string; xcap: string };

const app = Fastify({ logger: false });
registerBareRoutes(app, bodies);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
