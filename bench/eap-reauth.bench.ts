/**
 * Fast re-authentications (RFC 4187 §5) per second against full EAP-AKA authentications, side by side in
 * one run, through a real daemon started as `serve` starts it (startDaemon, embedded store in a temp dir,
 * the built-in AAA over TCP Diameter on loopback). The daemon's own SWm relay carries DER/DEA; the phones
 * are the peer state machine (src/fsm/eap-aka-peer.ts) in this process, one per lab SIM, each keeping its
 * USIM state and identities between runs. Every session is a complete EAP exchange:
 *   full:    Identity → AKA-Challenge (Milenage vector, SQN update) → EAP-Success (2 DER/DEA);
 *   re-auth: Identity (re-auth id) → AKA-Reauthentication (store update) → EAP-Success (2 DER/DEA).
 * Then the same two kinds through the TS.43 route (HTTP on loopback → swm relay → built-in AAA), driven by
 * the simulator's load mode (`simulate eap-aka --count N [--fast-reauth]`, src/ue/run.ts loadEapAka): one
 * chain per lab SIM, `in-flight` SIMs at once, each N authentications; with --fast-reauth the first of each
 * chain is full and the rest present the re-auth identity the previous one left (counted per kind).
 * Embedded store only there (what serve runs by default).
 *
 *   node --import tsx bench/eap-reauth.bench.ts [seconds-per-case] [in-flight] [ts43-count-per-sim]
 */
import { baseCode, codeOf } from '../src/codec/diameter/result.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { testConfig } from '../test/daemon-helpers.js';
import { encodeEap } from '../src/codec/eap/packet.js';
import { EapCode, EapType } from '../src/codec/eap/constants.js';
import { peerCarry, peerSqnMs, startPeer, stepPeer, type PeerCarry } from '../src/fsm/eap-aka-peer.js';
import { repoPath } from '../src/util/repo-path.js';
import { Secret } from '../src/util/secret.js';
import type { AaaRelay } from '../src/ports.js';
import { loadEapAka, simulateOptions, type LoadReport } from '../src/ue/run.js';

const seconds = Number(process.argv[2] ?? 3);
const inFlight = Number(process.argv[3] ?? 6);
const ts43Count = Number(process.argv[4] ?? 50);

const lab = readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8').split('\n').filter((l) => /^[0-9]{15},/.test(l)).map((l) => l.split(','));
interface Phone { imsi: string; k: Secret<Buffer>; opc: Secret<Buffer>; sqnMs: bigint; carry: PeerCarry }
const phones: Phone[] = lab.map(([imsi, , ki, opc]) => ({ imsi: imsi!, k: new Secret(Buffer.from(ki!, 'hex')), opc: new Secret(Buffer.from(opc!, 'hex')), sqnMs: 0n, carry: {} }));

/** One complete EAP session for `ph`; returns whether it was a fast re-authentication. */
async function session(relay: AaaRelay, ph: Phone, useReauth: boolean): Promise<boolean> {
  let peer = startPeer({ imsi: ph.imsi, k: ph.k, opc: ph.opc, sqnMs: ph.sqnMs, variant: 'aka' }, useReauth ? ph.carry : {});
  const s = relay.open({ userName: peer.identity });
  let packet = encodeEap({ code: EapCode.RESPONSE, identifier: 0, type: EapType.IDENTITY, data: Buffer.from(peer.identity) });
  for (let i = 0; i < 6; i++) {
    const ans = await s.exchange(packet);
    const r = stepPeer(peer, { type: 'eap', packet: ans.eapPayload! });
    peer = r.state;
    if (baseCode(ans.result) !== 1001) {
      const ok = r.actions.find((a) => a.type === 'success');
      if (!ok || ok.type !== 'success') throw new Error(`session failed: ${codeOf(ans.result)} ${r.note ?? ''}`);
      ph.sqnMs = peerSqnMs(peer);
      ph.carry = peerCarry(peer);
      return ok.reauth;
    }
    const send = r.actions.find((a) => a.type === 'send');
    if (send?.type !== 'send') throw new Error(`peer did not answer: ${r.note ?? ''}`);
    packet = send.packet;
  }
  throw new Error('too many rounds');
}

