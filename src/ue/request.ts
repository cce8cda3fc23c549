/**
 * The HTTP requests of a TS.43 client, built exactly as Android's
 * service-entitlement library sends them (TS43.md § Authentication, "Client
 * contract"). Pure builders: no sockets, no clocks. The HTTP layer
 * (`http.ts`) sends what these return.
 *
 * - First request: `GET /?EAP_ID=...&terminal_id=...&app=...` (or, with
 *   `--post`, a `POST` of the same names as a JSON body, `app` as the string
 *   `"[ap2003,ap2004]"`) with `Accept: application/vnd.gsma.eap-relay.v1.0+json`.
 * - EAP responses: `POST` to the **bare URL** (no query string), only the
 *   cookies of the first response, JSON body `{"eap-relay-packet": base64}`.
 * - Token re-authentication: `GET /?IMSI=...&token=...` with the device fields.
 */
import type { Secret } from '../util/secret.js';

export const EAP_RELAY_TYPE = 'application/vnd.gsma.eap-relay.v1.0+json';
export const XML_TYPE = 'text/vnd.wap.connectivity-xml';
export const JSON_TYPE = 'application/json';

export type AcceptPreference = 'xml' | 'json';

export interface Terminal {
  /** IMEI or a UUID. */
  id: string;
  vendor: string;
  model: string;
  swVersion: string;
  /** Android version for the User-Agent's `OS-Android/<v>`. */
  osVersion: string;
}

export interface ClientProfile {
  /** The TS.43 server URL; requests go to its path (normally `/`). */
  url: string;
  terminal: Terminal;
  apps: readonly string[];
  entitlementVersion: string;
  /** Configuration version held by the device (`vers`, 0 = none). */
  vers: string;
  /** First request as POST with a JSON body (Android's POST mode) instead of GET. */
  post: boolean;
  accept: AcceptPreference;
  appName?: string;
  appVersion?: string;
}

/** One request to send. `headers` is a flat list of name/value pairs so repeated names (Cookie) stay separate lines. */
export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Array<[string, string]>;
  body?: string;
  /** What this request is for, for step printing. */
  purpose: 'eap_start' | 'eap_response' | 'token_auth';
}

/** Android trims the device fields (ServiceEntitlement library): vendor 4, model 10, sw version 20 characters. */
export function androidDeviceFields(t: Terminal): { vendor: string; model: string; swVersion: string } {
  return { vendor: t.vendor.slice(0, 4), model: t.model.slice(0, 10), swVersion: t.swVersion.slice(0, 20) };
}

/** TS.43 §2.2.1: `PRD-TS43 term-<vendor>/<model> client-IMS-Entitlement/<ver> OS-Android/<ver>` (spaces kept). */
export function userAgent(t: Terminal): string {
  const d = androidDeviceFields(t);
  return `PRD-TS43 term-${d.vendor}/${d.model} client-IMS-Entitlement/1.0 OS-Android/${t.osVersion}`;
}

/**
 * The Accept of the token re-authentication, whose answer is the configuration document: the
 * chosen format only (`--accept` honoured in every step; a server that prefers XML on a tie
 * would otherwise answer a JSON phone in XML).
 */
export function documentAccept(pref: AcceptPreference): string {
  return pref === 'json' ? JSON_TYPE : XML_TYPE;
}

/** The bare URL: scheme, host and path of the server URL, no query, no fragment. */
export function bareUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function commonHeaders(profile: ClientProfile): Array<[string, string]> {
  return [
    ['User-Agent', userAgent(profile.terminal)],
    ['Accept-Encoding', 'gzip'],
  ];
}

/** The request parameters in Android's order (TS43.md § Request). */
function deviceParams(profile: ClientProfile): Array<[string, string]> {
  const d = androidDeviceFields(profile.terminal);
  const out: Array<[string, string]> = [
    ['terminal_id', profile.terminal.id],
    ['terminal_vendor', d.vendor],
    ['terminal_model', d.model],
    ['terminal_sw_version', d.swVersion],
  ];
  if (profile.appName) out.push(['app_name', profile.appName]);
  if (profile.appVersion) out.push(['app_version', profile.appVersion]);
  return out;
}

function withQuery(url: string, params: Array<[string, string]>): string {
  const u = new URL(bareUrl(url));
  for (const [k, v] of params) u.searchParams.append(k, v);
  return u.toString();
}

/** The first request of an EAP-AKA exchange: GET with EAP_ID, or Android's POST mode. */
export function buildEapStart(profile: ClientProfile, eapId: string): HttpRequestSpec {
  const head: Array<[string, string]> = [['EAP_ID', eapId], ...deviceParams(profile)];
  const tail: Array<[string, string]> = [
    ['entitlement_version', profile.entitlementVersion],
    ['vers', profile.vers],
  ];
  const headers: Array<[string, string]> = [['Accept', EAP_RELAY_TYPE], ...commonHeaders(profile)];
  if (profile.post) {
    // POST mode: the same names in a JSON body, all values strings, `app` as "[ap2003,ap2004]".
    const body: Record<string, string> = Object.fromEntries([...head, ['app', `[${profile.apps.join(',')}]`], ...tail]);
    return {
      method: 'POST',
      url: bareUrl(profile.url),
      headers: [...headers, ['Content-Type', JSON_TYPE]],
      body: JSON.stringify(body),
      purpose: 'eap_start',
    };
  }
  const apps: Array<[string, string]> = profile.apps.map((a) => ['app', a]);
  return { method: 'GET', url: withQuery(profile.url, [...head, ...apps, ...tail]), headers, purpose: 'eap_start' };
}

/** An EAP-Response relayed to the server: POST to the bare URL with the first response's cookies, one line each. */
export function buildEapResponse(profile: ClientProfile, packet: Buffer, cookies: readonly string[]): HttpRequestSpec {
  const accept = profile.accept === 'json' ? `${EAP_RELAY_TYPE}, ${JSON_TYPE}` : `${EAP_RELAY_TYPE}, ${JSON_TYPE}, ${XML_TYPE}`;
  return {
    method: 'POST',
    url: bareUrl(profile.url),
    headers: [
      ['Content-Type', EAP_RELAY_TYPE],
      ['Accept', accept],
      ...commonHeaders(profile),
      ...cookies.map((c): [string, string] => ['Cookie', c]),
    ],
    body: JSON.stringify({ 'eap-relay-packet': packet.toString('base64') }),
    purpose: 'eap_response',
  };
}

/** Fast re-authentication with the token the server issued (TS.43 §2.8.5): `GET /?IMSI=...&token=...`. */
export function buildTokenAuth(profile: ClientProfile, imsi: string, token: Secret<string>): HttpRequestSpec {
  const apps: Array<[string, string]> = profile.apps.map((a) => ['app', a]);
  const params: Array<[string, string]> = [
    ['IMSI', imsi],
    ['token', token.reveal()],
    ...deviceParams(profile),
    ...apps,
    ['entitlement_version', profile.entitlementVersion],
    ['vers', profile.vers],
  ];
  return {
    method: 'GET',
    url: withQuery(profile.url, params),
    headers: [['Accept', documentAccept(profile.accept)], ...commonHeaders(profile)],
    purpose: 'token_auth',
  };
}

/** A request as it may be printed: the token value in a query string replaced by `[REDACTED]`. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  for (const name of ['token', 'temporary_token', 'notif_token']) {
    if (u.searchParams.has(name)) u.searchParams.set(name, '[REDACTED]');
  }
  return u.toString().replace(/%5BREDACTED%5D/g, '[REDACTED]');
}
