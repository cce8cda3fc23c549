/**
 * Flag values of `omnisep simulate eap-aka` → `SimulateOptions`, checked
 * before anything is sent (CLI.md: say what is wrong and what would be
 * right; UsageError = exit 2). Pure.
 */
import { UsageError } from '../client/errors.js';
import { computeOpc } from '../crypto/milenage.js';
import { imsiProblem } from '../util/imsi.js';
import { Secret } from '../util/secret.js';
import { DEFAULT_TERMINAL, type LoadSim, type SimulateOptions } from './run.js';
import type { CsvSim } from './command-line.js';
import type { AcceptPreference } from './request.js';

export interface SimulateFlagValues {
  url: string;
  imsi: string;
  ki?: string;
  opc?: string;
  op?: string;
  amf?: string;
  sqn: string;
  app: string;
  'aka-prime': boolean;
  'network-name'?: string;
  post: boolean;
  accept: string;
  realm?: string;
  'mnc-length': number;
  'terminal-id'?: string;
  'terminal-vendor'?: string;
  'terminal-model'?: string;
  'terminal-sw-version'?: string;
  'entitlement-version': string;
  vers: string;
  'token-reauth': boolean;
  'fast-reauth'?: boolean;
  insecure: boolean;
  timeout: number;
}

/** `--imsi`: exactly 15 digits (the check is src/util/imsi.ts, shared with the CLI's flags). */
function parseImsi(raw: string): string {
  const problem = imsiProblem(raw);
  if (problem) throw new UsageError(problem);
  return raw.trim();
}

/** A 128-bit key in hex (spaces and colons allowed), as a Secret; the message never echoes the value. */
export function parseKey(raw: string, flag: string): Secret<Buffer> {
  const hex = raw.replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new UsageError(`--${flag} must be 32 hex digits (128 bits), got ${hex.length} character${hex.length === 1 ? '' : 's'}${/[^0-9a-fA-F]/.test(hex) ? ' with non-hex ones' : ''}; e.g. --${flag} 465b5ce8b199b49faa5f0a2ee238a6bc`);
  }
  return new Secret(Buffer.from(hex, 'hex'));
}

export function parseAmf(raw: string): Buffer {
  if (!/^[0-9a-fA-F]{4}$/.test(raw)) throw new UsageError(`--amf must be 4 hex digits, e.g. --amf 8000 (got ${JSON.stringify(raw)})`);
  return Buffer.from(raw, 'hex');
}

/** SQN_MS: decimal, or hex with 0x; 48 bits. */
export function parseSqn(raw: string): bigint {
  const s = raw.trim();
  if (!/^(0x[0-9a-fA-F]{1,12}|[0-9]{1,15})$/.test(s)) throw new UsageError(`--sqn must be a 48-bit number, decimal or 0x-hex (e.g. --sqn 0 or --sqn 0x000000000020), got ${JSON.stringify(raw)}`);
  const v = BigInt(s);
  if (v >= 1n << 48n) throw new UsageError(`--sqn ${raw} does not fit in 48 bits (max ${(1n << 48n) - 1n})`);
  return v;
}

/** `ap2004,ap2003` → ids. Any apNNNN is allowed: the target may be another server serving other apps. */
export function parseApps(raw: string): string[] {
  const ids = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!ids.length) throw new UsageError('--app needs at least one app id, e.g. --app ap2004 or --app ap2004,ap2003');
  const bad = ids.find((id) => !/^ap[0-9]{4}$/.test(id));
  if (bad) throw new UsageError(`--app: ${JSON.stringify(bad)} is not a TS.43 app id; expected apNNNN, e.g. ap2004 (VoWiFi), ap2003 (VoLTE)`);
  return [...new Set(ids)];
}

export function parseServerUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(raw)} is not a URL; expected the TS.43 server, e.g. http://127.0.0.1:9014/`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must be http:// or https://, got ${u.protocol}`);
  return u.toString();
}

export function optionsFromFlags(f: SimulateFlagValues): SimulateOptions {
  if (!f.ki) throw new UsageError('missing --ki (or --sim-file FILE with a row for --imsi); e.g. --ki 465b5ce8b199b49faa5f0a2ee238a6bc');
  const ki = parseKey(f.ki, 'ki');
  if (f.opc && f.op) throw new UsageError('give --opc or --op, not both (OPc is derived from OP and Ki)');
  if (!f.opc && !f.op) throw new UsageError('missing --opc (or --op, from which OPc is computed with Ki); e.g. --opc cd63cb71954a9f4e48a5994e37a02baf');
  const opc = f.opc ? parseKey(f.opc, 'opc') : new Secret(computeOpc(ki, parseKey(f.op!, 'op')));
  if (f['mnc-length'] !== 2 && f['mnc-length'] !== 3) throw new UsageError('--mnc-length is 2 or 3');
  if (!['xml', 'json'].includes(f.accept)) throw new UsageError('--accept is xml or json');
  if (!/^[0-9]+(\.[0-9]+)?$/.test(f['entitlement-version'])) throw new UsageError(`--entitlement-version: expected e.g. 2.0 or 12.0, got ${JSON.stringify(f['entitlement-version'])}`);
  return {
    url: parseServerUrl(f.url),
    imsi: parseImsi(f.imsi),
    ki,
    opc,
    amf: f.amf ? parseAmf(f.amf) : undefined,
    sqn: parseSqn(f.sqn),
    apps: parseApps(f.app),
    akaPrime: f['aka-prime'],
    networkName: f['network-name'],
    post: f.post,
    accept: f.accept as AcceptPreference,
    realm: f.realm,
    mncLength: f['mnc-length'] as 2 | 3,
    terminal: {
      id: f['terminal-id'] ?? DEFAULT_TERMINAL.id,
      vendor: f['terminal-vendor'] ?? DEFAULT_TERMINAL.vendor,
      model: f['terminal-model'] ?? DEFAULT_TERMINAL.model,
      swVersion: f['terminal-sw-version'] ?? DEFAULT_TERMINAL.swVersion,
      osVersion: DEFAULT_TERMINAL.osVersion,
    },
    entitlementVersion: f['entitlement-version'],
    vers: f.vers,
    tokenReauth: f['token-reauth'],
    ...(f['fast-reauth'] ? { fastReauth: true } : {}),
    insecure: f.insecure,
    timeoutMs: f.timeout,
  };
}

/**
 * `--each-sim`: the SIM rows of a subscriber CSV as load SIMs (OPc computed where the row gives OP). A row whose
 * key, OPc or AMF is not valid hex is refused with its line's IMSI, not skipped: a load over fewer SIMs than the
 * file holds would measure something else.
 */
export function loadSimsFrom(sims: readonly CsvSim[], file: string): LoadSim[] {
  return sims.map((s) => {
    try {
      const ki = parseKey(s.ki, 'ki');
      const opc = s.opc ? parseKey(s.opc, 'opc') : new Secret(computeOpc(ki, parseKey(s.op!, 'op')));
      return { imsi: s.imsi, ki, opc, ...(s.amf ? { amf: parseAmf(s.amf) } : {}) };
    } catch (e) {
      throw new UsageError(`--sim-file ${file}: the row of IMSI ${s.imsi}: ${(e as Error).message}`);
    }
  });
}
