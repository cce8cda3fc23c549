/**
 * Reading a TS.43 server's answers (TS43.md § Response, § Authentication):
 * the EAP relay body `{"eap-relay-packet": base64}` and the configuration
 * document, XML (`text/vnd.wap.connectivity-xml`, a wap-provisioningdoc) or
 * JSON. Pure: bytes in, a normalised object out. Whatever the server sent,
 * these either return a result or throw `DecodeError` (protocol `ts43`).
 *
 * The token of the document is a credential: it is held in a `Secret`, and
 * `displayApps` masks the `token=` inside ServiceFlow_UserData.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DecodeError } from '../codec/decode-error.js';
import { parseXmlDocument as parseStrictXml, type XmlElement as StrictElement } from '../codec/xcap/xml.js';
import { Secret } from '../util/secret.js';
import { EAP_RELAY_TYPE, JSON_TYPE, XML_TYPE } from './request.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface EntitlementDocument {
  format: 'xml' | 'json';
  vers?: { version: string; validity?: string };
  token?: { token: Secret<string>; validity?: string };
  /** One entry per APPLICATION, keyed by its AppID, parameters as the server named them. */
  apps: Record<string, Record<string, JsonValue>>;
  /** Things a real Android client would trip on (TS43.md § Client contract). */
  warnings: string[];
}

export type ServerAnswer =
  | { kind: 'eap'; packet: Buffer; warnings: string[] }
  | { kind: 'document'; document: EntitlementDocument }
  | { kind: 'empty' };

const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();

/**
 * The packet in `eap-relay-packet`. Android decodes the standard alphabet and
 * silently skips anything else, so base64url from a server garbles the
 * packet on a phone: flagged as a warning (the packet is decoded as Android would).
 */
export function decodeRelayPacket(value: unknown): { packet: Buffer; warnings: string[] } {
  if (typeof value !== 'string') throw new DecodeError('ts43', 0, 'eap-relay-packet is not a string');
  const warnings: string[] = [];
  if (/[^A-Za-z0-9+/=\s]/.test(value)) {
    warnings.push('eap-relay-packet holds characters outside standard base64; Android skips them (garbled packet)');
  }
  const clean = value.replace(/[^A-Za-z0-9+/]/g, '');
  const packet = Buffer.from(clean, 'base64');
  if (packet.length === 0) throw new DecodeError('ts43', 0, 'eap-relay-packet is empty');
  return { packet, warnings };
}

/** Classify and decode one response body by its Content-Type (falling back on the body's first character). */
export function parseServerAnswer(contentType: string | undefined, body: string): ServerAnswer {
  const type = mediaType(contentType);
  const text = body.trim();
  if (text.length === 0) return { kind: 'empty' };
  if (type === XML_TYPE || type.endsWith('/xml') || type.endsWith('+xml') || (!type.includes('json') && text.startsWith('<'))) {
    return { kind: 'document', document: parseXmlDocument(text) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DecodeError('ts43', 0, `body is neither XML nor JSON (Content-Type ${type || 'missing'})`);
  }
  if (isObject(json) && 'eap-relay-packet' in json) {
    const { packet, warnings } = decodeRelayPacket(json['eap-relay-packet']);
    if (type !== EAP_RELAY_TYPE) warnings.push(`EAP relay body with Content-Type ${type || 'missing'}, expected ${EAP_RELAY_TYPE}`);
    return { kind: 'eap', packet, warnings };
  }
  if (type !== JSON_TYPE && type !== '') {
    // Still try: a JSON document under another media type is reported, not refused.
    const doc = parseJsonDocument(json);
    doc.warnings.push(`JSON document with Content-Type ${type}`);
    return { kind: 'document', document: doc };
  }
  return { kind: 'document', document: parseJsonDocument(json) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------
// XML: <wap-provisioningdoc><characteristic type="..."><parm name=".." value=".."/>...

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (name) => name === 'characteristic' || name === 'parm',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
});

interface XmlCharacteristic {
  '@_type'?: string;
  parm?: Array<{ '@_name'?: string; '@_value'?: string }>;
  characteristic?: XmlCharacteristic[];
}

/** A characteristic as a plain object: parms as keys, nested characteristics by type (an array when repeated). */
function characteristicToObject(c: XmlCharacteristic): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const p of c.parm ?? []) {
    if (typeof p['@_name'] === 'string') out[p['@_name']] = p['@_value'] ?? '';
  }
  for (const child of c.characteristic ?? []) {
    const type = child['@_type'] ?? 'characteristic';
    const value = characteristicToObject(child);
    const prev = out[type];
    if (prev === undefined) out[type] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[type] = [prev, value];
  }
  return out;
}

