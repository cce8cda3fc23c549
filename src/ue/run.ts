/**
 * Entry points of `omnisep simulate eap-aka`: one phone (`simulateEapAka`)
 * or many (`loadEapAka`), from plain options. The command parses and
 * validates flags into `SimulateOptions` and renders what these return.
 */
import { performance } from 'node:perf_hooks';
import type { Secret } from '../util/secret.js';
import { createDispatcher } from './http.js';
import { ueEapId } from './identity.js';
import { runLoad, type LoadSummary } from './load.js';
import type { AcceptPreference, ClientProfile, Terminal } from './request.js';
import { simulateOnce, type SimulationInput, type SimulationReport } from './simulate.js';
import type { EntitlementDocument } from './document.js';
import { createUsim } from './usim.js';

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

function inputOf(o: SimulateOptions): SimulationInput {
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
  return { profile, imsi: o.imsi, eapId: ueEapId(o.imsi, variant, { realm: o.realm, mncLength: o.mncLength }), variant, tokenReauth: o.tokenReauth };
}

function usimOf(o: SimulateOptions, eapId: string) {
  return createUsim({
    imsi: o.imsi,
    k: o.ki,
    opc: o.opc,
    sqnMs: o.sqn,
    variant: o.akaPrime ? 'aka-prime' : 'aka',
    identity: eapId,
    networkName: o.networkName,
    amf: o.amf,
  });
}

/** One phone through the whole flow; the report says how far it got and why it stopped. */
export async function simulateEapAka(o: SimulateOptions, capture?: { document?: EntitlementDocument }): Promise<SimulationReport> {
  const input = inputOf(o);
  const dispatcher = createDispatcher({ connections: 1, insecure: o.insecure, ca: o.ca });
  try {
    return await simulateOnce(input, usimOf(o, input.eapId), { dispatcher, timeoutMs: o.timeoutMs, transcript: o.transcript }, capture);
  } finally {
    await dispatcher.close();
  }
}

export interface LoadReport extends LoadSummary {
  url: string;
  imsi: string;
  variant: 'aka' | 'aka-prime';
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
  load: { count: number; concurrency: number; onProgress?: (done: number, count: number) => void },
): Promise<LoadReport> {
  const input: SimulationInput = { ...inputOf(o), tokenReauth: false };
  const dispatcher = createDispatcher({ connections: load.concurrency, insecure: o.insecure, ca: o.ca });
  try {
    const summary = await runLoad(
      async () => {
        const r = await simulateOnce(input, usimOf(o, input.eapId), { dispatcher, timeoutMs: o.timeoutMs });
        return { ok: r.ok, reason: r.reason, kind: r.failure };
      },
      { count: load.count, concurrency: load.concurrency, now: () => performance.now(), onProgress: load.onProgress },
    );
    return { url: o.url, imsi: o.imsi, variant: input.variant, ...summary };
  } finally {
    await dispatcher.close();
  }
}
