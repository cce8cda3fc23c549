/**
 * XCAP operations on one simservs document (RFC 4825 §7-§8): GET, PUT and
 * DELETE of the document, an element or an attribute, each followed by the
 * checks the RFC requires — schema validation (§8.2.5 via ./schema.ts), the
 * idempotency of PUT (a GET of the same URI returns what was put,
 * §8.2.3/§8.2.4 <cannot-insert>) and of DELETE (§8.3 <cannot-delete>).
 *
 * Pure: the document comes in as a DOM, a modified copy goes out; no store,
 * no clock, no HTTP. Preconditions (ETags) are the caller's (./service.ts).
 */
import { DecodeError } from '../../codec/decode-error.js';
import type { XcapErrorDetail } from '../../codec/xcap/error-doc.js';
import {
  applyStep, formatNodeSelector, selectElements, SIMSERVS_NS, type NodeSelector, type XcapTarget,
} from '../../codec/xcap/uri.js';
import {
  childElements, cloneNode, escapeAttr, NOT_UTF8, parseAttValue, parseXmlDocument, parseXmlFragment, scopeAt,
  serialiseNode, type XmlElement, type XmlLimits,
} from '../../codec/xcap/xml.js';
import { validateSimservs, type SchemaOptions } from './schema.js';

export const CONTENT_TYPE = {
  document: 'application/simservs+xml',
  element: 'application/xcap-el+xml',
  attribute: 'application/xcap-att+xml',
  caps: 'application/xcap-caps+xml',
} as const;

export type NodeTarget = Extract<XcapTarget, { kind: 'node' }>;

export type OpOutcome =
  | { ok: true; status: 200 | 201; doc: XmlElement; body?: string; contentType?: string }
  | { ok: false; status: 400 | 404 | 409; error?: XcapErrorDetail; reason: string };

export interface OpOptions {
  schema: SchemaOptions;
  limits: XmlLimits;
  /** Builds the URI of an ancestor for <no-parent> (document URI + `/~~/` + selector). */
  nodeUri: (selector: string | null) => string;
}

const notFound = (reason: string): OpOutcome => ({ ok: false, status: 404, reason });
const conflict = (error: XcapErrorDetail): OpOutcome => ({ ok: false, status: 409, error, reason: error.phrase ?? error.condition });

/** Map a codec DecodeError to the RFC 4825 condition of a body that failed to parse. */
export function bodyError(e: unknown, kind: 'document' | 'element' | 'attribute'): OpOutcome {
  if (!(e instanceof DecodeError)) throw e;
  if (e.reason.startsWith(NOT_UTF8)) return conflict({ condition: 'not-utf-8', phrase: e.reason });
  if (e.reason.startsWith('not-xml-frag')) return conflict({ condition: 'not-xml-frag', phrase: e.reason });
  if (kind === 'attribute') return conflict({ condition: 'not-xml-att-value', phrase: e.reason.replace(/^not-xml-att-value: /, '') });
  // RFC 4825 §11.2: an element body that is not a valid XML fragment (broken, several elements, text) is <not-xml-frag>.
  if (kind === 'element') return conflict({ condition: 'not-xml-frag', phrase: e.reason.replace(/^not-xml-frag: /, '') });
  return conflict({ condition: 'not-well-formed', phrase: e.reason });
}

function validated(doc: XmlElement, opts: OpOptions, ok: Extract<OpOutcome, { ok: true }>): OpOutcome {
  const v = validateSimservs(doc, opts.schema);
  return v ? conflict(v) : ok;
}

/** Exactly one element for the element steps, or the reason why not. */
function selectOne(doc: XmlElement, sel: NodeSelector, bindings: ReadonlyMap<string, string>): XmlElement[] | 'none' | 'many' {
  const hits = selectElements(doc, sel.steps, bindings);
  if (!hits.length) return 'none';
  if (hits.length > 1) return 'many';
  return hits[0]!;
}

function attrNs(t: NodeTarget): string | null {
  const a = t.selector.attribute!;
  return a.prefix === null ? null : t.bindings.get(a.prefix) ?? null;
}

// ---------------------------------------------------------------------------
// GET (RFC 4825 §8.1)

