/**
 * XCAP throughput, side by side in one run: GET document, GET element and
 * conditional PUT element (If-Match) through a real daemon (startDaemon,
 * embedded store (the default) in a temp dir, asserted identity from 127.0.0.1), against a
 * bare fastify route answering the same bytes. Ratios are per case against
 * the bare route of the same shape. One more PUT case runs on a second daemon on the memory store, which users do
 * not run: its row and the header line say so (it shows the XCAP work without the durable commits).
 *
 * The daemon runs at the default log level (info; its lines go to a sink) and is warmed up first (profile.ts warmUp).
 *
 *   node --import tsx bench/xcap.bench.ts [seconds-per-case] [connections] [warm-up seconds, 12]
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
/** Seconds of warm-up over the daemons' cases before the first measured one. */
const WARMUP = Number(process.argv[4] ?? 12);
const MSISDN = '15551234567';
const DOC = `/simservs.ngn.etsi.org/users/tel:+${MSISDN}/simservs.xml`;
const ELEMENT = `${DOC}/~~/simservs/communication-diversion/NoReplyTimer`;
const HEADERS = { 'x-3gpp-asserted-identity': `<tel:+${MSISDN}>` };

interface Case { name: string; perSecond: number; errors: number }

/** `parallel` loops issuing requests back to back for `seconds`; counts 2xx/304. */
async function run(name: string, parallel: number, once: (i: number) => Promise<boolean>, seconds = SECONDS): Promise<Case> {
  const end = Date.now() + seconds * 1000;
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
  return { name, perSecond: ok / seconds, errors };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-xcap-bench-'));
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const start = async (sub: string, driver: 'embedded' | 'memory') => {
    const config = resolveConfig({
      sets: [
        `storage.data_dir=${join(dir, sub)}`, `storage.driver=${driver}`, `control.socket=${join(dir, `${sub}.sock`)}`, 'http.port=0', 'admin.port=0',
        'admin.tls=false', 'diameter.enabled=false', 'aaa.enabled=false', 'xcap.trusted_proxies=["127.0.0.1"]',
      ],
    });
    // The default log level, as `serve` runs it; the lines go to a sink that drops them.
    const dmn = await startDaemon(config, { logger: createLogger({ level: config.log.level, pretty: false, destination: quiet }), env: {} });
    const svc = dmn.ctx.services.xcap;
    await svc.patch(MSISDN, { call_forwarding: { cfb: { target: 'tel:+15557654321' } } });
    return dmn;
  };
  const daemon = await start('embedded', 'embedded');
  const memDaemon = await start('memory', 'memory');
  const memPool = new Pool(memDaemon.addresses.http.url!, { connections: 1 });

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

  // Warm-up (JIT, connection pools): a new daemon's first seconds run code V8 has not optimised yet (the one-writer
  // PUT ≈ 450/s, then ≈ 1,200/s: docs/performance.md § Seventh round), so each case is loaded in 1 s turns for
  // WARMUP seconds first; the bare routes are warm within a second.
  const etagOf = async (p: Pool) => { const r = await p.request({ path: DOC, method: 'GET', headers: HEADERS }); await r.body.dump(); return r.headers.etag as string; };
  const warmTurns: Array<() => Promise<Case>> = [
    () => run('warm', CONNECTIONS, get(pool, DOC), 1), () => run('warm', CONNECTIONS, get(pool, ELEMENT), 1),
    (() => { let chain: ((i: number) => Promise<boolean>) | null = null; return async () => run('warm', 1, (chain ??= putChain(pool, ELEMENT, await etagOf(pool), nrt)), 1); })(),
    (() => { let chain: ((i: number) => Promise<boolean>) | null = null; return async () => run('warm', 1, (chain ??= putChain(memPool, ELEMENT, await etagOf(memPool), nrt)), 1); })(),
  ];
  await run('warm', CONNECTIONS, get(barePool, '/doc'), 1);
  const warmEnd = Date.now() + WARMUP * 1000;
  for (let i = 0; Date.now() < warmEnd; i++) await warmTurns[i % warmTurns.length]!();
  /**
   * Bare and XCAP alternate in SLICES short runs each, so both see the same
   * machine load (the dev machines are shared); figures are the sums.
   */
  const SLICES = 6;
  async function pair(names: [string, string], parallel: number, a: (i: number) => Promise<boolean>, b: (i: number) => Promise<boolean>): Promise<[Case, Case]> {
    const out: [Case, Case] = [{ name: names[0], perSecond: 0, errors: 0 }, { name: names[1], perSecond: 0, errors: 0 }];
    for (let s = 0; s < SLICES; s++) {
      for (const [k, fn] of [[0, a], [1, b]] as const) {
        const r = await run(names[k], parallel, fn, SECONDS / SLICES);
        out[k].perSecond += r.perSecond / SLICES;
        out[k].errors += r.errors;
      }
    }
    return out;
  }
  const cases: Array<[Case, Case]> = [];
  cases.push(await pair(['bare GET (document bytes)', 'XCAP GET document'], CONNECTIONS, get(barePool, '/doc'), get(pool, DOC)));
  cases.push(await pair(['bare GET (element bytes)', 'XCAP GET element'], CONNECTIONS, get(barePool, '/el'), get(pool, ELEMENT)));
  const etagNow = (await (async () => { const r = await pool.request({ path: DOC, method: 'GET', headers: HEADERS }); await r.body.dump(); return r.headers.etag as string; })());
  cases.push(await pair(['bare conditional PUT', 'XCAP conditional PUT element (If-Match, embedded store: durable commit)'], 1, putChain(barePool, '/el', '"0"', nrt), putChain(pool, ELEMENT, etagNow, nrt)));
  const memEtag = await (async () => { const r = await memPool.request({ path: DOC, method: 'GET', headers: HEADERS }); await r.body.dump(); return r.headers.etag as string; })();
  const bareEtagNow = `"${bareEtag}"`;
  cases.push(await pair(['bare conditional PUT', 'XCAP conditional PUT element (If-Match, memory store, which users do not run)'], 1, putChain(barePool, '/el', bareEtagNow, nrt), putChain(memPool, ELEMENT, memEtag, nrt)));

  console.log(`XCAP bench: ${SECONDS} s per case, ${CONNECTIONS} connections for GETs, 1 writer chain for PUTs, embedded (default) store in ${dir} (the case marked "memory store" runs on a memory-store daemon, which users do not run)`);
  console.log('The daemon, the bare routes and the load generator share this process, whose generator CPU lifts every ratio toward 1; issue 14\'s own method (wrk, the bare route in its own process): dist/bench/wrk.bench.js');
  console.log('| case | per second | errors | vs bare |');
  console.log('|---|---:|---:|---:|');
  for (const [b, x] of cases) {
    console.log(`| ${b.name} | ${Math.round(b.perSecond).toLocaleString('en')} | ${b.errors} | 1.000× |`);
    console.log(`| ${x.name} | ${Math.round(x.perSecond).toLocaleString('en')} | ${x.errors} | ${(x.perSecond / b.perSecond).toFixed(3)}× |`);
  }
  await pool.close();
  await memPool.close();
  await memDaemon.close();
  await barePool.close();
  await bare.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
