/**
 * EAP-AKA benchmark (in-process, one core): Milenage vectors per second,
 * USIM runs per second, complete server+peer authentications per second for
 * EAP-AKA and EAP-AKA', and EAP decode throughput including the 1 000 000
 * random/mutated byte-string robustness run. Ratios are against vectors/s.
 * The full authentications run through the one driver (driveEapServer), as the daemon does.
 * Fast re-authentications (RFC 4187 §5) run the same way, with the built-in AAA's identity
 * store (StoreEapIdentities) over the memory store: the figure is the FSM + crypto cost, not storage.
 *
 *   node --import tsx bench/eap-aka.bench.ts [seconds-per-case]
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeEap, encodeEap, attr } from '../src/codec/eap/index.js';
import { DecodeError } from '../src/codec/decode-error.js';
import { generateVector, usimAuthenticate } from '../src/crypto/milenage.js';
import { deriveAkaKeys } from '../src/crypto/aka-keys.js';
import { runExchange } from '../src/fsm/eap-aka-driver.js';
import { peerCarry, startPeer, type PeerCarry } from '../src/fsm/eap-aka-peer.js';
import { EAP_IDENTITIES_DEFAULTS, StoreEapIdentities } from '../src/services/eap-auth/eap-identities.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { deriveSealKey } from '../src/crypto/seal.js';
import type { EapServerConfig } from '../src/fsm/eap-aka-server.js';
import { Secret } from '../src/util/secret.js';

const seconds = Number(process.argv[2] ?? 1.5);
const K = new Secret(Buffer.from('5122250214c33e723a5dd523fc145fc0', 'hex'));
const OPC = new Secret(Buffer.from('981d464c7c52eb6e5036234984ad0bcf', 'hex'));
const RAND = Buffer.from('81e92b6c0ee0e12ebceba8d92a99dfa5', 'hex');

function measure(name: string, fn: (i: number) => void): { name: string; perSec: number; n: number } {
  for (let i = 0; i < 200; i++) fn(i); // warm-up
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let j = 0; j < 50; j++) fn(n++);
  }
  const perSec = n / ((performance.now() - t0) / 1000);
  return { name, perSec, n };
}

let sqn = 0n;
const v = generateVector({ k: K, opc: OPC, amf: 0x8000, sqn: 1n << 5n, rand: RAND });
const aka: EapServerConfig = { variant: 'aka', maxResync: 2, timeoutMs: 30_000, identityRound: 'never' };
const prime: EapServerConfig = { ...aka, variant: 'aka-prime', networkName: 'WLAN' };
let c = 0;
const rand = () => createHash('sha256').update(String(c++)).digest().subarray(0, 16);

async function measureAsync(name: string, fn: () => Promise<void>): Promise<{ name: string; perSec: number; n: number }> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let j = 0; j < 50; j++, n++) await fn();
  }
  return { name, perSec: n / ((performance.now() - t0) / 1000), n };
}

function exchange(cfg: EapServerConfig) {
  return async () => {
    const peer = startPeer({ imsi: '001010000000001', k: K, opc: OPC, sqnMs: 0n, variant: cfg.variant });
    const r = await runExchange({ server: cfg, peer, sub: { k: K, opc: OPC, amf: 0x8000, sqn: 0n }, rand });
    if (r.server.phase !== 'success') throw new Error('exchange failed');
  };
}

/** Fast re-authentication in a row; a full authentication (not counted) re-seeds when no re-auth identity is left. */
function reauthExchange(base: EapServerConfig) {
  const cfg: EapServerConfig = { ...base, identityRound: 'when-not-permanent', resolveIdentities: true };
  const ids = new StoreEapIdentities(createMemoryStore(), {
    config: { ...EAP_IDENTITIES_DEFAULTS, maxReauths: 65534 }, sealKey: deriveSealKey('bench', 'eap_identities'), random: randomBytes, now: () => 0,
  });
  const sub = { k: K, opc: OPC, amf: 0x8000, sqn: 0n };
  let carry: PeerCarry = {};
  const once = async () => {
    const peer = startPeer({ imsi: '001010000000001', k: K, opc: OPC, sqnMs: sub.sqn, variant: base.variant }, carry);
    const r = await runExchange({ server: cfg, peer, sub, rand, identities: ids });
    if (r.server.phase !== 'success') throw new Error('exchange failed');
    sub.sqn = r.sqnHe;
    carry = peerCarry(r.peer);
    return r.outcomes.at(-1)!.type === 'success' && (r.outcomes.at(-1) as { reauth: boolean }).reauth;
  };
  return async () => {
    if (!carry.reauth) await once();
    if (!(await once())) throw new Error('not a fast re-authentication');
  };
}

const challenge = encodeEap({ code: 1, identifier: 1, type: 23, subtype: 1, attributes: [attr.rand(RAND), attr.autn(v.autn), attr.mac()] } as never);

const rows = [
  measure('Milenage vector (generateVector)', () => generateVector({ k: K, opc: OPC, amf: 0x8000, sqn: (sqn += 32n), rand: RAND })),
  measure('USIM run (usimAuthenticate)', () => usimAuthenticate({ k: K, opc: OPC, rand: RAND, autn: v.autn })),
  measure('EAP-AKA keys (MK + FIPS 186-2 PRF)', () => deriveAkaKeys('0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org', v.ck, v.ik)),
  await measureAsync('EAP-AKA full auth, server+peer', exchange(aka)),
  await measureAsync("EAP-AKA' full auth, server+peer", exchange(prime)),
  await measureAsync('EAP-AKA fast re-auth, +memory store', reauthExchange(aka)),
  await measureAsync("EAP-AKA' fast re-auth, +memory store", reauthExchange(prime)),
  measure('decodeEap (AKA-Challenge, 68 B)', () => decodeEap(challenge)),
];

// The 1M robustness run, timed (the same mix as src/codec/eap/eap.test.ts).
const seeds = [challenge, encodeEap({ code: 2, identifier: 9, type: 1, data: Buffer.from('0001@x') })];
let s = 0x9e3779b9;
const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), s >>> 0);
const pool = randomBytes(1 << 20);
Error.stackTraceLimit = 0; // as in the test: the cost of the throws, not of stack capture
const t0 = performance.now();
let ok = 0;
let bad = 0;
for (let i = 0; i < 1_000_000; i++) {
  let b: Buffer;
  if (i & 1) {
    const off = rnd() % (pool.length - 128);
    b = pool.subarray(off, off + (rnd() % 96));
  } else {
    b = Buffer.from(seeds[i % 2 === 0 ? 0 : 1]!);
    b[rnd() % b.length] = rnd() & 0xff;
  }
  try {
    decodeEap(b);
    ok++;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    bad++;
  }
}
const fuzzMs = performance.now() - t0;

const base = rows[0]!.perSec;
console.log(`EAP-AKA bench (${seconds}s per case, node ${process.version}, 1 core; in-process, no store except the rows marked "+memory store" — users run the embedded store: bench/eap-reauth.bench.ts measures it)\n`);
console.log('case'.padEnd(40) + 'per second'.padStart(14) + 'vs vector'.padStart(12));
for (const r of rows) console.log(r.name.padEnd(40) + Math.round(r.perSec).toLocaleString('en-US').padStart(14) + `${(r.perSec / base).toFixed(3)}x`.padStart(12));
console.log(`\n1 000 000 random/mutated byte strings decoded in ${fuzzMs.toFixed(0)} ms (${ok} decoded, ${bad} DecodeError, no other exception)`);