export function getNode(doc: XmlElement, t: NodeTarget): OpOutcome {
  const chain = selectOne(doc, t.selector, t.bindings);
  if (chain === 'none' || chain === 'many') return notFound(chain === 'many' ? 'the node selector selects more than one element' : 'no such element');
  const el = chain[chain.length - 1]!;
  if (t.selector.attribute) {
    const ns = attrNs(t);
    const a = el.attrs.find((x) => x.local === t.selector.attribute!.local && x.ns === ns);
    if (!a) return notFound('no such attribute');
    return { ok: true, status: 200, doc, body: escapeAttr(a.value), contentType: CONTENT_TYPE.attribute };
  }
  return { ok: true, status: 200, doc, body: serialiseNode(el), contentType: CONTENT_TYPE.element };
}

// ---------------------------------------------------------------------------
// PUT (RFC 4825 §8.2)

/** PUT of the whole document: parse, validate. */
export function putDocument(body: Uint8Array, existed: boolean, opts: OpOptions): OpOutcome {
  let doc: XmlElement;
  try {
    doc = parseXmlDocument(body, opts.limits);
  } catch (e) {
    return bodyError(e, 'document');
  }
  return validated(doc, opts, { ok: true, status: existed ? 200 : 201, doc });
}

/** The closest existing ancestor of a selector's parent, as an XCAP URI (<no-parent><ancestor>). */
function ancestorUri(doc: XmlElement, sel: NodeSelector, bindings: ReadonlyMap<string, string>, opts: OpOptions): string {
  for (let n = sel.steps.length - 1; n >= 1; n--) {
    const prefix = { steps: sel.steps.slice(0, n) };
    if (selectElements(doc, prefix.steps, bindings).length === 1) return opts.nodeUri(formatNodeSelector(prefix));
  }
  return opts.nodeUri(null);
}

export function putNode(current: XmlElement, t: NodeTarget, body: Uint8Array, opts: OpOptions): OpOutcome {
  const doc = cloneNode(current);
  const sel = t.selector;
  if (sel.attribute) return putAttribute(doc, t, body, opts);

  const hits = selectElements(doc, sel.steps, t.bindings);
  if (hits.length > 1) return notFound('the node selector selects more than one element');
  let status: 200 | 201;
  let newDoc = doc;
  let inserted: XmlElement;
  if (hits.length === 1) {
    // Replace (§8.2.3): the new element takes the old one's place.
    const chain = hits[0]!;
    const parentChain = chain.slice(0, -1);
    let el: XmlElement;
    try {
      el = parseXmlFragment(body, scopeAt(parentChain), opts.limits);
    } catch (e) {
      return bodyError(e, 'element');
    }
    if (!parentChain.length) newDoc = el;
    else {
      const parent = parentChain[parentChain.length - 1]!;
      parent.children[parent.children.indexOf(chain[chain.length - 1]!)] = el;
    }
    inserted = el;
    status = 200;
  } else {
    // Insert (§8.2.3): the parent must exist.
    if (sel.steps.length === 1) return conflict({ condition: 'cannot-insert', phrase: 'the document root cannot be created through a node selector' });
    const parents = selectElements(doc, sel.steps.slice(0, -1), t.bindings);
    if (parents.length > 1) return notFound('the parent selector selects more than one element');
    if (!parents.length) return conflict({ condition: 'no-parent', ancestor: ancestorUri(doc, sel, t.bindings, opts) });
    const parentChain = parents[0]!;
    const parent = parentChain[parentChain.length - 1]!;
    let el: XmlElement;
    try {
      el = parseXmlFragment(body, scopeAt(parentChain), opts.limits);
    } catch (e) {
      return bodyError(e, 'element');
    }
    const last = sel.steps[sel.steps.length - 1]!;
    const kids = childElements(parent);
    if (last.position !== undefined) {
      // Insert so that the new element is the n-th sibling passing the name test; impossible → cannot-insert.
      const same = applyStep(kids, { name: last.name }, t.bindings);
      if (last.position > same.length + 1) return conflict({ condition: 'cannot-insert', phrase: `position ${last.position} is past the end` });
      const before = same[last.position - 1];
      if (before) parent.children.splice(parent.children.indexOf(before), 0, el);
      else if (same.length) parent.children.splice(parent.children.indexOf(same[same.length - 1]!) + 1, 0, el);
      else parent.children.push(el);
    } else parent.children.push(el);
    inserted = el;
    status = 201;
  }
  // Idempotency (§8.2.5): the same URI must now select exactly the element that was put.
  const again = selectElements(newDoc, sel.steps, t.bindings);
  if (again.length !== 1 || again[0]![again[0]!.length - 1] !== inserted) {
    return conflict({ condition: 'cannot-insert', phrase: 'a GET of the request URI would not return the element that was put' });
  }
  return validated(newDoc, opts, { ok: true, status, doc: newDoc });
}

