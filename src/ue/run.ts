/**
 * Entry points of `omnisep simulate eap-aka`: one phone (`simulateEapAka`)
 * or many (`loadEapAka`), from plain options. The command parses and
 * validates flags into `SimulateOptions` and renders what these return.
 */
import { performance } from 'node:perf_hooks';
import type { Secret } from '../util/secret.js';
import { createDispatcher } from './http.js';
import { realmFor } from './identity.js';
import { runLoad, type LoadSummary } from './load.js';
import type { AcceptPreference, ClientProfile, Terminal } from './request.js';
import { simulateOnce, type SimulationInput, type SimulationReport } from './simulate.js';
import type { EntitlementDocument } from './document.js';
import { createUsim, type Usim } from './usim.js';
import type { PeerCarry } from '../fsm/eap-aka-peer.js';

export interface SimulateOptions {
  url: string;
  imsi: string;
  ki: Secret<Buffer>;
  opc: Secret<Buffer>;
  /** Provisioned AMF (2 bytes); a challenge with another one is noted. */
  amf?: Buffer;
  /** SQN_MS the USIM starts from (highest SQN accepted so far). */
  sqn: bigint;
  apps: string[];
  akaPrime: boolean;
  /** EAP-AKA': the network name the USIM expects in AT_KDF_INPUT (unset: accept the server's). */
  networkName?: string;
  post: boolean;
  accept: AcceptPreference;
  realm?: string;
  mncLength?: 2 | 3;
  terminal: Terminal;
  entitlementVersion: string;
  vers: string;
  tokenReauth: boolean;
  insecure: boolean;
  /** PEM of the CA(s) or certificate to trust for an https URL (`--cacert`), instead of the system CAs. */
  ca?: string;
  timeoutMs: number;
  /** `-v`: receives each raw exchange, redacted (single run only). */
  transcript?: (text: string) => void;
  /**
   * `--fast-reauth`: keep the pseudonym and re-auth identity the server issues and present them (RFC 4187 §5).
   * Single run: a full authentication, then one with the re-auth identity. Load mode: one chain, each run
   * presenting what the previous one left (concurrency 1: a new identity supersedes the last one).
   */
  fastReauth?: boolean;
}

export const DEFAULT_TERMINAL: Terminal = {
  id: '358240051111110',
  vendor: 'Omni',
  model: 'SimPhone',
  swVersion: '1.0',
  osVersion: '14',
};

/** Options with the defaults the command uses for every flag not given (EAP-AKA, ap2004, XML, GET, SQN_MS 0, token re-auth). */
export function simulateOptions(
  base: { url: string; imsi: string; ki: Secret<Buffer>; opc: Secret<Buffer> },
  over: Partial<SimulateOptions> = {},
): SimulateOptions {
  return {
    sqn: 0n,
    apps: ['ap2004'],
    akaPrime: false,
    post: false,
    accept: 'xml',
    terminal: DEFAULT_TERMINAL,
    entitlementVersion: '2.0',
    vers: '0',
    tokenReauth: true,
    insecure: false,
    timeoutMs: 10_000,
    ...base,
    ...over,
  };
}

function inputOf(o: SimulateOptions, usim: Usim): SimulationInput {
  const variant = o.akaPrime ? 'aka-prime' : 'aka';
  const profile: ClientProfile = {
    url: o.url,
    terminal: o.terminal,
    apps: o.apps,
    entitlementVersion: o.entitlementVersion,
    vers: o.vers,
    post: o.post,
    accept: o.accept,
  };
  return { profile, imsi: o.imsi, eapId: usim.identity, variant, tokenReauth: o.tokenReauth };
}

/** A USIM starting at `sqn`, presenting the identities in `carry` (none: the permanent identity, `ueEapId`). */
function usimOf(o: SimulateOptions, sqn: bigint = o.sqn, carry: PeerCarry = {}): Usim {
  return createUsim({
    imsi: o.imsi,
    k: o.ki,
    opc: o.opc,
    sqnMs: sqn,
    variant: o.akaPrime ? 'aka-prime' : 'aka',
    realm: realmFor(o.imsi, { realm: o.realm, mncLength: o.mncLength }),
    networkName: o.networkName,
    amf: o.amf,
  }, carry);
}

/** The two runs of `--fast-reauth` as one report: steps in order, both authentications, the last run's document. */
function chained(first: SimulationReport, second: SimulationReport): SimulationReport {
  const offset = first.steps.length;
  return {
    ...second,
    steps: [...first.steps, ...second.steps.map((st) => ({ ...st, n: st.n + offset }))],
    challenges: first.challenges + second.challenges,
    sqn_ms: { start: first.sqn_ms.start, end: second.sqn_ms.end },
    authentications: [...(first.authentications ?? []), ...(second.authentications ?? [])],
    warnings: [...new Set([...first.warnings, ...second.warnings])],
    timings: { ...second.timings, total_ms: first.timings.total_ms + second.timings.total_ms },
  };
}