/** `inFlight` sessions at once, each on its own SIM (a SIM is never in two sessions at once). */
async function measure(relay: AaaRelay, reauth: boolean): Promise<{ perSec: number; n: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let wrongKind = 0;
  await Promise.all(phones.slice(0, inFlight).map(async (ph) => {
    while (performance.now() < end) {
      const t = performance.now();
      const was = await session(relay, ph, reauth);
      lat.push(performance.now() - t);
      if (was !== reauth) wrongKind++;
    }
  }));
  const ms = performance.now() - t0;
  if (wrongKind > lat.length * 0.2) throw new Error(`${wrongKind} of ${lat.length} sessions were not ${reauth ? 're-authentications' : 'full'}`);
  lat.sort((a, b) => a - b);
  return { perSec: lat.length / (ms / 1000), n: lat.length, p50: lat[Math.floor(lat.length / 2)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

/** Both cases against one daemon on `driver`; phones start over (fresh SIM state) for each daemon. */
async function runOn(driver: 'embedded' | 'memory') {
  for (const ph of phones) Object.assign(ph, { sqnMs: 0n, carry: {} });
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-bench-reauth-'));
  // max_reauths high so the re-authentication case never has to fall back to a full authentication.
  const config = testConfig(dir, ['diameter.enabled=true', 'aaa.enabled=true', 'eap_aka.backend=swm', 'xcap.enabled=false', 'aaa.max_reauths=65534', `storage.driver=${driver}`]);
  const d = await startDaemon(config, { logger: createLogger({ level: 'warn', pretty: false }), env: {} });
  try {
    const relay = d.ctx.services.backends.aaaRelay!;
    if (inFlight > phones.length) throw new Error(`at most ${phones.length} in flight (one per lab SIM)`);
    for (const ph of phones.slice(0, inFlight)) await session(relay, ph, false); // warm-up, and every SIM gets a re-auth identity
    for (let i = 0; i < 3; i++) for (const ph of phones.slice(0, inFlight)) await session(relay, ph, true);
    const full = await measure(relay, false);
    for (const ph of phones.slice(0, inFlight)) if (!ph.carry.reauth) await session(relay, ph, false);
    const re = await measure(relay, true);
    return { driver: config.storage.driver, full, re };
  } finally {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Through the TS.43 route with the simulator's load mode: one chain per SIM, `inFlight` SIMs at once. */
async function ts43Case(url: string, fast: boolean): Promise<{ perSec: number; n: number; p50: number; p99: number; kinds: string }> {
  const t0 = performance.now();
  const reports: LoadReport[] = await Promise.all(phones.slice(0, inFlight).map((ph) =>
    loadEapAka(simulateOptions({ url, imsi: ph.imsi, ki: ph.k, opc: ph.opc }, { tokenReauth: false, fastReauth: fast }), { count: ts43Count, concurrency: 1 })));
  const ms = performance.now() - t0;
  const ok = reports.reduce((a, r) => a + r.ok, 0);
  if (ok !== reports.reduce((a, r) => a + r.count, 0)) throw new Error(`failures: ${JSON.stringify(reports.map((r) => r.failures))}`);
  const p50s = reports.map((r) => r.latency_ms.p50).sort((a, b) => a - b);
  const k = reports.reduce((a, r) => ({ full: a.full + (r.kinds?.full ?? r.ok), fast: a.fast + (r.kinds?.fast_reauth ?? 0) }), { full: 0, fast: 0 });
  return { perSec: ok / (ms / 1000), n: ok, p50: p50s[Math.floor(p50s.length / 2)]!, p99: Math.max(...reports.map((r) => r.latency_ms.p99)), kinds: `${k.full} full, ${k.fast} re-auth` };
}

async function runTs43() {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-bench-reauth-ts43-'));
  const limits = ['eap_aka.max_sessions_per_imsi=100000', 'eap_aka.client_rate_per_s=1000000', 'eap_aka.client_burst=1000000'];
  const config = testConfig(dir, ['diameter.enabled=true', 'aaa.enabled=true', 'eap_aka.backend=swm', 'xcap.enabled=false', 'aaa.max_reauths=65534', ...limits]);
  const d = await startDaemon(config, { logger: createLogger({ level: 'warn', pretty: false }), env: {} });
  try {
    const url = `${d.addresses.http.url.replace(/\/$/, '')}/`;
    await ts43Case(url, false); // warm-up
    return { driver: config.storage.driver, full: await ts43Case(url, false), re: await ts43Case(url, true) };
  } finally {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [await runOn('embedded'), await runOn('memory')];
const ts43 = await runTs43();
console.log('EAP fast re-authentication vs full authentication through the daemon (built-in AAA over TCP Diameter on loopback)');
console.log(`${seconds}s per case, ${inFlight} sessions in flight (one per SIM), node ${process.version}; embedded = what serve runs by default, memory = without durable writes (users do not run it)\n`);
console.log('store'.padEnd(27) + 'case'.padEnd(30) + 'sessions/s'.padStart(12) + 'n'.padStart(8) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'vs full'.padStart(10));
for (const { driver, full, re } of results) {
  for (const [name, r] of [['full EAP-AKA authentication', full], ['fast re-authentication', re]] as const) {
    console.log((driver === 'memory' ? 'memory (users do not run)' : driver).padEnd(27) + name.padEnd(30) + r.perSec.toFixed(0).padStart(12) + String(r.n).padStart(8) + r.p50.toFixed(2).padStart(9) + r.p99.toFixed(2).padStart(9) + `${(r.perSec / full.perSec).toFixed(2)}x`.padStart(10));
  }
}

console.log(`\nThrough the TS.43 route (HTTP → swm relay → built-in AAA), simulate eap-aka load mode: ${inFlight} SIMs at once, one chain of ${ts43Count} per SIM; store ${ts43.driver}`);
console.log('case'.padEnd(48) + 'auths/s'.padStart(10) + 'n'.padStart(8) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'vs full'.padStart(10) + '  kinds');
for (const [name, r] of [['full (simulate --count)', ts43.full], ['fast re-auth (simulate --count --fast-reauth)', ts43.re]] as const) {
  console.log(name.padEnd(48) + r.perSec.toFixed(0).padStart(10) + String(r.n).padStart(8) + r.p50.toFixed(2).padStart(9) + r.p99.toFixed(2).padStart(9) + `${(r.perSec / ts43.full.perSec).toFixed(2)}x`.padStart(10) + `  ${r.kinds}`);
}
