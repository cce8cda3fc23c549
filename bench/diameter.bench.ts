/**
 * Diameter benchmark, side by side in one run:
 *  1. encode+decode of DER and DEA messages per second — our codec
 *     (src/codec/diameter) vs the `diameter` npm package's codec (through
 *     daemon/diameter/legacy-adapter.ts), with the ratio;
 *  2. DER/DEA round trips per second over loopback TCP against the built-in
 *     AAA (each DER is a fresh EAP session: identity → Milenage vector →
 *     AKA-Challenge in a DEA 1001), at a fixed number of requests in flight.
 * Usage: node --import tsx bench/diameter.bench.ts [seconds-per-case] [in-flight]
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDictionary } from '../src/codec/diameter/dictionary.js';
import { decodeMessage, encodeMessage, viewAvps, type DiameterMessage } from '../src/codec/diameter/message.js';
import { buildDea, buildDer, readDea, readDer } from '../src/codec/diameter/swm.js';
import { legacyCodec, type LegacyMessage } from '../daemon/diameter/legacy-adapter.js';
import { createDiameterNode } from '../daemon/diameter/node.js';
import { createBuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { createSwmRelay } from '../daemon/diameter/swm-client.js';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { encodeEap } from '../src/codec/eap/packet.js';
import { EapCode, EapType } from '../src/codec/eap/constants.js';
import { repoPath } from '../src/util/repo-path.js';

const seconds = Number(process.argv[2] ?? 2);
const inFlight = Number(process.argv[3] ?? 32);
const dict = defaultDictionary();
const id = { host: 'omnisep.bench', realm: 'bench' };
const eap = Buffer.from('0101003817010000' + '01050000' + 'aa'.repeat(16) + '02050000' + 'bb'.repeat(16) + '0b050000' + 'cc'.repeat(16), 'hex');

const der = buildDer(dict, id, { sessionId: 'omnisep.bench;1795000000;1', destinationRealm: 'aaa.bench', eapPayload: Buffer.from('0201003a01' + '30'.repeat(53), 'hex'), userName: '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org' }, { hopByHop: 1, endToEnd: 2 });
const dea = buildDea(dict, der, { host: 'aaa.bench', realm: 'bench' }, { resultCode: 1001, eapPayload: eap, userName: '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org' });

const flags = (m: DiameterMessage) => ({ request: (m.flags & 0x80) !== 0, proxiable: (m.flags & 0x40) !== 0, error: false, potentiallyRetransmitted: false });
const legacyDer: LegacyMessage = {
  header: { version: 1, commandCode: 268, flags: flags(der), applicationId: 16777264, hopByHopId: 1, endToEndId: 2 },
  body: [['Session-Id', 'omnisep.bench;1795000000;1'], ['Auth-Application-Id', 16777264], ['Origin-Host', id.host], ['Origin-Realm', id.realm],
    ['Destination-Realm', 'aaa.bench'], ['Auth-Request-Type', 'AUTHORIZE_AUTHENTICATE'], ['EAP-Payload', Buffer.from('0201003a01' + '30'.repeat(53), 'hex')],
    ['User-Name', '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org'], ['RAT-Type', 'WLAN']],
};
const legacyDea: LegacyMessage = {
  header: { version: 1, commandCode: 268, flags: flags(dea), applicationId: 16777264, hopByHopId: 1, endToEndId: 2 },
  body: [['Session-Id', 'omnisep.bench;1795000000;1'], ['Auth-Application-Id', 16777264], ['Auth-Request-Type', 'AUTHORIZE_AUTHENTICATE'], ['Result-Code', 1001],
    ['Origin-Host', 'aaa.bench'], ['Origin-Realm', 'bench'], ['User-Name', '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org'], ['EAP-Payload', eap]],
};

function rate(fn: () => void): number {
  for (let i = 0; i < 2000; i++) fn();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) { for (let i = 0; i < 200; i++) fn(); n += 200; }
  return n / ((performance.now() - t0) / 1000);
}

const legacy = legacyCodec();
const rows: [string, number][] = [];
rows.push(['ours: DER+DEA encode+decode (+readDer/readDea)', rate(() => { readDer(decodeMessage(encodeMessage(der))); readDea(decodeMessage(encodeMessage(dea))); })]);
rows.push(['ours: DER+DEA encode+decode, every AVP typed (viewAvps)', rate(() => { viewAvps(decodeMessage(encodeMessage(der)).avps, dict); viewAvps(decodeMessage(encodeMessage(dea)).avps, dict); })]);
rows.push(['diameter pkg: DER+DEA encodeMessage+decodeMessage', rate(() => { legacy.decodeMessage(legacy.encodeMessage(legacyDer)); legacy.decodeMessage(legacy.encodeMessage(legacyDea)); })]);

// Round trips over loopback against the built-in AAA.
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
// The embedded store in a temp dir, as `omnisep serve` runs it by default (durable SQN updates).
const storeDir = mkdtempSync(join(tmpdir(), 'omnisep-diameter-bench-'));
const store = await createEmbeddedStore({ dataDir: storeDir, activity: { retentionIntervalMs: 0 } });
const aaa = createBuiltinAaa({ store, logger: quiet, listen: { host: 'aaa.bench', realm: 'bench', listen_ip: '127.0.0.1', listen_port: 0, accept_peers: [{ host: 'omnisep.bench', ip: 'loopback' }] } });
await aaa.subscribers.importCsv(readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8'));
const { listen } = await aaa.start();
const cli = createDiameterNode({
  host: 'omnisep.bench', realm: 'bench', product_name: 'bench', vendor_id: 10415, listen_ip: '', listen_port: 0,
  auth_application_ids: [16777264], acct_application_ids: [], supported_vendor_ids: [10415], request_timeout: 5000, watchdog_seconds: 30,
  allow_undefined_peers_to_connect: true, peer_selection_algorithm: 'round_robin', peers: [{ host: 'aaa.bench', ip: '127.0.0.1', port: listen!.port }],
}, { logger: quiet });
await cli.start();
await cli.waitForPeer();
const relay = createSwmRelay(cli);
const imsis = ['1', '2', '3', '4', '5', '6'].map((d) => `000101000000000${d}@nai.epc.mnc001.mcc001.3gppnetwork.org`);
let done = 0;
let failed = 0;
const lat: number[] = [];
const stopAt = performance.now() + seconds * 1000;
const t0 = performance.now();
async function worker(w: number) {
  for (let i = 0; performance.now() < stopAt; i++) {
    const nai = imsis[(w + i) % imsis.length]!;
    const s = relay.open({ userName: nai });
    const t = performance.now();
    try {
      const a = await s.exchange(encodeEap({ code: EapCode.RESPONSE, identifier: 0, type: EapType.IDENTITY, data: Buffer.from(nai) }));
      if ('resultCode' in a.result && a.result.resultCode === 1001) done++;
      else failed++;
    } catch {
      failed++;
    }
    lat.push(performance.now() - t);
  }
}
await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
const elapsed = (performance.now() - t0) / 1000;
await cli.stop();
await aaa.stop();
await store.close();
rmSync(storeDir, { recursive: true, force: true });
lat.sort((a, b) => a - b);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!.toFixed(2);

const base = rows[2]![1];
console.log(`\nDiameter codec, ${seconds} s per case (one DER + one DEA per iteration; no store)\n`);
console.log('AAA round trips below use the embedded store (the default `omnisep serve` runs) for subscribers and SQN, in a temp dir\n');
console.log('| case | iterations/s | vs diameter pkg |');
console.log('|---|---:|---:|');
for (const [name, r] of rows) console.log(`| ${name} | ${Math.round(r).toLocaleString('en')} | ${(r / base).toFixed(2)}× |`);
console.log(`\nDER/DEA round trips over loopback TCP to the built-in AAA (Milenage vector + AKA-Challenge per DER), ${inFlight} in flight:`);
console.log(`  ${Math.round(done / elapsed).toLocaleString('en')} round trips/s, store: embedded (${done} ok, ${failed} failed in ${elapsed.toFixed(1)} s); latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
