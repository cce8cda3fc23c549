/**
 * XCAP throughput, side by side in one run: GET document, GET element and
 * conditional PUT element (If-Match) through a real daemon (startDaemon,
 * lowdb store in a temp dir, asserted identity from 127.0.0.1), against a
 * bare fastify route answering the same bytes. Ratios are per case against
 * the bare route of the same shape.
 *
 *   node --import tsx bench/xcap.bench.ts [seconds-per-case] [connections]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { resolveConfig } from '../src/contracts/config.js';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';

const SECONDS = Number(process.argv[2] ?? 3);
const CONNECTIONS = Number(process.argv[3] ?? 16);
const MSISDN = '15551234567';
const DOC = `/simservs.ngn.etsi.org/users/tel:+${MSISDN}/simservs.xml`;
const ELEMENT = `${DOC}/~~/simservs/communication-diversion/NoReplyTimer`;
const HEADERS = { 'x-3gpp-asserted-identity': `<tel:+${MSISDN}>` };

interface Case { name: string; perSecond: number; errors: number }

/** `parallel` loops issuing requests back to back for SECONDS; counts 2xx/304. */
async function run(name: string, parallel: number, once: (i: number) => Promise<boolean>): Promise<Case> {
  const end = Date.now() + SECONDS * 1000;
  let ok = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: parallel }, async (_, w) => {
    let i = w;
    while (Date.now() < end) {
      if (await once(i)) ok++;
      else errors++;
      i += parallel;
    }
  }));
  return { name, perSecond: ok / SECONDS, errors };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-xcap-bench-'));
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const config = resolveConfig({
    sets: [
      `storage.data_dir=${dir}`, `control.socket=${join(dir, 'ctl.sock')}`, 'http.port=0', 'admin.port=0', 'admin.tls=false',
      'diameter.enabled=false', 'aaa.enabled=false', 'xcap.trusted_proxies=["127.0.0.1"]', 'log.level=warn',
    ],
  });
  const daemon = await startDaemon(config, { logger: createLogger({ level: 'warn', pretty: false, destination: quiet }), env: {} });
  const xcapService = daemon.ctx.services.xcap as { patch(m: string, p: object): Promise<unknown> };
  await xcapService.patch(MSISDN, { call_forwarding: { cfb: { target: 'tel:+15557654321' } } });

  const pool = new Pool(daemon.addresses.http.url!, { connections: CONNECTIONS, pipelining: 1 });
  const docRes = await pool.request({ path: DOC, method: 'GET', headers: HEADERS });
  const docBody = await docRes.body.text();
  const elRes = await pool.request({ path: ELEMENT, method: 'GET', headers: HEADERS });
  const elBody = await elRes.body.text();

  // The bare route: same bytes, same content types, an ETag, nothing else.
  const bare = Fastify({ logger: false });
  bare.removeAllContentTypeParsers();
  bare.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  let bareEtag = 0;
  bare.get('/doc', async (_q, r) => r.header('etag', '"0000000000000000"').type('application/simservs+xml').send(docBody));
  bare.get('/el', async (_q, r) => r.header('etag', '"0000000000000000"').type('application/xcap-el+xml').send(elBody));
  bare.put('/el', async (q, r) => {
    if (q.headers['if-match'] !== `"${bareEtag}"`) return r.code(412).send();
    bareEtag++;
    return r.header('etag', `"${bareEtag}"`).send();
  });
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const barePool = new Pool(`http://127.0.0.1:${(bare.server.address() as { port: number }).port}`, { connections: CONNECTIONS });

  const get = (p: Pool, path: string) => async () => {
    const r = await p.request({ path, method: 'GET', headers: HEADERS });
    await r.body.dump();
    return r.statusCode === 200;
  };
  // Conditional PUT: each writer chain keeps its own ETag (one chain = a phone editing; 412 counts as error).
  const putChain = (p: Pool, path: string, initial: string, body: (i: number) => string) => {
    let etag = initial;
    return async (i: number) => {
      const r = await p.request({ path, method: 'PUT', headers: { ...HEADERS, 'content-type': 'application/xcap-el+xml', 'if-match': etag }, body: body(i) });
      await r.body.dump();
      if (typeof r.headers.etag === 'string') etag = r.headers.etag;
      return r.statusCode === 200;
    };
  };
  const nrt = (i: number) => `<NoReplyTimer>${5 + (i % 170)}</NoReplyTimer>`;

  // Warm-up (JIT, connection pools) so the first case is not penalised.
  await Promise.all([run('warm', 4, get(barePool, '/doc')), run('warm', 4, get(pool, DOC)), run('warm', 4, get(pool, ELEMENT))]);
  const cases: Array<[Case, Case]> = [];
  cases.push([await run('bare GET (document bytes)', CONNECTIONS, get(barePool, '/doc')), await run('XCAP GET document', CONNECTIONS, get(pool, DOC))]);
  cases.push([await run('bare GET (element bytes)', CONNECTIONS, get(barePool, '/el')), await run('XCAP GET element', CONNECTIONS, get(pool, ELEMENT))]);
  const etagNow = (await (async () => { const r = await pool.request({ path: DOC, method: 'GET', headers: HEADERS }); await r.body.dump(); return r.headers.etag as string; })());
  cases.push([
    await run('bare conditional PUT', 1, putChain(barePool, '/el', '"0"', nrt)),
    await run('XCAP conditional PUT element (If-Match, durable)', 1, putChain(pool, ELEMENT, etagNow, nrt)),
  ]);

  console.log(`XCAP bench: ${SECONDS} s per case, ${CONNECTIONS} connections for GETs, 1 writer chain for PUTs, lowdb store in ${dir}`);
  console.log('| case | per second | errors | vs bare |');
  console.log('|---|---:|---:|---:|');
  for (const [b, x] of cases) {
    console.log(`| ${b.name} | ${Math.round(b.perSecond).toLocaleString('en')} | ${b.errors} | 1.000× |`);
    console.log(`| ${x.name} | ${Math.round(x.perSecond).toLocaleString('en')} | ${x.errors} | ${(x.perSecond / b.perSecond).toFixed(3)}× |`);
  }
  await pool.close();
  await barePool.close();
  await bare.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
