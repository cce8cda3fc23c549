/**
 * Validation of the simservs document: ETSI TS 183 023 / 3GPP TS 24.623 §6
 * (simservs root and its services), TS 24.604 (communication-diversion),
 * TS 24.611 (communication barring), TS 24.607/24.608 (OIP/OIR/TIP/TIR) and
 * RFC 4745 (common-policy ruleset).
 *
 * Approach (docs/xcap.md § Validation): the XSDs are transcribed into a
 * declared table of element rules — allowed attributes, allowed children
 * with occurrence bounds, text content checks — walked by one small
 * function. No general XSD engine: the table is the schema, it is data, and
 * each entry cites its clause. Child order is not enforced (phones differ,
 * and XCAP inserts append); occurrence counts, names, namespaces, values are.
 */
import { COMMON_POLICY_NS as CP, SIMSERVS_NS as SS } from '../../codec/xcap/uri.js';
import type { XcapErrorDetail } from '../../codec/xcap/error-doc.js';
import { childElements, getAttr, textOf, type XmlElement } from '../../codec/xcap/xml.js';

export interface SchemaOptions {
  /** NoReplyTimer bounds in seconds (TS 24.604 §4.9.1.3 gives 5..180; configurable as xcap.no_reply_timer). */
  noReplyTimer: { min: number; max: number };
}

export const DEFAULT_SCHEMA_OPTIONS: SchemaOptions = { noReplyTimer: { min: 5, max: 180 } };

type Violation = XcapErrorDetail;
type TextCheck = (value: string, opts: SchemaOptions, path: string) => Violation | null;

interface ChildRule { ns: string; local: string; min: number; max: number; rule: () => ElementRule }

interface ElementRule {
  attrs?: Record<string, { required?: boolean; check?: TextCheck }>;
  /** Element-only content (white space and comments between children are fine). */
  children?: ChildRule[];
  /** Text-only content with this check; absent with no children = empty element. */
  text?: TextCheck;
  /** Elements of namespaces other than simservs and common-policy are allowed here (extension points). */
  foreign?: boolean;
  /** After children are checked: cross-child constraints (rule id uniqueness). */
  post?: (el: XmlElement, path: string) => Violation | null;
}

const schemaError = (phrase: string): Violation => ({ condition: 'schema-validation-error', phrase });
const constraint = (phrase: string): Violation => ({ condition: 'constraint-failure', phrase });

// xs:boolean
const BOOLEAN: TextCheck = (v, _o, p) => (/^\s*(true|false|1|0)\s*$/.test(v) ? null : schemaError(`${p}: "${v.trim()}" is not a boolean`));
const enumOf = (...values: string[]): TextCheck => (v, _o, p) => (values.includes(v.trim()) ? null : schemaError(`${p}: "${v.trim()}" is not one of ${values.join(', ')}`));
const ANY_TEXT: TextCheck = () => null;
const DATE_TIME: TextCheck = (v, _o, p) => (/^\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?\s*$/.test(v) ? null : schemaError(`${p}: not an xs:dateTime`));

/** TS 24.604 §4.9.1.3: NoReplyTimer, integer seconds, bounds from configuration. */
const NO_REPLY_TIMER: TextCheck = (v, o, p) => {
  if (!/^\s*[0-9]{1,6}\s*$/.test(v)) return schemaError(`${p}: NoReplyTimer must be a whole number of seconds`);
  const n = Number(v.trim());
  const { min, max } = o.noReplyTimer;
  return n < min || n > max ? constraint(`NoReplyTimer ${n} outside ${min}..${max}`) : null;
};

/**
 * Is this a forwarding target omnisep accepts? A tel: URI (RFC 3966) — global
 * E.164 `+digits` with visual separators, or a local number with
 * `;phone-context=` — or a sip:/sips: URI with a host (RFC 3261 §19.1).
 */
export function isForwardTarget(v: string): boolean {
  const t = v.trim();
  const tel = /^tel:([^;]+)((?:;[A-Za-z0-9-]+(?:=[^;]*)?)*)$/i.exec(t);
  if (tel) {
    const num = tel[1]!.replace(/[-.()]/g, '');
    if (/^\+[0-9]{1,15}$/.test(num)) return num.length >= 4;
    return /^[0-9*#A-Fa-f]{1,20}$/.test(num) && /;phone-context=[^;]+/i.test(tel[2]!);
  }
  return /^sips?:(?:[^@\s<>"]+@)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:;[^\s<>"]*)?$/i.test(t) || /^sips?:[^@\s<>"]+@\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?(;[^\s<>"]*)?$/i.test(t);
}

