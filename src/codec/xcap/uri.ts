/**
 * XCAP URIs (RFC 4825 §6): document URI of the simservs application usage
 * (ETSI TS 183 023 / 3GPP TS 24.623 §5.2: AUID `simservs.ngn.etsi.org`,
 * document `simservs.xml` in the user tree), node selectors (§6.3) with the
 * namespace bindings of the query component (§6.4), XUIs (§4) mapped to an
 * MSISDN, and selector evaluation over the DOM of ./xml.ts. Pure.
 *
 * Every failure is a DecodeError('xcap', offset, reason): the HTTP layer
 * answers 400 (malformed URI or selector) or 404 (a well-formed URI that
 * names nothing omnisep serves).
 */
import { DecodeError } from '../decode-error.js';
import { childElements, getAttr, isNcName, splitQName, type XmlElement } from './xml.js';

export const SIMSERVS_AUID = 'simservs.ngn.etsi.org';
export const SIMSERVS_DOCUMENT = 'simservs.xml';
export const SIMSERVS_NS = 'http://uri.etsi.org/ngn/params/xml/simservs/xcap';
export const COMMON_POLICY_NS = 'urn:ietf:params:xml:ns:common-policy';
export const XCAP_ERROR_NS = 'urn:ietf:params:xml:ns:xcap-error';
export const XCAP_CAPS_AUID = 'xcap-caps';
export const XCAP_CAPS_NS = 'urn:ietf:params:xml:ns:xcap-caps';

/**
 * Prefix bindings a selector may use without an `xmlns()` query (docs/xcap.md):
 * phones address `cp:rule` without declaring `cp`. A query binding overrides these.
 * Unprefixed element names are in the application usage's default namespace (RFC 4825 §6.3).
 */
export const DEFAULT_SELECTOR_BINDINGS: ReadonlyMap<string, string> = new Map([
  ['cp', COMMON_POLICY_NS],
  ['ss', SIMSERVS_NS],
]);

export interface QName { prefix: string | null; local: string }

/** One step of an element selector: `name`, `name[n]`, `name[@a="v"]`, `name[n][@a="v"]`, `*`... */
export interface Step {
  /** null = the wildcard `*`. */
  name: QName | null;
  position?: number;
  attr?: { name: QName; value: string };
}

export interface NodeSelector {
  steps: Step[];
  /** A final `@attr` step (attribute resource). */
  attribute?: QName;
}

export type XcapTarget =
  | { kind: 'caps' }
  | { kind: 'document'; xui: string }
  | { kind: 'node'; xui: string; selector: NodeSelector; selectorText: string; bindings: Map<string, string> };

const fail = (offset: number, reason: string): never => {
  throw new DecodeError('xcap', offset, reason);
};

function pctDecode(s: string, offset: number): string {
  // Nothing to decode (the usual XUI): the text as it is, which is what decodeURIComponent would give.
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return fail(offset, 'bad percent-encoding');
  }
}

/**
 * Parse the query component: a sequence of `xmlns(prefix=namespace)` (RFC 4825 §6.4,
 * XPointer xmlns() scheme). Returns the bindings.
 */
export function parseXmlnsQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  const s = pctDecode(query, 0);
  let i = 0;
  while (i < s.length) {
    if (!s.startsWith('xmlns(', i)) fail(i, 'query must be xmlns(prefix=namespace) bindings');
    // Namespace URIs cannot hold an unbalanced ')' per the XPointer escaping rules; we read to the next ')'.
    const close = s.indexOf(')', i);
    if (close < 0) fail(i, 'unterminated xmlns()');
    const body = s.slice(i + 6, close);
    const eq = body.indexOf('=');
    if (eq < 0) fail(i, 'xmlns() needs prefix=namespace');
    const prefix = body.slice(0, eq).trim();
    const uri = body.slice(eq + 1).trim();
    if (!isNcName(prefix) || !uri) fail(i, 'bad xmlns() binding');
    out.set(prefix, uri);
    i = close + 1;
    while (s[i] === ' ') i++;
  }
  return out;
}

function parseQName(s: string, offset: number): QName {
  const [prefix, local] = splitQName(s);
  if ((prefix !== null && !isNcName(prefix)) || !isNcName(local)) fail(offset, `bad name "${s}"`);
  return { prefix, local };
}

/** Split a decoded selector on '/' outside quotes and brackets. */
function splitSteps(sel: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < sel.length; i++) {
    const c = sel[i]!;
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '/' && depth === 0) { out.push({ text: sel.slice(start, i), offset: start }); start = i + 1; }
  }
  if (quote || depth !== 0) fail(sel.length, 'unbalanced quote or bracket in the node selector');
  out.push({ text: sel.slice(start), offset: start });
  return out;
}