/**
 * The common document on a fast path: no reference but the five predefined entities (which fast-xml-parser decodes
 * as XML does; it leaves character references as written), no `<!` (comment, CDATA, DOCTYPE) and no white space
 * other than spaces inside an attribute value, a `wap-provisioningdoc` root with a characteristic in
 * it. Such text is parsed by the XCAP codec's strict parser (src/codec/xcap/xml.ts), whose tree is turned into the
 * shape fast-xml-parser gives with this file's options (element and attribute names as written, attribute values
 * trimmed); anything else, and anything that parser refuses, returns null and takes the fast-xml-parser path, which
 * then decides (and words) the outcome as it always has. Equivalence is tested on mutated documents
 * (document.test.ts). It saves most of the simulator's CPU for the document (validate, then parse, with
 * fast-xml-parser: ≈ 135 µs per authentication in load mode; docs/performance.md § Ninth round). The daemon's own
 * shape is read before that by `scanProvisioningDoc` (below), which leaves everything else to this path.
 */
export function fastProvisioningDoc(text: string): Record<string, unknown> | null {
  const scanned = scanProvisioningDoc(text);
  if (scanned) return scanned;
  if (/&(?!(?:amp|lt|gt|quot|apos);)/.test(text) || text.includes('<!') || /=\s*("[^"]*[\t\n\r]|'[^']*[\t\n\r])/.test(text)) return null;
  let root: StrictElement;
  try {
    root = parseStrictXml(text);
  } catch {
    return null;
  }
  if (root.name !== 'wap-provisioningdoc' || !root.children.some((c) => c.kind === 'element' && c.name === 'characteristic')) return null;
  return { 'wap-provisioningdoc': asCharacteristic(root) };
}

/** The five predefined entities: the only references the scanner decodes (anything else after `&` refuses). */
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
/** An attribute value as the scanner takes it: no `"`, `<` or control character; `&` only as one of the five. */
const PLAIN = '[^"<&\\u0000-\\u001f\\ud800-\\udfff\\ufffe\\uffff]*';
const VALUE = `${PLAIN}(?:&(?:amp|lt|gt|quot|apos);${PLAIN})*`;
const SPACE = '[ \\t\\n\\r]*';
/** The document's start: an optional version 1.0 declaration, then the root with at most a `version` attribute. */
const SCAN_HEAD = new RegExp(`^(?:<\\?xml version="1\\.0"(?: encoding="[Uu][Tt][Ff]-8")?\\?>)?${SPACE}<wap-provisioningdoc(?: version="${VALUE}")?>`, 'y');
/** One tag inside the root, after white space: a characteristic's start (or empty element), a parm, or an end tag. */
const SCAN_TAG = new RegExp(`${SPACE}<(?:characteristic type="(${VALUE})"(/?)>|parm name="(${VALUE})" value="(${VALUE})"/>|/(characteristic|wap-provisioningdoc)>)`, 'y');
/** What may follow the root's end tag: white space to the end. */
const SCAN_END = /[ \t\n\r]*$/y;
const unescapeValue = (v: string): string => (v.includes('&') ? v.replace(/&(?:amp|lt|gt|quot|apos);/g, (e) => ENTITIES[e]!) : v);

/**
 * The daemon's own shape of the document, by one pass of sticky regular expressions: the declaration and root as
 * above, then only `<characteristic type="…">`, `<characteristic type="…"/>`, `<parm name="…" value="…"/>` and end
 * tags, written exactly so (double quotes, one space, attributes in that order), white space between them and
 * nothing else, every element closed in order, nothing but white space after the root. Anything else returns null
 * and goes to the strict parser below, which decides as before. The tree is the one the strict path builds
 * (values trimmed), and so fast-xml-parser's (document.test.ts checks both on mutated documents). It reads the
 * daemon's ≈ 1 KiB document in a few microseconds where the strict parser takes ≈ 50 (docs/performance.md
 * § Forty-sixth round): the simulator reads one a full authentication.
 */
export function scanProvisioningDoc(text: string): Record<string, unknown> | null {
  SCAN_HEAD.lastIndex = 0;
  if (!SCAN_HEAD.test(text)) return null;
  const root: XmlCharacteristic = {};
  const open: XmlCharacteristic[] = [root];
  let at = SCAN_HEAD.lastIndex;
  let any = false;
  for (;;) {
    SCAN_TAG.lastIndex = at;
    const m = SCAN_TAG.exec(text);
    if (!m) return null;
    at = SCAN_TAG.lastIndex;
    const parent = open[open.length - 1]!;
    if (m[1] !== undefined) {
      const c: XmlCharacteristic = { '@_type': unescapeValue(m[1]).trim() };
      (parent.characteristic ??= []).push(c);
      if (open.length === 1) any = true;
      if (m[2] !== '/') open.push(c);
    } else if (m[3] !== undefined) {
      (parent.parm ??= []).push({ '@_name': unescapeValue(m[3]).trim(), '@_value': unescapeValue(m[4]!).trim() });
    } else if (m[5] === 'characteristic') {
      if (open.length === 1) return null;
      open.pop();
    } else {
      // </wap-provisioningdoc>: every characteristic closed, nothing but white space after it.
      SCAN_END.lastIndex = at;
      if (open.length !== 1 || !any || !SCAN_END.test(text)) return null;
      return { 'wap-provisioningdoc': root };
    }
  }
}

