/**
 * The simservs document as omnisep keeps it: the default document (XCAP.md
 * § The document), the ETag, and the JSON view (XCAP.md § JSON view) in both
 * directions — `documentToView` reads, `applyPatch` merges a patch into the
 * DOM in place of regenerating it, so what the view does not model
 * (identity conditions, validity, extensions) survives an admin edit. Pure.
 */
import { createHash } from 'node:crypto';
import { COMMON_POLICY_NS as CP, SIMSERVS_NS as SS } from '../../codec/xcap/uri.js';
import {
  childElements, getAttr, makeElement, parseXmlDocument, scopeAt, serialiseDocument, textOf, type XmlElement,
} from '../../codec/xcap/xml.js';
import type { BarringRule, ForwardingRule, XcapPatch, XcapView } from '../../contracts/xcap.js';

export const SERVICE = {
  oip: 'originating-identity-presentation',
  oir: 'originating-identity-presentation-restriction',
  cdiv: 'communication-diversion',
  icb: 'incoming-communication-barring',
  ocb: 'outgoing-communication-barring',
} as const;

/** Conventional CDIV rule ids → condition (TS 24.604 usage; XCAP.md). */
export const CONVENTIONAL_CF: Record<string, string> = {
  cfu: 'unconditional', cfb: 'busy', cfna: 'no-answer', cfnrc: 'not-reachable', cfnl: 'not-logged-in',
};

/** Condition elements the view models as names (simservs namespace, empty content). */
const NAMED_CONDITIONS = new Set([
  'busy', 'no-answer', 'not-reachable', 'not-registered', 'not-logged-in', 'unconditional',
  'international', 'international-exHC', 'roaming', 'anonymous', 'communication-diverted', 'other-identity',
]);

/** The default document of XCAP.md, with `noReplyTimer` (20 unless the configured range excludes it). */
export function defaultDocumentText(noReplyTimer = 20): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="${SS}" xmlns:cp="${CP}">
  <originating-identity-presentation active="true"/>
  <originating-identity-presentation-restriction active="true">
    <default-behaviour>presentation-not-restricted</default-behaviour>
  </originating-identity-presentation-restriction>
  <communication-diversion active="true">
    <NoReplyTimer>${noReplyTimer}</NoReplyTimer>
    <cp:ruleset/>
  </communication-diversion>
  <incoming-communication-barring active="false">
    <cp:ruleset/>
  </incoming-communication-barring>
  <outgoing-communication-barring active="false">
    <cp:ruleset/>
  </outgoing-communication-barring>
