/**
 * The TS.43 provisioning document (GSMA TS.43 §2.9; OMA DM `wap-provisioningdoc`)
 * as a tree of characteristics, and its two renderings: XML
 * (`text/vnd.wap.connectivity-xml`) and JSON. Pure.
 *
 * XML values are escaped by fast-xml-parser's builder; the catalog keeps values
 * free of `<`, `>` and `"`, so the only entity a phone sees is `&amp;`
 * (Android decodes only that one — TS43.md client contract).
 */
import { XMLBuilder } from 'fast-xml-parser';
import { storableText } from '../../util/terminal-text.js';

export interface Characteristic {
  type: string;
  /** `parm` elements in order: [name, value]. */
  parms: Array<[string, string]>;
  children: Characteristic[];
  /** JSON: render this characteristic's children of one type as an array even when there is one. */
  listChildren?: boolean;
  /** JSON: this list characteristic becomes an array of one-key objects `[{"<item type>": {...}}]` (TS.43 §6 ODSA lists, ODSA.md). */
  wrapItems?: boolean;
}

export interface ProvisioningDoc {
  vers: { version: number; validity: number };
  token?: { token: string; validity: number } | undefined;
  /** One APPLICATION characteristic per requested app, AppID first. */
  applications: Characteristic[];
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  processEntities: true,
});

type XmlNode = Record<string, unknown>;

function toXmlNode(c: Characteristic): XmlNode {
  const node: XmlNode = { '@_type': c.type };
  // XML 1.0 §2.2 Char: whatever reached here (stored before validation refused it) loses its control/bidi characters.
  if (c.parms.length) node.parm = c.parms.map(([name, value]) => ({ '@_name': storableText(name), '@_value': storableText(value) }));
  if (c.children.length) node.characteristic = c.children.map(toXmlNode);
  return node;
}

export function versCharacteristic(doc: ProvisioningDoc): Characteristic {
  return { type: 'VERS', parms: [['version', String(doc.vers.version)], ['validity', String(doc.vers.validity)]], children: [] };
}

export function tokenCharacteristic(doc: ProvisioningDoc): Characteristic | null {
  return doc.token ? { type: 'TOKEN', parms: [['token', doc.token.token], ['validity', String(doc.token.validity)]], children: [] } : null;
}

export function renderXml(doc: ProvisioningDoc): string {
  const top = [versCharacteristic(doc), tokenCharacteristic(doc), ...doc.applications].filter((c): c is Characteristic => c !== null);
  const body = builder.build({ 'wap-provisioningdoc': { '@_version': '1.1', characteristic: top.map(toXmlNode) } }) as string;
  // Values sit in double-quoted attributes, where an apostrophe needs no escaping — and Android's
  // parser would show `&apos;` as text (it decodes only `&amp;`).
  return `<?xml version="1.0" encoding="utf-8"?>\n${body.replace(/&apos;/g, "'")}`;
}

type JsonValue = string | JsonObject | JsonObject[];
interface JsonObject {
  [k: string]: JsonValue;
}

function toJsonObject(c: Characteristic): JsonObject {
  const o: JsonObject = {};
  for (const [k, v] of c.parms) o[k] = storableText(v);
  const byType = new Map<string, Characteristic[]>();
  for (const ch of c.children) byType.set(ch.type, [...(byType.get(ch.type) ?? []), ch]);
  for (const [type, list] of byType) {
    const only = list.length === 1 ? list[0]! : undefined;
    o[type] = only?.wrapItems ? only.children.map((x) => ({ [x.type]: toJsonObject(x) })) : only && !c.listChildren ? toJsonObject(only) : list.map(toJsonObject);
  }
  return o;
}

/**
 * JSON: `{"Vers": {...}, "Token": {...}, "ap2004": {...}}` — each application
 * keyed by its AppID, its parameters (without AppID) and nested characteristics.
 */
export function renderJson(doc: ProvisioningDoc): string {
  const out: JsonObject = { Vers: toJsonObject(versCharacteristic(doc)) };
  const tok = tokenCharacteristic(doc);
  if (tok) out.Token = toJsonObject(tok);
  for (const app of doc.applications) {
    const id = app.parms.find(([k]) => k === 'AppID')?.[1] ?? 'unknown';
    out[id] = toJsonObject({ ...app, parms: app.parms.filter(([k]) => k !== 'AppID') });
  }
  return JSON.stringify(out);
}

export const renderDocument = (doc: ProvisioningDoc, format: 'xml' | 'json'): string => (format === 'xml' ? renderXml(doc) : renderJson(doc));
