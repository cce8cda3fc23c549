/**
 * TS.43 request parsing (GSMA TS.43 v12.0 §2.3, §2.2.1), lenient the way
 * phones need it (TS43.md "Client contract"). Pure: takes the query object
 * or the parsed JSON body, returns a typed request or a list of problems.
 */
import { RecentMap } from '../../util/recent-map.js';

/** `AP2004`, ` ap2004 ` → `ap2004` (the catalog's normaliseAppId; kept here so the codec imports no service). */
const normaliseAppId = (id: string): string => id.trim().toLowerCase();

/** Raw parameters with their names lower-cased (§1.7: names compare case-insensitively). */
export type RawParams = Record<string, string | string[]>;

export interface Ts43Request {
  terminal_id: string | null;
  terminal_vendor: string | null;
  terminal_model: string | null;
  terminal_sw_version: string | null;
  entitlement_version: string | null;
  /** VERS version the device holds (0 = none; negative values are the spec's special values). */
  vers: number;
  /** App IDs, lower-cased, de-duplicated, order of first appearance. */
  apps: string[];
  eap_id: string | null;
  imsi: string | null;
  token: string | null;
  temporary_token: string | null;
  operator_token: string | null;
  app_name: string | null;
  app_version: string | null;
  notif_action: number | null;
  notif_token: string | null;
  requestor_id: string | null;
  gid1: string | null;
  gid2: string | null;
  boost_type: string | null;
  /** ODSA parameters (§6.2) as given, names lower-cased. */
  odsa: Record<string, string>;
}

const ODSA_PREFIXES = ['operation', 'companion_terminal_', 'terminal_iccid', 'terminal_eid', 'target_terminal_', 'old_terminal_'];
/** A name starting with one of ODSA_PREFIXES: one test per parameter, not a closure and six `startsWith`. */
const ODSA_NAME = new RegExp(`^(?:${ODSA_PREFIXES.join('|')})`);

/**
 * Fold a query object (fastify/querystring: repeated keys become arrays) or a
 * JSON body into lower-cased keys. Non-string JSON values become strings;
 * arrays stay arrays (the `app` JSON-array shape).
 */
export function foldParams(source: unknown): RawParams {
  const out: RawParams = {};
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return out;
  const src = source as Record<string, unknown>;
  // for…in with an own-property check: no [key, value] array per parameter (Object.entries made one per request).
  for (const k in src) {
    if (!Object.hasOwn(src, k)) continue;
    const v = src[k];
    const key = k.toLowerCase();
    // An own property only: `constructor`, `toString` … are parameters like any other, not Object.prototype's.
    const prev = Object.hasOwn(out, key) ? out[key] : undefined;
    // The usual query: one string per name, no array made (docs/performance.md § Eleventh round).
    if (typeof v === 'string' && prev === undefined) { out[key] = v; continue; }
    const vals: string[] = Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined).map(String) : v === null || v === undefined ? [] : [String(v)];
    if (vals.length === 0) continue;
    const merged = prev === undefined ? vals : [...(Array.isArray(prev) ? prev : [prev]), ...vals];
    out[key] = merged.length === 1 ? merged[0]! : merged;
  }
  return out;
}

const first = (p: RawParams, key: string): string | null => {
  const v = p[key];
  if (v === undefined) return null;
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s === undefined || s === '' ? null : s;
};

/** `app` text the general path would leave as it is but for the split: lower-case ASCII letters, digits, `,._-`. */
const PLAIN_APPS = /^[a-z0-9,._-]*$/;

/**
 * `app` in every shape phones send: repeated (`app=ap2003&app=ap2004`), a
 * comma list, Android's POST-mode string `"[ap2003,ap2004]"`, a JSON array,
 * or a JSON array as text (`["ap2003","ap2004"]`).
 */