const TARGET: TextCheck = (v, _o, p) => (isForwardTarget(v) ? null : constraint(`${p}: target "${v.trim().slice(0, 80)}" is not a tel: or sip: URI`));

const EMPTY: ElementRule = {};
const ss = (local: string, rule: () => ElementRule, min = 0, max = 1): ChildRule => ({ ns: SS, local, min, max, rule });
const cp = (local: string, rule: () => ElementRule, min = 0, max = 1): ChildRule => ({ ns: CP, local, min, max, rule });
const text = (check: TextCheck): (() => ElementRule) => () => ({ text: check });
const empty = () => EMPTY;
const ACTIVE = { active: { check: BOOLEAN } };

// RFC 4745 §7: identity, sphere, validity conditions.
const identityRule = (): ElementRule => ({
  children: [
    cp('one', () => ({ attrs: { id: { required: true }, scheme: {} } }), 0, 1000),
    cp('many', () => ({ attrs: { domain: {} }, children: [cp('except', () => ({ attrs: { domain: {}, id: {} } }), 0, 1000)] }), 0, 1000),
  ],
});
const validityRule = (): ElementRule => ({ children: [cp('from', text(DATE_TIME), 1, 1000), cp('until', text(DATE_TIME), 1, 1000)] });

/** TS 24.604 §4.9.1.3 (CDIV) and TS 24.611 §4.9.1.3 (ICB/OCB) conditions. */
const CDIV_CONDITIONS: ChildRule[] = [
  ss('busy', empty), ss('no-answer', empty), ss('not-reachable', empty), ss('not-registered', empty), ss('not-logged-in', empty),
  ss('presence-status', text(ANY_TEXT)), ss('media', text(ANY_TEXT), 0, 100), ss('rule-deactivated', empty),
  ss('request-name', text(ANY_TEXT)), ss('unconditional', empty),
  cp('identity', identityRule), cp('sphere', () => ({ attrs: { value: { required: true } } })), cp('validity', validityRule),
];
const BARRING_CONDITIONS: ChildRule[] = [
  ss('international', empty), ss('international-exHC', empty), ss('roaming', empty), ss('anonymous', empty),
  ss('communication-diverted', empty), ss('other-identity', empty), ss('media', text(ANY_TEXT), 0, 100), ss('rule-deactivated', empty),
  cp('identity', identityRule), cp('sphere', () => ({ attrs: { value: { required: true } } })), cp('validity', validityRule),
];

/** TS 24.604 §4.9.1.3 forward-to. */
const forwardToRule = (): ElementRule => ({
  children: [
    ss('target', text(TARGET), 1, 1),
    ss('notify-caller', text(BOOLEAN)),
    ss('reveal-identity-to-caller', text(BOOLEAN)),
    ss('reveal-served-user-identity-to-caller', text(BOOLEAN)),
    ss('notify-served-user', text(BOOLEAN)),
    ss('notify-served-user-on-outbound-call', text(BOOLEAN)),
    ss('reveal-identity-to-target', text(BOOLEAN)),
  ],
});

/** RFC 4745 §6: rule ids are unique within a ruleset (RFC 4825 <uniqueness-failure>). */
function uniqueRuleIds(ruleset: XmlElement, path: string): Violation | null {
  const seen = new Set<string>();
  for (const r of childElements(ruleset)) {
    const id = getAttr(r, 'id');
    if (id === undefined) continue;
    if (seen.has(id)) {
      let n = 2;
      while (seen.has(`${id}${n}`)) n++;
      return { condition: 'uniqueness-failure', phrase: `rule id "${id}" is not unique`, exists: { field: `${path}/cp:rule/@id`, altValues: [`${id}${n}`] } };
    }
    seen.add(id);
  }
  return null;
}