/** One phone through the whole flow; the report says how far it got and why it stopped. */
export async function simulateEapAka(o: SimulateOptions, capture?: { document?: EntitlementDocument }): Promise<SimulationReport> {
  const dispatcher = createDispatcher({ connections: 1, insecure: o.insecure, ca: o.ca });
  const http = { dispatcher, timeoutMs: o.timeoutMs, transcript: o.transcript };
  try {
    const usim = usimOf(o);
    if (!o.fastReauth) return await simulateOnce(inputOf(o, usim), usim, http, capture);
    // Full authentication (the token waits for the last run), then the same USIM with what it kept.
    const first = await simulateOnce({ ...inputOf(o, usim), tokenReauth: false }, usim, http);
    if (!first.ok) return first;
    const again = usimOf(o, usim.sqnMs, usim.carry());
    return chained(first, await simulateOnce(inputOf(o, again), again, { ...http, stepOffset: first.steps.length }, capture));
  } finally {
    await dispatcher.close();
  }
}

/** One SIM of a load over several (`--each-sim`): what differs from the shared options. */
export interface LoadSim {
  imsi: string;
  ki: Secret<Buffer>;
  opc: Secret<Buffer>;
  amf?: Buffer;
}

export interface LoadReport extends LoadSummary {
  url: string;
  /** The SIM of the load, or the first of `sims`. */
  imsi: string;
  /** With several SIMs (`--each-sim`): how many the authentications went round. */
  sims?: number;
  variant: 'aka' | 'aka-prime';
  /** With --fast-reauth: successful authentications by kind (full, fast_reauth), and how many re-auth identities fell back to full. */
  kinds?: { full: number; fast_reauth: number; fell_back: number };
}

/**
 * Load mode: `count` full EAP-AKA authentications (first request → challenge(s)
 * → document), at most `concurrency` at once over one keep-alive pool. Each
 * run is a fresh USIM copy starting at `sqn` (so runs in flight never refuse
 * each other's challenges as replays); token re-authentication is not part
 * of a run. Latency is one authentication, first request to document.
 */
export async function loadEapAka(
  o: SimulateOptions,
  load: { count: number; concurrency: number; onProgress?: (done: number, count: number) => void; sims?: readonly LoadSim[] },
): Promise<LoadReport> {
  const noToken = { ...o, tokenReauth: false };
  // Run i plays SIM i mod n: `load.sims` (--each-sim: their keys, IMSI and identity, the other options shared), or `o`'s one SIM.
  const each = load.sims?.length ? load.sims.map((s) => ({ ...noToken, ...s })) : [noToken];
  const inputs: SimulationInput[] = each.map((m) => inputOf(m, usimOf(m)));
  let next = 0;
  if (o.fastReauth && each.length > 1) throw new RangeError('fast re-authentication runs one chain per SIM: not with several SIMs');
  // --fast-reauth: one USIM for the whole chain (SQN_MS and identities carried from run to run).
  if (o.fastReauth && load.concurrency > 1) throw new RangeError('fast re-authentication runs one chain per SIM: concurrency 1');
  const dispatcher = createDispatcher({ connections: load.concurrency, insecure: o.insecure, ca: o.ca });
  let chain = { sqn: o.sqn, carry: {} as PeerCarry };
  const kinds = { full: 0, fast_reauth: 0, fell_back: 0 };
  try {
    const summary = await runLoad(
      async () => {
        if (!o.fastReauth) {
          const i = next++ % each.length;
          const r = await simulateOnce(inputs[i]!, usimOf(each[i]!), { dispatcher, timeoutMs: o.timeoutMs, lean: true });
          return { ok: r.ok, reason: r.reason, kind: r.failure };
        }
        const usim = usimOf(each[0]!, chain.sqn, chain.carry);
        const r = await simulateOnce(inputOf(each[0]!, usim), usim, { dispatcher, timeoutMs: o.timeoutMs, lean: true });
        chain = { sqn: usim.sqnMs, carry: usim.carry() };
        const a = r.authentications?.[0];
        if (r.ok && a) {
          kinds[a.kind]++;
          if (a.fell_back) kinds.fell_back++;
        }
        return { ok: r.ok, reason: r.reason, kind: r.failure };
      },
      { count: load.count, concurrency: load.concurrency, now: () => performance.now(), onProgress: load.onProgress },
    );
    return { url: o.url, imsi: each[0]!.imsi, ...(load.sims?.length ? { sims: each.length } : {}), variant: inputs[0]!.variant, ...summary, ...(o.fastReauth ? { kinds } : {}) };
  } finally {
    await dispatcher.close();
  }
}