export function parseAppParam(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const part of parts) {
    // The usual shape (`ap2004` or `ap2003,ap2004`: lower case, nothing to strip) without the two replaces per piece.
    if (PLAIN_APPS.test(part)) {
      for (const id of part.split(',')) if (id !== '' && !out.includes(id)) out.push(id);
      continue;
    }
    for (const piece of part.replace(/^\s*\[|\]\s*$/g, '').split(',')) {
      const id = normaliseAppId(piece.replace(/^\s*["']|["']\s*$/g, ''));
      if (id !== '' && !out.includes(id)) out.push(id);
    }
  }
  return out;
}

export interface EntitlementVersion {
  major: number;
  minor: number;
}

/** `2`, `2.0`, `8`, `12.0`, ` v2.0 ` → {major, minor}; anything else → null. */
export function parseEntitlementVersion(s: string): EntitlementVersion | null {
  const m = /^\s*v?(\d{1,4})(?:\.(\d{1,4}))?(?:\.\d{1,4})?\s*$/i.exec(s);
  if (!m) return null;
  return { major: Number(m[1]), minor: m[2] === undefined ? 0 : Number(m[2]) };
}

const cmpVersion = (a: EntitlementVersion, b: EntitlementVersion): number => a.major - b.major || a.minor - b.minor;

/** Whether `version` lies in [min, max] (config `ts43.entitlement_versions`). Unparseable → false. */
export function entitlementVersionSupported(version: string, range: { min: string; max: string }): boolean {
  const v = parseEntitlementVersion(version);
  const lo = parseEntitlementVersion(range.min);
  const hi = parseEntitlementVersion(range.max);
  if (!v || !lo || !hi) return false;
  return cmpVersion(v, lo) >= 0 && cmpVersion(v, hi) <= 0;
}

/** Build the typed request from folded parameters. Never throws. */
export function parseTs43Request(p: RawParams): Ts43Request {
  const notif = first(p, 'notif_action');
  const vers = first(p, 'vers');
  const versNum = vers !== null && /^-?\d{1,10}$/.test(vers) ? Number(vers) : 0;
  const odsa: Record<string, string> = {};
  for (const key of Object.keys(p)) {
    if (ODSA_NAME.test(key)) odsa[key] = first(p, key) ?? '';
  }
  return {
    terminal_id: first(p, 'terminal_id'),
    terminal_vendor: first(p, 'terminal_vendor'),
    terminal_model: first(p, 'terminal_model'),
    terminal_sw_version: first(p, 'terminal_sw_version'),
    entitlement_version: first(p, 'entitlement_version'),
    vers: versNum,
    apps: parseAppParam(p.app),
    eap_id: first(p, 'eap_id'),
    imsi: first(p, 'imsi'),
    token: first(p, 'token'),
    temporary_token: first(p, 'temporary_token'),
    operator_token: first(p, 'operator_token'),
    app_name: first(p, 'app_name'),
    app_version: first(p, 'app_version'),
    notif_action: notif !== null && /^\d$/.test(notif) ? Number(notif) : null,
    notif_token: first(p, 'notif_token'),
    requestor_id: first(p, 'requestor_id'),
    gid1: first(p, 'gid1'),
    gid2: first(p, 'gid2'),
    boost_type: first(p, 'boost_type'),
    odsa,
  };
}

/**
 * Required parameters that are missing, spelled as in TS.43: `terminal_id`
 * (unless `requestor_id`), `entitlement_version`, `app`, and one way to
 * authenticate (`EAP_ID`, `IMSI` + `token`, `temporary_token` or `operator_token`) unless `authOptional`.
 */
export function missingParams(r: Ts43Request, opts: { authOptional?: boolean } = {}): string[] {
  const missing: string[] = [];
  if (r.terminal_id === null && r.requestor_id === null) missing.push('terminal_id');
  if (r.entitlement_version === null) missing.push('entitlement_version');
  if (r.apps.length === 0) missing.push('app');
  if (!opts.authOptional && r.eap_id === null && r.temporary_token === null && r.operator_token === null) {
    if (r.token !== null && r.imsi === null) missing.push('IMSI');
    else if (r.token === null) missing.push(r.imsi !== null ? 'token' : 'EAP_ID');
  }
  return missing;
}

/** The 400 body of TS43.md: `Missing required parameters: ["terminal_id"]`. */
export const missingParamsMessage = (missing: readonly string[]): string => `Missing required parameters: ${JSON.stringify(missing)}`;

// ---------------------------------------------------------------------------
// EAP_ID (TS 23.003 §19.3.2): 0<IMSI>@nai.epc.mnc<MNC>.mcc<MCC>.3gppnetwork.org

export interface EapIdentity {
  /** '0' EAP-AKA permanent, '6' EAP-AKA' permanent, or another leading digit. */
  prefix: string;
  imsi: string;
  realm: string;
}

/** Parse a permanent NAI; null when it is not `<digit><IMSI 6-15 digits>@realm`. */
export function parseEapId(nai: string): EapIdentity | null {
  const m = /^([0-9])([0-9]{6,15})@([A-Za-z0-9.-]+)$/.exec(nai.trim());
  if (!m) return null;
  return { prefix: m[1]!, imsi: m[2]!, realm: m[3]!.toLowerCase() };
}

// ---------------------------------------------------------------------------
// User-Agent (§2.2.1): PRD-TS43 term-<vendor>/<model> client-<client>/<ver> OS-<os>/<ver>

export interface Ts43UserAgent {
  raw: string;
  /** True when it starts with the PRD-TS43 product token. */
  ts43: boolean;
  terminal_vendor: string | null;
  terminal_model: string | null;
  client: string | null;
  client_version: string | null;
  os: string | null;
  os_version: string | null;
}

/**
 * Parse what is there; never reject. Fields are found by their keyword, not
 * by splitting on spaces: models contain spaces (`term-Goog/Pixel 8`), and
 * some Android paths omit the `client-` token (`term-Omni/TestPhone /1.0 OS-Android/14`).
 */
export function parseUserAgent(ua: string | undefined | null): Ts43UserAgent {
  // A handful of User-Agent strings make up a fleet's traffic: parsed once each (bounded), copied per call.
  const key = ua ?? '';
  const hit = parsedUserAgents.get(key);
  if (hit) return { ...hit };
  const parsed = parseUserAgentText(key);
  parsedUserAgents.set(key, parsed);
  return { ...parsed };
}

const parsedUserAgents = new RecentMap<string, Ts43UserAgent>(512);

function parseUserAgentText(ua: string): Ts43UserAgent {
  const raw = ua.trim();
  const out: Ts43UserAgent = {
    raw,
    ts43: /^PRD-TS43\b/i.test(raw),
    terminal_vendor: null,
    terminal_model: null,
    client: null,
    client_version: null,
    os: null,
    os_version: null,
  };
  const marks = [...raw.matchAll(/(?:^|\s)(term-|client-|OS-)/gi)].map((m) => ({
    key: m[1]!.toLowerCase(),
    start: m.index! + m[0].length,
    at: m.index!,
  }));
  const bareVersion = /\s\/([^\s/]+)(?=\s+OS-|$)/i.exec(raw);
  marks.forEach((mk, i) => {
    let end = i + 1 < marks.length ? marks[i + 1]!.at : raw.length;
    let text = raw.slice(mk.start, end).trim();
    if (mk.key === 'term-' && bareVersion && !marks.some((x) => x.key === 'client-')) {
      // `term-Omni/TestPhone /1.0 OS-Android/14`: the client token lost its name.
      const cut = text.lastIndexOf(' /');
      if (cut > 0) text = text.slice(0, cut).trim();
      out.client_version = bareVersion[1]!;
      end = mk.start + cut;
    }
    const slash = text.indexOf('/');
    const name = slash < 0 ? text : text.slice(0, slash);
    const rest = slash < 0 ? null : text.slice(slash + 1);
    if (mk.key === 'term-') {
      out.terminal_vendor = name || null;
      out.terminal_model = rest || null;
    } else if (mk.key === 'client-') {
      out.client = name || null;
      out.client_version = rest || null;
    } else {
      out.os = name || null;
      out.os_version = rest || null;
    }
  });
  return out;
}