function parseStep(text: string, offset: number): Step {
  const m = /^([^[\]]+)((?:\[[^\]"']*(?:"[^"]*"|'[^']*')?[^\]"']*\])*)$/.exec(text);
  if (!m) return fail(offset, `bad step "${text}"`);
  const step: Step = { name: m[1] === '*' ? null : parseQName(m[1]!, offset) };
  const preds = [...m[2]!.matchAll(/\[([^\]"']*(?:"[^"]*"|'[^']*')?[^\]"']*)\]/g)].map((p) => p[1]!.trim());
  if (preds.length > 2) fail(offset, 'at most a position and an attribute test per step');
  preds.forEach((p, idx) => {
    if (/^[0-9]+$/.test(p)) {
      if (idx !== 0 || step.position !== undefined) fail(offset, 'the position comes first in a step');
      const n = Number(p);
      if (n < 1 || n > 1_000_000) fail(offset, 'position out of range');
      step.position = n;
      return;
    }
    const a = /^@([^=\s]+)\s*=\s*(?:"([^"]*)"|'([^']*)')$/.exec(p);
    if (!a || step.attr) fail(offset, `bad predicate [${p}]`);
    step.attr = { name: parseQName(a![1]!, offset), value: a![2] ?? a![3] ?? '' };
  });
  return step;
}

/** Parse a decoded node selector (the part after `/~~/`). */
export function parseNodeSelector(sel: string): NodeSelector {
  if (!sel) fail(0, 'empty node selector');
  const parts = splitSteps(sel);
  const out: NodeSelector = { steps: [] };
  parts.forEach((p, i) => {
    if (!p.text) fail(p.offset, 'empty step in the node selector');
    if (p.text.startsWith('@')) {
      if (i !== parts.length - 1 || i === 0) fail(p.offset, 'an attribute selector must be the last step');
      out.attribute = parseQName(p.text.slice(1), p.offset);
    } else if (p.text === 'namespace::*' || p.text.includes('::') || p.text.startsWith('.')) {
      fail(p.offset, `unsupported selector step "${p.text}"`);
    } else out.steps.push(parseStep(p.text, p.offset));
  });
  return out;
}

/** Serialise a selector back (for no-parent ancestors and logs). */
export function formatNodeSelector(sel: NodeSelector): string {
  const q = (n: QName) => (n.prefix ? `${n.prefix}:${n.local}` : n.local);
  const steps = sel.steps.map((s) => {
    let t = s.name ? q(s.name) : '*';
    if (s.position !== undefined) t += `[${s.position}]`;
    if (s.attr) t += `[@${q(s.attr.name)}="${s.attr.value}"]`;
    return t;
  });
  if (sel.attribute) steps.push(`@${q(sel.attribute)}`);
  return steps.join('/');
}

const CAPS_PATH = `/${XCAP_CAPS_AUID}/global/index`;
/** Where the simservs documents live under the XCAP root (RFC 4825 §6: `/<auid>/users/<xui>/…`). */
export const SIMSERVS_USERS_PATH = `/${SIMSERVS_AUID}/users/`;

/**
 * Parse a request path + query into an XCAP target. `root` is the configured
 * XCAP root prefix ("" or e.g. "/xcap-root"). Returns null when the path is
 * not under the XCAP root or not for an AUID omnisep serves (→ 404).
 */
export function parseXcapUri(rawPath: string, rawQuery: string, root = ''): XcapTarget | null {
  const prefix = root.endsWith('/') ? root.replace(/\/+$/, '') : root;
  if (prefix && !(rawPath === prefix || rawPath.startsWith(prefix + '/'))) return null;
  const path = prefix ? rawPath.slice(prefix.length) : rawPath;
  if (path === CAPS_PATH) return { kind: 'caps' };
  const base = SIMSERVS_USERS_PATH;
  if (!path.startsWith(base)) return null;
  const rest = path.slice(base.length);
  const sepAt = rest.indexOf('/~~/');
  const docPart = sepAt < 0 ? rest : rest.slice(0, sepAt);
  const slash = docPart.indexOf('/');
  if (slash <= 0) return null;
  const xui = pctDecode(docPart.slice(0, slash), prefix.length + base.length);
  if (docPart.slice(slash + 1) !== SIMSERVS_DOCUMENT) return null;
  if (!xui) fail(prefix.length + base.length, 'empty XUI');
  if (sepAt < 0) {
    if (rawQuery) fail(rawPath.length, 'a query is only allowed with a node selector');
    return { kind: 'document', xui };
  }
  const selectorText = pctDecode(rest.slice(sepAt + 4), prefix.length + base.length + sepAt + 4);
  const selector = parseNodeSelector(selectorText);
  const bindings = new Map(DEFAULT_SELECTOR_BINDINGS);
  if (rawQuery) for (const [p, u] of parseXmlnsQuery(rawQuery)) bindings.set(p, u);
  for (const s of selector.steps) {
    for (const n of [s.name, s.attr?.name]) if (n?.prefix && !bindings.has(n.prefix)) fail(0, `unbound prefix ${n.prefix} in the node selector`);
  }
  if (selector.attribute?.prefix && !bindings.has(selector.attribute.prefix)) fail(0, `unbound prefix ${selector.attribute.prefix}`);
  return { kind: 'node', xui, selector, selectorText, bindings };
}

