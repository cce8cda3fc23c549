/**
 * DER/DEA round trips per second to the built-in AAA of a real daemon, over TCP and over TLS, side by side in
 * one run (docs/diameter.md § TLS/TCP). The daemon is started as `omnisep serve` starts it (startDaemon with
 * the default embedded store in a temp directory, the lab SIMs, the built-in AAA), plus TLS on its Diameter
 * node and a routing table relaying the AAA's realm to the AAA. Every DER is a fresh EAP session (identity →
 * Milenage vector with a durable SQN write in the embedded store → AKA-Challenge in a DEA 1001).
 *
 * Cases, each with the same client, the same in-flight count and the same AAA:
 *   direct TCP  — client → built-in AAA (the baseline)
 *   relay TCP   — client → daemon node (plain listener, relay route) → AAA
 *   relay TLS   — client → daemon node (TLS secure port, mutual certificates) → AAA
 * so "relay TLS / relay TCP" isolates TLS on one hop. Certificates are made with openssl at start.
 *
 * Usage: node --import tsx bench/diameter-tls.bench.ts [seconds-per-case] [in-flight]
 */
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { resolveConfig } from '../src/contracts/config.js';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { createDiameterNode, type DiameterConfig } from '../daemon/diameter/node.js';
import { createSwmRelay } from '../daemon/diameter/swm-client.js';
import { encodeEap } from '../src/codec/eap/packet.js';
import { EapCode, EapType } from '../src/codec/eap/constants.js';
import { baseCode } from '../src/codec/diameter/result.js';

const seconds = Number(process.argv[2] ?? 5);
const inFlight = Number(process.argv[3] ?? 16);
const dir = mkdtempSync(join(tmpdir(), 'omnisep-bench-tls-'));

// A CA and certificates for the daemon's node and the bench client (both sides present one: mutual TLS).
const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench-ca']);
for (const h of ['omnisep.bench', 'client.bench']) {
  writeFileSync(join(dir, `${h}.ext`), `subjectAltName=DNS:${h}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${h}.key`, '-out', `${h}.csr`, '-subj', `/CN=${h}`]);
  ossl(['x509', '-req', '-in', `${h}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${h}.pem`, '-days', '2', '-extfile', `${h}.ext`]);
}

const quietSink = new Writable({ write(_c, _e, cb) { cb(); } });
const config = resolveConfig({
  sets: [
    `storage.data_dir=${join(dir, 'data')}`, `control.socket=${join(dir, 'ctl', 'omnisep.sock')}`, 'http.port=0', 'admin.port=0',
    'diameter.listen_port=0', 'aaa.listen_port=0', 'diameter.host=omnisep.bench', 'xcap.enabled=false', 'eap_aka.backend=swm',
    'diameter.tls.listen=true', 'diameter.tls.listen_port=0',
    `diameter.tls.cert=${join(dir, 'omnisep.bench.pem')}`, `diameter.tls.key=${join(dir, 'omnisep.bench.key')}`, `diameter.tls.ca=${join(dir, 'ca.pem')}`,
  ],
});
// The AAA's realm relayed to the AAA; the bench client may also talk to the AAA directly (the baseline).
config.diameter.routes = [{ realm: config.aaa.realm, application_id: 16777264, action: 'relay', peers: [config.aaa.host] }];
config.aaa.allowed_peers = [{ host: 'client.bench', ip: 'loopback' }];
const daemon = await startDaemon(config, { logger: createLogger({ level: 'error', pretty: false, destination: quietSink }), env: {} });
const storeName = config.storage.driver;

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const read = (f: string) => readFileSync(join(dir, f));
const imsis = ['1', '2', '3', '4', '5', '6'].map((d) => `000101000000000${d}@nai.epc.mnc001.mcc001.3gppnetwork.org`);

async function run(name: string, peer: DiameterConfig['peers'][number], tls: boolean) {
  const cli = createDiameterNode({
    host: 'client.bench', realm: 'bench', product_name: 'bench', vendor_id: 10415, listen_ip: '', listen_port: 0,
    auth_application_ids: [16777264], acct_application_ids: [], supported_vendor_ids: [10415], request_timeout: 10_000, watchdog_seconds: 30,
    allow_undefined_peers_to_connect: true, peer_selection_algorithm: 'round_robin', peers: [peer],
    ...(tls ? { tls: { cert: read('client.bench.pem'), key: read('client.bench.key'), ca: read('ca.pem') } } : {}),
  }, { logger: quiet });
  await cli.start();
  await cli.waitForPeer(peer.host, 30_000);
  const relay = createSwmRelay(cli, { destinationRealm: config.aaa.realm });
  let done = 0;
  let failed = 0;
  const lat: number[] = [];
  const one = async (nai: string) => {
    const t = performance.now();
    try {
      const a = await relay.open({ userName: nai }).exchange(encodeEap({ code: EapCode.RESPONSE, identifier: 0, type: EapType.IDENTITY, data: Buffer.from(nai) }));
      if (baseCode(a.result) === 1001) done++;
      else failed++;
    } catch {
      failed++;
    }
    lat.push(performance.now() - t);
  };
  for (let i = 0; i < 50; i++) await one(imsis[i % imsis.length]!); // warm-up (handshake, JIT)
  done = failed = 0;
  lat.length = 0;
  const stopAt = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async (_, w) => {
    for (let i = 0; performance.now() < stopAt; i++) await one(imsis[(w + i) % imsis.length]!);
  }));
  const elapsed = (performance.now() - t0) / 1000;
  await cli.stop();
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]?.toFixed(2) ?? '-';
  return { name, rate: done / elapsed, done, failed, p50: pct(0.5), p99: pct(0.99) };
}

const aaaPort = daemon.addresses.aaa!.port!;
const nodePort = daemon.addresses.diameter!.port!;
const tlsPort = daemon.addresses.diameter_tls!.port!;
const rows = [
  await run('direct TCP (client → built-in AAA)', { host: config.aaa.host, ip: '127.0.0.1', port: aaaPort, transport: 'tcp' }, false),
  await run('relay TCP (client → daemon node → AAA)', { host: 'omnisep.bench', ip: '127.0.0.1', port: nodePort, transport: 'tcp' }, false),
  await run('relay TLS (client =TLS=> daemon node → AAA)', { host: 'omnisep.bench', ip: '127.0.0.1', port: tlsPort, transport: 'tls' }, true),
];
await daemon.close();
rmSync(dir, { recursive: true, force: true });

console.log(`\nDER/DEA round trips to the built-in AAA of a real daemon (store: ${storeName}, as \`omnisep serve\` runs it), ${inFlight} in flight, ${seconds} s per case`);
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs\n`);
console.log('| case | round trips/s | vs direct TCP | vs relay TCP | ok | failed | p50 ms | p99 ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${Math.round(r.rate).toLocaleString('en')} | ${(r.rate / rows[0]!.rate).toFixed(2)}× | ${(r.rate / rows[1]!.rate).toFixed(2)}× | ${r.done} | ${r.failed} | ${r.p50} | ${r.p99} |`);
}