function asCharacteristic(el: StrictElement): XmlCharacteristic {
  const out: XmlCharacteristic = {};
  for (const a of el.attrs) if (a.name === 'type') out['@_type'] = a.value.trim();
  for (const c of el.children) {
    if (c.kind !== 'element') continue;
    if (c.name === 'characteristic') (out.characteristic ??= []).push(asCharacteristic(c));
    else if (c.name === 'parm') {
      const p: { '@_name'?: string; '@_value'?: string } = {};
      for (const a of c.attrs) if (a.name === 'name' || a.name === 'value') p[`@_${a.name}`] = a.value.trim();
      (out.parm ??= []).push(p);
    }
  }
  return out;
}

/** fast-xml-parser's validation, then its parse: the tree every document is read from but the fast path's. */
export function fullProvisioningDoc(text: string): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new DecodeError('xml', valid.err.line, `invalid XML: ${valid.err.msg}`);
  try {
    return xml.parse(text) as Record<string, unknown>;
  } catch (e) {
    // The validator passes some text the parser then refuses (found by the fuzz harness: "Pi Tag is not closed").
    throw new DecodeError('xml', 0, `invalid XML: ${(e as Error).message}`);
  }
}

export function parseXmlDocument(text: string): EntitlementDocument {
  const parsed = fastProvisioningDoc(text) ?? fullProvisioningDoc(text);
  const warnings: string[] = [];
  // Android's parser decodes only &amp; (TS43.md § Client contract).
  const entities = text.includes('&') ? text.match(/&(?!amp;)[#a-zA-Z0-9]+;/g) : null;
  if (entities) warnings.push(`XML entities Android does not decode: ${[...new Set(entities)].join(' ')}`);
  const root = parsed['wap-provisioningdoc'];
  if (!isObject(root)) throw new DecodeError('xml', 0, 'no wap-provisioningdoc element');
  const doc: EntitlementDocument = { format: 'xml', apps: {}, warnings };
  for (const c of (root.characteristic as XmlCharacteristic[] | undefined) ?? []) {
    const type = (c['@_type'] ?? '').toUpperCase();
    const obj = characteristicToObject(c);
    if (type === 'VERS') doc.vers = versOf(obj);
    else if (type === 'TOKEN') doc.token = tokenOf(obj);
    else if (type === 'APPLICATION') {
      const id = String(obj.AppID ?? obj.AppId ?? obj.appid ?? '');
      if (!id) warnings.push('APPLICATION without AppID');
      else {
        const { AppID: _drop, ...rest } = obj;
        doc.apps[id] = rest;
      }
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------
// JSON: {"Vers": {...}, "Token": {...}, "ap2004": {...}} (keys case-insensitive).

export function parseJsonDocument(json: unknown): EntitlementDocument {
  if (!isObject(json)) throw new DecodeError('ts43', 0, 'JSON document is not an object');
  const doc: EntitlementDocument = { format: 'json', apps: {}, warnings: [] };
  for (const [key, value] of Object.entries(json)) {
    const k = key.toLowerCase();
    if (k === 'vers' && isObject(value)) doc.vers = versOf(value as Record<string, JsonValue>);
    else if (k === 'token' && isObject(value)) doc.token = tokenOf(value as Record<string, JsonValue>);
    else if (/^ap\d{4}$/.test(k) && isObject(value)) doc.apps[k] = value as Record<string, JsonValue>;
    else if (k === 'application') {
      for (const app of Array.isArray(value) ? value : [value]) {
        if (isObject(app) && typeof (app.AppID ?? app.appId) === 'string') {
          const { AppID: _a, appId: _b, ...rest } = app as Record<string, JsonValue>;
          doc.apps[String(app.AppID ?? app.appId).toLowerCase()] = rest;
        }
      }
    }
  }
  return doc;
}

function pick(obj: Record<string, JsonValue>, name: string): string | undefined {
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === name && v !== null && typeof v !== 'object') return String(v);
  return undefined;
}

function versOf(obj: Record<string, JsonValue>): EntitlementDocument['vers'] {
  return { version: pick(obj, 'version') ?? '', validity: pick(obj, 'validity') };
}

function tokenOf(obj: Record<string, JsonValue>): EntitlementDocument['token'] {
  const value = pick(obj, 'token');
  return value ? { token: new Secret(value), validity: pick(obj, 'validity') } : undefined;
}

/** The apps for printing: `token=` inside ServiceFlow_UserData (a credential for the websheet) masked. */
export function displayApps(apps: EntitlementDocument['apps']): Record<string, Record<string, JsonValue>> {
  const mask = (v: JsonValue): JsonValue => {
    if (typeof v === 'string') return v.replace(/(^|&)(token|temporary_token)=[^&]*/gi, '$1$2=[REDACTED]');
    if (Array.isArray(v)) return v.map(mask);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
    return v;
  };
  return mask(apps as JsonValue) as Record<string, Record<string, JsonValue>>;
}