/** Is `s[from, to)` an optional `+` then 5 to 15 ASCII digits (and nothing else)? */
function isE164ish(s: string, from: number, to: number): boolean {
  if (s.charCodeAt(from) === 43) from++; // '+'
  const n = to - from;
  if (n < 5 || n > 15) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The usual XUIs, `sip:+15551234567@host` and `tel:+15551234567` (scheme in lower case, no parameters and no
 * visual separators), read without the patterns below; undefined for anything else, which the patterns decide.
 * Every request of a trusted proxy's XCAP GET reads two (docs/performance.md § Thirty-sixth round).
 */
function plainXuiMsisdn(xui: string): string | undefined {
  if (xui.startsWith('tel:+')) {
    return isE164ish(xui, 4, xui.length) ? xui.slice(5) : undefined;
  }
  const from = xui.startsWith('sip:') ? 4 : xui.startsWith('sips:') ? 5 : -1;
  if (from < 0) return undefined;
  const at = xui.indexOf('@', from);
  // One '@' with a host after it (a parameter before it fails the digits).
  if (at < 0 || at === xui.length - 1 || xui.indexOf('@', at + 1) >= 0) return undefined;
  if (!isE164ish(xui, from, at)) return undefined;
  return xui.slice(xui.charCodeAt(from) === 43 ? from + 1 : from, at);
}

/**
 * XUI (RFC 4825 §4) → MSISDN digits (no '+'): `tel:+15551234567` (visual
 * separators allowed, RFC 3966), `sip:+15551234567@ims.example.com;user=phone`,
 * `sips:` alike. Returns null when the XUI carries no global E.164 number.
 */
export function xuiToMsisdn(xui: string): string | null {
  return plainXuiMsisdn(xui) ?? xuiToMsisdnByPattern(xui);
}

/** `xuiToMsisdn` by its patterns alone: every XUI's answer, the plain ones' included (the tests hold the two together). */
export function xuiToMsisdnByPattern(xui: string): string | null {
  let m = /^tel:([^;]+)(;.*)?$/i.exec(xui);
  if (m) {
    const n = m[1]!.replace(/[-.()]/g, '');
    return /^\+[0-9]{5,15}$/.test(n) ? n.slice(1) : null;
  }
  m = /^sips?:([^@;]+)(?:;[^@]*)?@[^@]+$/i.exec(xui);
  if (m) {
    const n = m[1]!.replace(/[-.()]/g, '');
    return /^\+?[0-9]{5,15}$/.test(n) ? n.replace(/^\+/, '') : null;
  }
  return null;
}

/** Normalise an MSISDN as omnisep keys it: digits only ('+' and visual separators dropped). */
export function normaliseMsisdn(s: string): string | null {
  const d = s.trim().replace(/[-.()\s]/g, '').replace(/^\+/, '');
  return /^[0-9]{5,15}$/.test(d) ? d : null;
}

// ---------------------------------------------------------------------------
// Evaluation (RFC 4825 §6.3 semantics, XPath 1.0 child steps).

const resolveNs = (n: QName, bindings: ReadonlyMap<string, string>, defaultNs: string): string | null =>
  n.prefix === null ? defaultNs : bindings.get(n.prefix) ?? null;

/** Does `el` pass the name test of `step`? */
export function matchesName(el: XmlElement, step: Step, bindings: ReadonlyMap<string, string>, defaultNs = SIMSERVS_NS): boolean {
  if (!step.name) return true;
  return el.local === step.name.local && el.ns === resolveNs(step.name, bindings, defaultNs);
}

/** Does `el` pass the attribute test of `step` (if any)? Unprefixed attributes are in no namespace. */
export function matchesAttr(el: XmlElement, step: Step, bindings: ReadonlyMap<string, string>): boolean {
  if (!step.attr) return true;
  const ns = step.attr.name.prefix === null ? null : bindings.get(step.attr.name.prefix) ?? null;
  return getAttr(el, step.attr.name.local, ns) === step.attr.value;
}

/** Elements a step selects among `candidates` (the children of one parent, in order). */
export function applyStep(candidates: readonly XmlElement[], step: Step, bindings: ReadonlyMap<string, string>, defaultNs = SIMSERVS_NS): XmlElement[] {
  let hits = candidates.filter((c) => matchesName(c, step, bindings, defaultNs));
  if (step.position !== undefined) hits = hits[step.position - 1] ? [hits[step.position - 1]!] : [];
  return hits.filter((c) => matchesAttr(c, step, bindings));
}

/**
 * Evaluate the element steps from the document root. Returns every match as
 * its chain of elements from the root (so the caller knows the parent and the
 * namespace scope). An empty steps list selects nothing.
 */
export function selectElements(root: XmlElement, steps: readonly Step[], bindings: ReadonlyMap<string, string>, defaultNs = SIMSERVS_NS): XmlElement[][] {
  let chains: XmlElement[][] = [[]];
  for (const step of steps) {
    const next: XmlElement[][] = [];
    for (const chain of chains) {
      const kids = chain.length ? childElements(chain[chain.length - 1]!) : [root];
      for (const hit of applyStep(kids, step, bindings, defaultNs)) next.push([...chain, hit]);
    }
    chains = next;
    if (!chains.length) break;
  }
  return steps.length ? chains : [];
}