function putAttribute(doc: XmlElement, t: NodeTarget, body: Uint8Array, opts: OpOptions): OpOutcome {
  const sel = t.selector;
  const hits = selectElements(doc, sel.steps, t.bindings);
  if (hits.length > 1) return notFound('the node selector selects more than one element');
  if (!hits.length) {
    // The element that would carry the attribute is the missing parent: report its closest existing ancestor.
    return conflict({ condition: 'no-parent', ancestor: ancestorUri(doc, { steps: [...sel.steps, sel.steps[sel.steps.length - 1]!] }, t.bindings, opts) });
  }
  let value: string;
  try {
    value = parseAttValue(body, opts.limits);
  } catch (e) {
    return bodyError(e, 'attribute');
  }
  const chain = hits[0]!;
  const el = chain[chain.length - 1]!;
  const a = sel.attribute!;
  const ns = attrNs(t);
  const existing = el.attrs.find((x) => x.local === a.local && x.ns === ns);
  if (existing) existing.value = value;
  else {
    let name = a.local;
    if (ns !== null) {
      // Reuse a prefix bound to the namespace in the document, else declare the selector's prefix here.
      const scope = scopeAt(chain);
      const bound = [...scope].find(([p, u]) => p !== '' && u === ns)?.[0];
      const prefix = bound ?? a.prefix!;
      if (!bound) el.nsDecls.set(prefix, ns);
      name = `${prefix}:${a.local}`;
    }
    el.attrs.push({ name, prefix: ns === null ? null : name.split(':')[0]!, local: a.local, ns, value });
  }
  // Idempotency (§8.2.4): the element must still be selected (the attribute may be in a predicate of the selector).
  const again = selectElements(doc, sel.steps, t.bindings);
  if (again.length !== 1 || again[0]![again[0]!.length - 1] !== el) {
    return conflict({ condition: 'cannot-insert', phrase: 'the new value changes which element the selector selects' });
  }
  return validated(doc, opts, { ok: true, status: existing ? 200 : 201, doc });
}

// ---------------------------------------------------------------------------
// DELETE (RFC 4825 §8.3)

export function deleteNode(current: XmlElement, t: NodeTarget, opts: OpOptions): OpOutcome {
  const doc = cloneNode(current);
  const sel = t.selector;
  const hits = selectElements(doc, sel.steps, t.bindings);
  if (!hits.length) return notFound('no such element');
  if (hits.length > 1) return notFound('the node selector selects more than one element');
  const chain = hits[0]!;
  const el = chain[chain.length - 1]!;
  if (sel.attribute) {
    const ns = attrNs(t);
    const i = el.attrs.findIndex((x) => x.local === sel.attribute!.local && x.ns === ns);
    if (i < 0) return notFound('no such attribute');
    el.attrs.splice(i, 1);
    const again = selectElements(doc, sel.steps, t.bindings);
    if (again.length === 1 && again[0]![again[0]!.length - 1] === el) {
      // The element is still there and the attribute is gone: idempotent.
    } else if (again.length) return conflict({ condition: 'cannot-delete', phrase: 'the selector would then select another node' });
    return validated(doc, opts, { ok: true, status: 200, doc });
  }
  if (chain.length === 1) return conflict({ condition: 'cannot-delete', phrase: 'the root element cannot be deleted; DELETE the document instead' });
  const parent = chain[chain.length - 2]!;
  parent.children.splice(parent.children.indexOf(el), 1);
  if (selectElements(doc, sel.steps, t.bindings).length) {
    return conflict({ condition: 'cannot-delete', phrase: 'after the DELETE the same URI would select another element' });
  }
  return validated(doc, opts, { ok: true, status: 200, doc });
}

/** The simservs default namespace, re-exported for callers that build documents. */
export { SIMSERVS_NS };