const rulesetRule = (conditions: ChildRule[], actions: ChildRule[]) => (): ElementRule => ({
  children: [
    cp('rule', () => ({
      attrs: { id: { required: true, check: (v, _o, p) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v) ? null : schemaError(`${p}: rule id "${v}" is not an xs:ID`)) } },
      children: [cp('conditions', () => ({ children: conditions })), cp('actions', () => ({ children: actions })), cp('transformations', empty)],
    }), 0, 1000),
  ],
  post: uniqueRuleIds,
});

const barringService = (): ElementRule => ({ attrs: ACTIVE, children: [cp('ruleset', rulesetRule(BARRING_CONDITIONS, [ss('allow', text(BOOLEAN), 1, 1)]))] });

/** TS 24.623 §6.2: the simservs root and the services omnisep knows. */
export const SIMSERVS_RULE: ElementRule = {
  foreign: true,
  children: [
    ss('originating-identity-presentation', () => ({ attrs: ACTIVE })),
    ss('originating-identity-presentation-restriction', () => ({
      attrs: ACTIVE,
      children: [ss('default-behaviour', text(enumOf('presentation-restricted', 'presentation-not-restricted')))],
    })),
    ss('terminating-identity-presentation', () => ({ attrs: ACTIVE })),
    ss('terminating-identity-presentation-restriction', () => ({
      attrs: ACTIVE,
      children: [ss('default-behaviour', text(enumOf('presentation-restricted', 'presentation-not-restricted')))],
    })),
    ss('communication-waiting', () => ({ attrs: ACTIVE })),
    ss('communication-diversion', () => ({
      attrs: ACTIVE,
      children: [ss('NoReplyTimer', text(NO_REPLY_TIMER)), cp('ruleset', rulesetRule(CDIV_CONDITIONS, [ss('forward-to', forwardToRule, 1, 1)]))],
    })),
    ss('incoming-communication-barring', barringService),
    ss('outgoing-communication-barring', barringService),
  ],
};

const display = (el: XmlElement) => el.name;

function check(el: XmlElement, rule: ElementRule, path: string, opts: SchemaOptions): Violation | null {
  // Attributes: known names only (namespaced attributes of foreign vocabularies are tolerated).
  for (const a of el.attrs) {
    if (a.ns !== null) continue;
    const spec = rule.attrs?.[a.local];
    if (!spec) return schemaError(`${path}: unexpected attribute ${a.name}`);
    const v = spec.check?.(a.value, opts, `${path}/@${a.name}`);
    if (v) return v;
  }
  for (const [name, spec] of Object.entries(rule.attrs ?? {})) {
    if (spec.required && getAttr(el, name) === undefined) return schemaError(`${path}: missing attribute ${name}`);
  }
  const kids = childElements(el);
  if (rule.text) {
    if (kids.length) return schemaError(`${path}: element ${display(kids[0]!)} not allowed in a text-only element`);
    return rule.text(textOf(el), opts, path);
  }
  if (textOf(el).trim()) return schemaError(`${path}: text not allowed here`);
  const counts = new Map<ChildRule, number>();
  for (const k of kids) {
    const cr = rule.children?.find((c) => c.ns === k.ns && c.local === k.local);
    if (!cr) {
      if (rule.foreign && k.ns !== SS && k.ns !== CP && k.ns !== null) continue;
      return schemaError(`${path}: unexpected element ${display(k)}${k.ns === SS || k.ns === CP ? '' : ` in namespace ${k.ns ?? '(none)'}`}`);
    }
    const n = (counts.get(cr) ?? 0) + 1;
    counts.set(cr, n);
    if (n > cr.max) return schemaError(`${path}: too many ${display(k)} elements`);
    const v = check(k, cr.rule(), `${path}/${display(k)}`, opts);
    if (v) return v;
  }
  for (const cr of rule.children ?? []) {
    if ((counts.get(cr) ?? 0) < cr.min) return schemaError(`${path}: missing element ${cr.local}`);
  }
  return rule.post?.(el, path) ?? null;
}

/** Validate a whole simservs document; null when valid, else the RFC 4825 error to answer with. */
export function validateSimservs(root: XmlElement, opts: SchemaOptions = DEFAULT_SCHEMA_OPTIONS): Violation | null {
  if (root.local !== 'simservs' || root.ns !== SS) return schemaError(`root element must be simservs in ${SS}`);
  return check(root, SIMSERVS_RULE, 'simservs', opts);
}