</simservs>
`;
}

export const defaultDocument = (noReplyTimer = 20): XmlElement => parseXmlDocument(defaultDocumentText(noReplyTimer));

/** XCAP.md: the ETag is the first 16 hex digits of the MD5 of the serialised document, quoted. */
export function etagOf(documentText: string): string {
  return `"${createHash('md5').update(documentText).digest('hex').slice(0, 16)}"`;
}

export const serialise = serialiseDocument;

// ---------------------------------------------------------------------------
// Reading

const child = (el: XmlElement | undefined, ns: string, local: string): XmlElement | undefined =>
  el ? childElements(el).find((c) => c.ns === ns && c.local === local) : undefined;
const isTrue = (v: string | undefined, dflt: boolean) => (v === undefined ? dflt : /^\s*(true|1)\s*$/.test(v));

function conditionNames(rule: XmlElement, none: string): { enabled: boolean; condition: string | string[] } {
  const conds = child(rule, CP, 'conditions');
  const all = conds ? childElements(conds) : [];
  const deactivated = (c: XmlElement) => c.ns === SS && c.local === 'rule-deactivated';
  const names = all.filter((c) => !deactivated(c)).map((c) => c.local);
  return { enabled: !all.some(deactivated), condition: names.length === 0 ? none : names.length === 1 ? names[0]! : names };
}

function rules(service: XmlElement | undefined): XmlElement[] {
  return (() => { const rs = child(service, CP, 'ruleset'); return rs ? childElements(rs) : []; })().filter((r) => r.ns === CP && r.local === 'rule');
}

export type DocumentView = Pick<XcapView,
  'oip' | 'oir' | 'no_reply_timer' | 'call_forwarding_active' | 'call_forwarding' | 'call_barring_incoming_active' | 'call_barring_incoming' | 'call_barring_outgoing_active' | 'call_barring_outgoing'>;

export function documentToView(doc: XmlElement): DocumentView {
  const svc = (k: keyof typeof SERVICE) => child(doc, SS, SERVICE[k]);
  const oip = svc('oip');
  const oir = svc('oir');
  const cdiv = svc('cdiv');
  const nrt = child(cdiv, SS, 'NoReplyTimer');
  const cf: Record<string, ForwardingRule> = {};
  for (const r of rules(cdiv)) {
    const fwd = child(child(r, CP, 'actions'), SS, 'forward-to');
    const notify = child(fwd, SS, 'notify-caller');
    cf[getAttr(r, 'id') ?? ''] = {
      ...conditionNames(r, 'unconditional'),
      target: fwd ? textOf(child(fwd, SS, 'target') ?? fwd).trim() : '',
      ...(notify ? { notify_caller: isTrue(textOf(notify), true) } : {}),
    };
  }
  const barring = (s: XmlElement | undefined) => {
    const out: Record<string, BarringRule> = {};
    for (const r of rules(s)) {
      const allow = child(child(r, CP, 'actions'), SS, 'allow');
      out[getAttr(r, 'id') ?? ''] = { ...conditionNames(r, 'all'), allow: allow ? isTrue(textOf(allow), false) : false };
    }
    return out;
  };
  const dflt = child(oir, SS, 'default-behaviour');
  return {
    oip: { active: oip ? isTrue(getAttr(oip, 'active'), true) : false },
    oir: { active: oir ? isTrue(getAttr(oir, 'active'), true) : false, default_behaviour: dflt ? textOf(dflt).trim() : null },
    no_reply_timer: nrt && /^\s*\d+\s*$/.test(textOf(nrt)) ? Number(textOf(nrt).trim()) : null,
    call_forwarding_active: cdiv ? isTrue(getAttr(cdiv, 'active'), true) : false,
    call_forwarding: cf,
    call_barring_incoming_active: svc('icb') ? isTrue(getAttr(svc('icb')!, 'active'), true) : false,
    call_barring_incoming: barring(svc('icb')),
    call_barring_outgoing_active: svc('ocb') ? isTrue(getAttr(svc('ocb')!, 'active'), true) : false,
    call_barring_outgoing: barring(svc('ocb')),
  };
}

/** Short names of what a document configures, for the admin list. */
export function servicesSummary(v: DocumentView): string[] {
  const out: string[] = [];
  if (v.oir.active && v.oir.default_behaviour === 'presentation-restricted') out.push('oir');
  for (const [id, r] of Object.entries(v.call_forwarding)) if (r.enabled && v.call_forwarding_active) out.push(id);
  if (v.call_barring_incoming_active && Object.keys(v.call_barring_incoming).length) out.push('icb');
  if (v.call_barring_outgoing_active && Object.keys(v.call_barring_outgoing).length) out.push('ocb');
  return out;
}

// ---------------------------------------------------------------------------
// Merging (POST /api/xcap/:msisdn)

/** A patch that cannot be applied as asked (→ 400 OMNISEP_XCAP_INVALID). */
export class PatchError extends Error {
  override readonly name = 'PatchError';
}

/** The child (ns, local) of `parent`, created at the end when missing. Prefix from the scope, else declared. */
function ensure(parent: XmlElement, scope: Map<string, string>, ns: string, local: string): XmlElement {
  return child(parent, ns, local) ?? appendChild(parent, scope, ns, local);
}

/** A new child (ns, local) at the end of `parent`, using a prefix bound in scope or declaring the namespace. */
function appendChild(parent: XmlElement, scope: Map<string, string>, ns: string, local: string): XmlElement {
  const prefix = [...scope].find(([, u]) => u === ns)?.[0];
  let el: XmlElement;
  if (prefix === undefined) {
    el = makeElement(local, new Map([['', ns]]));
    el.nsDecls.set('', ns);
  } else el = makeElement(prefix ? `${prefix}:${local}` : local, scope);
  parent.children.push(el);
  return el;
}

function setAttr(el: XmlElement, local: string, value: string): void {
  const a = el.attrs.find((x) => x.local === local && x.ns === null);
  if (a) a.value = value;
  else el.attrs.push({ name: local, prefix: null, local, ns: null, value });
}

function setText(el: XmlElement, value: string): void {
  el.children = [{ kind: 'text', value }];
}

function ruleById(ruleset: XmlElement, id: string): XmlElement | undefined {
  return childElements(ruleset).find((r) => r.ns === CP && r.local === 'rule' && getAttr(r, 'id') === id);
}

/** Replace the named conditions of a rule (keeping identity/validity/media and rule-deactivated). */
function setConditions(conds: XmlElement, scope: Map<string, string>, condition: string | string[], none: string): void {
  const names = (Array.isArray(condition) ? condition : [condition]).filter((c) => c !== none);
  conds.children = conds.children.filter((c) => !(c.kind === 'element' && c.ns === SS && NAMED_CONDITIONS.has(c.local)));
  for (const n of names) {
    if (!NAMED_CONDITIONS.has(n)) throw new PatchError(`unknown condition "${n}"`);
    ensure(conds, scope, SS, n);
  }
}

function setEnabled(conds: XmlElement, scope: Map<string, string>, enabled: boolean): void {
  conds.children = conds.children.filter((c) => !(c.kind === 'element' && c.ns === SS && c.local === 'rule-deactivated'));
  if (!enabled) ensure(conds, scope, SS, 'rule-deactivated');
}

type RulePatch = Partial<ForwardingRule> | Partial<BarringRule> | null;

function patchRules(
  doc: XmlElement, svcLocal: string, patch: Record<string, RulePatch>, kind: 'cf' | 'barring',
): void {
  const rootScope = scopeAt([doc]);
  const svc = ensure(doc, rootScope, SS, svcLocal);
  const scope = scopeAt([doc, svc]);
  const ruleset = ensure(svc, scope, CP, 'ruleset');
  const rsScope = scopeAt([doc, svc, ruleset]);
  for (const [id, p] of Object.entries(patch)) {
    const existing = ruleById(ruleset, id);
    if (p === null) {
      if (existing) ruleset.children.splice(ruleset.children.indexOf(existing), 1);
      continue;
    }
    let rule = existing;
    if (!rule) {
      if (kind === 'cf' && !(p as Partial<ForwardingRule>).target) throw new PatchError(`call_forwarding.${id}: a new rule needs a target`);
      rule = appendChild(ruleset, rsScope, CP, 'rule');
      setAttr(rule, 'id', id);
    }
    const ruleScope = scopeAt([doc, svc, ruleset, rule]);
    const conds = ensure(rule, ruleScope, CP, 'conditions');
    const condScope = scopeAt([doc, svc, ruleset, rule, conds]);
    const none = kind === 'cf' ? 'unconditional' : 'all';
    if (p.condition !== undefined) setConditions(conds, condScope, p.condition, none);
    else if (!existing) setConditions(conds, condScope, kind === 'cf' ? CONVENTIONAL_CF[id] ?? none : none, none);
    if (p.enabled !== undefined) setEnabled(conds, condScope, p.enabled);
    // Keep <conditions> before <actions> for readers that expect the RFC 4745 order.
    const actions = ensure(rule, ruleScope, CP, 'actions');
    const actScope = scopeAt([doc, svc, ruleset, rule, actions]);
    if (kind === 'cf') {
      const f = p as Partial<ForwardingRule>;
      const fwd = ensure(actions, actScope, SS, 'forward-to');
      const fScope = scopeAt([doc, svc, ruleset, rule, actions, fwd]);
      if (f.target !== undefined) setText(ensure(fwd, fScope, SS, 'target'), f.target);
      if (f.notify_caller !== undefined) setText(ensure(fwd, fScope, SS, 'notify-caller'), String(f.notify_caller));
      else if (!existing) setText(ensure(fwd, fScope, SS, 'notify-caller'), 'false');
    } else {
      const b = p as Partial<BarringRule>;
      const allow = ensure(actions, actScope, SS, 'allow');
      if (b.allow !== undefined) setText(allow, String(b.allow));
      else if (!existing || !textOf(allow).trim()) setText(allow, 'false');
    }
  }
}

/** Merge a patch into (a copy of) the document. Validation is the caller's (schema.ts). */
export function applyPatch(doc: XmlElement, patch: XcapPatch): XmlElement {
  const scope = scopeAt([doc]);
  if (patch.oip) setAttr(ensure(doc, scope, SS, SERVICE.oip), 'active', String(patch.oip.active));
  if (patch.oir) {
    const oir = ensure(doc, scope, SS, SERVICE.oir);
    if (patch.oir.active !== undefined) setAttr(oir, 'active', String(patch.oir.active));
    if (patch.oir.default_behaviour !== undefined) setText(ensure(oir, scopeAt([doc, oir]), SS, 'default-behaviour'), patch.oir.default_behaviour);
  }
  if (patch.no_reply_timer !== undefined || patch.call_forwarding_active !== undefined) {
    const cdiv = ensure(doc, scope, SS, SERVICE.cdiv);
    if (patch.call_forwarding_active !== undefined) setAttr(cdiv, 'active', String(patch.call_forwarding_active));
    if (patch.no_reply_timer !== undefined) {
      const had = child(cdiv, SS, 'NoReplyTimer');
      const nrt = ensure(cdiv, scopeAt([doc, cdiv]), SS, 'NoReplyTimer');
      if (!had) {
        // TS 24.604's schema puts NoReplyTimer first: move it before the ruleset.
        cdiv.children.splice(cdiv.children.indexOf(nrt), 1);
        cdiv.children.unshift(nrt);
      }
      setText(nrt, String(patch.no_reply_timer));
    }
  }
  if (patch.call_forwarding) patchRules(doc, SERVICE.cdiv, patch.call_forwarding, 'cf');
  for (const [key, local, active] of [
    ['call_barring_incoming', SERVICE.icb, patch.call_barring_incoming_active],
    ['call_barring_outgoing', SERVICE.ocb, patch.call_barring_outgoing_active],
  ] as const) {
    if (active !== undefined) setAttr(ensure(doc, scope, SS, local), 'active', String(active));
    const rs = patch[key];
    if (rs) patchRules(doc, local, rs, 'barring');
  }
  return doc;
}
