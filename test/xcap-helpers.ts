/** Shared by the test/xcap-*.test.ts files: a real daemon with XCAP, an HTTP client for it, Digest on the client side. */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { parseXmlDocument, childElements } from '../src/codec/xcap/xml.js';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';

export const MSISDN = '15551234567';
export const OTHER = '15559990000';
export const TEL = `tel:+${MSISDN}`;
export const DOC_PATH = `/simservs.ngn.etsi.org/users/${encodeURIComponent(TEL)}/simservs.xml`;
export const OTHER_DOC_PATH = `/simservs.ngn.etsi.org/users/tel:+${OTHER}/simservs.xml`;
export const CDIV = '/~~/simservs/communication-diversion';
export const RULESET = `${CDIV}/cp:ruleset`;
export const rule = (id: string) => `${RULESET}/cp:rule%5B@id=%22${id}%22%5D`;
export const PASSWORD = 'correct horse battery';

export interface XcapResponse { status: number; headers: Record<string, string | string[] | undefined>; text: string }

export interface XcapDaemon extends TestDaemon {
  base: string;
  /** One XCAP request; `as` adds X-3GPP-Asserted-Identity (the daemon trusts 127.0.0.1 unless told otherwise). */
  xcap(method: string, path: string, opts?: { body?: string | Buffer; type?: string; headers?: Record<string, string>; as?: string | null }): Promise<XcapResponse>;
}

export async function startXcapDaemon(sets: string[] = ['xcap.trusted_proxies=["127.0.0.1"]']): Promise<XcapDaemon> {
  const d = await startTestDaemon(sets);
  const base = d.addresses.http.url!;
  // Provision two subscribers through the admin API (an XCAP profile counts as provisioning).
  for (const m of [MSISDN, OTHER]) {
    const r = await d.call('POST', `/api/xcap/${m}`, { password: PASSWORD });
    if (r.status !== 200) throw new Error(`provisioning ${m}: ${r.status} ${r.text}`);
  }
  return {
    ...d,
    base,
    async xcap(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const as = opts.as === undefined ? TEL : opts.as;
      if (as) headers['x-3gpp-asserted-identity'] = `<${as}>`;
      if (opts.type) headers['content-type'] = opts.type;
      const r = await request(`${base}${path}`, { method: method as 'GET', headers, body: opts.body });
      return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
    },
  };
}

/** The RFC 4825 error condition of a 409 body (checks the namespace and media type on the way). */
export function errorCondition(r: XcapResponse): string {
  if (r.headers['content-type'] !== 'application/xcap-error+xml') throw new Error(`content-type ${String(r.headers['content-type'])}: ${r.text}`);
  const root = parseXmlDocument(r.text);
  if (root.ns !== 'urn:ietf:params:xml:ns:xcap-error' || root.local !== 'xcap-error') throw new Error(`not an xcap-error document: ${r.text}`);
  return childElements(root)[0]!.local;
}

/** A Digest Authorization header answering a challenge (RFC 7616, qop=auth). */
export function digestAuthorization(opts: {
  challenge: string; method: string; uri: string; username: string; password: string; nc?: number; cnonce?: string;
}): string {
  const get = (k: string) => new RegExp(`${k}="?([^",]+)"?`).exec(opts.challenge)?.[1] ?? '';
  const alg = get('algorithm') || 'MD5';
  const H = (s: string) => createHash(alg === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');
  const realm = get('realm');
  const nonce = get('nonce');
  const nc = (opts.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = opts.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = H(`${opts.username}:${realm}:${opts.password}`);
  const ha2 = H(`${opts.method}:${opts.uri}`);
  const response = H(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${opts.username}", realm="${realm}", nonce="${nonce}", uri="${opts.uri}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="xcap"`;
}
