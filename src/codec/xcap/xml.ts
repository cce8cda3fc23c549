/**
 * A small, strict, namespace-aware XML 1.0 DOM for XCAP documents (RFC 4825
 * §6, Namespaces in XML 1.0). Hand-rolled on purpose (docs/xcap.md § Parser):
 * it refuses what a simservs document never needs and what attacks use —
 * DOCTYPE (so no entity declarations: no billion laughs, no external
 * entities), any entity reference other than the five predefined ones and
 * character references, invalid UTF-8, unbound prefixes, duplicate
 * attributes — and bounds input size, nesting depth and node count before
 * doing any work proportional to them. Pure: no I/O.
 *
 * Every failure is a DecodeError('xml', offset, reason); a reason starting
 * with NOT_UTF8 means the bytes were not UTF-8 (RFC 4825 <not-utf-8>), any
 * other reason means not well-formed.
 */
import { DecodeError } from '../decode-error.js';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
export const NOT_UTF8 = 'not-utf-8';

export interface XmlAttr {
  /** The qualified name as written (`cp:id`, `id`). */
  name: string;
  prefix: string | null;
  local: string;
  /** Unprefixed attributes are in no namespace (Namespaces in XML §6.2). */
  ns: string | null;
  value: string;
}

export interface XmlElement {
  kind: 'element';
  name: string;
  prefix: string | null;
  local: string;
  ns: string | null;
  attrs: XmlAttr[];
  /** Namespace declarations written on this element: prefix ('' = default) → URI. Insertion-ordered. */
  nsDecls: Map<string, string>;
  children: XmlNode[];
}

export interface XmlText { kind: 'text'; value: string }
export interface XmlComment { kind: 'comment'; value: string }
export interface XmlPi { kind: 'pi'; target: string; data: string }
export type XmlNode = XmlElement | XmlText | XmlComment | XmlPi;

export interface XmlLimits {
  /** Bytes of input (default 1 MiB). */
  maxBytes?: number;
  /** Element nesting depth (default 32). */
  maxDepth?: number;
  /** Elements + attributes + text nodes (default 20 000). */
  maxNodes?: number;
  /** Attributes (namespace declarations included) on one element (default 64; a simservs element has at most a few). */
  maxAttributes?: number;
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = { maxBytes: 1024 * 1024, maxDepth: 32, maxNodes: 20_000, maxAttributes: 64 };

/** Namespace bindings in scope: prefix ('' = default namespace) → URI. */
export type NsContext = ReadonlyMap<string, string>;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// XML 1.0 NameStartChar / NameChar (§2.3) without ':' — names are split on ':' for namespaces.
const NAME_START = 'A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NCNAME_RE = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*$`, 'u');
const QNAME_AT = new RegExp(`[${NAME_START}][${NAME_CHAR}]*(?::[${NAME_START}][${NAME_CHAR}]*)?`, 'uy');

export const isNcName = (s: string): boolean => NCNAME_RE.test(s);

/** XML 1.0 §2.2 Char. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/**
 * Byte offset of the first invalid UTF-8 sequence, in one pass: the lenient decoder marks it with U+FFFD,
 * and every code point before it is valid, so its UTF-8 length is exact. (Decoding ever longer prefixes
 * to find it was quadratic: a 6 KB body with a bad byte near its end took seconds, found by the fuzz harness.)
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let at = bom ? 3 : 0;
  for (const ch of lenient.decode(bytes)) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfffd && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return at;
    at += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return at;
}

/** Bytes → string, refusing invalid UTF-8 (RFC 4825 §8.2.1 <not-utf-8>). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DecodeError('xml', firstInvalidUtf8(bytes), `${NOT_UTF8}: invalid UTF-8`);
  }
}

class Parser {
  pos = 0;
  nodes = 0;
  constructor(readonly s: string, readonly limits: Required<XmlLimits>) {}

  fail(reason: string, at = this.pos): never {
    throw new DecodeError('xml', at, reason);
  }

  count(): void {
    if (++this.nodes > this.limits.maxNodes) this.fail(`more than ${this.limits.maxNodes} nodes`);
  }

  startsWith(t: string): boolean {
    return this.s.startsWith(t, this.pos);
  }

  skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x9 || c === 0xa || c === 0xd) this.pos++;
      else break;
    }
    return this.pos > start;
  }

  qname(): string {
    QNAME_AT.lastIndex = this.pos;
    const m = QNAME_AT.exec(this.s);
    if (!m) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  /** Check every character is an XML Char (no NUL, no lone surrogates). */
  checkChars(text: string, at: number): void {
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      if (!isXmlChar(cp)) this.fail(`character U+${cp.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, at + i);
    }
  }

  /** Expand the five predefined entities and character references; anything else is refused. */
  unescape(raw: string, at: number, inAttr: boolean): string {
    if (inAttr && raw.includes('<')) this.fail("'<' in an attribute value", at + raw.indexOf('<'));
    if (!raw.includes('&')) return raw;
    let out = '';
    let i = 0;
    while (i < raw.length) {
      const amp = raw.indexOf('&', i);
      if (amp < 0) { out += raw.slice(i); break; }
      out += raw.slice(i, amp);
      const semi = raw.indexOf(';', amp);
      if (semi < 0 || semi - amp > 12) this.fail("'&' not starting a reference", at + amp);
      const ref = raw.slice(amp + 1, semi);
      if (ref.startsWith('#')) {
        const cp = /^#x[0-9a-fA-F]+$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
        if (!Number.isFinite(cp) || !isXmlChar(cp)) this.fail(`bad character reference &${ref};`, at + amp);
        out += String.fromCodePoint(cp);
      } else {
        const v = PREDEFINED[ref];
        if (v === undefined) this.fail(`entity reference &${ref}; (only the predefined entities are allowed)`, at + amp);
        out += v;
      }
      i = semi + 1;
    }
    return out;
  }

  comment(): XmlComment {
    const start = this.pos;
    this.pos += 4;
    const end = this.s.indexOf('-->', this.pos);
    if (end < 0) this.fail('unterminated comment', start);
    const value = this.s.slice(this.pos, end);
    if (value.includes('--') || value.endsWith('-')) this.fail("'--' inside a comment", start);
    this.checkChars(value, this.pos);
    this.pos = end + 3;
    this.count();
    return { kind: 'comment', value };
  }

  pi(): XmlPi {
    const start = this.pos;
    this.pos += 2;
    const target = this.qname();
    if (target.includes(':')) this.fail('colon in a processing-instruction target', start);
    if (target.toLowerCase() === 'xml') this.fail('XML declaration not at the start', start);
    const end = this.s.indexOf('?>', this.pos);
    if (end < 0) this.fail('unterminated processing instruction', start);
    if (this.pos < end && !this.skipSpace()) this.fail('expected space after the PI target');
    const data = this.s.slice(this.pos, end);
    this.checkChars(data, this.pos);
    this.pos = end + 2;
    this.count();
    return { kind: 'pi', target, data };
  }

  /** XMLDecl (§2.8): version 1.0, encoding UTF-8 if given, standalone yes|no. */
  xmlDecl(): void {
    const start = this.pos;
    const end = this.s.indexOf('?>', this.pos);
    if (end < 0) this.fail('unterminated XML declaration', start);
    const decl = this.s.slice(this.pos + 5, end);
    const m = /^\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\3)?(\s+standalone\s*=\s*(["'])(yes|no)\6)?\s*$/.exec(decl);
    if (!m) this.fail('malformed XML declaration', start);
    const enc = m[4];
    if (enc && !/^utf-?8$/i.test(enc)) this.fail(`${NOT_UTF8}: encoding "${enc}" is not UTF-8`, start);
    this.pos = end + 2;
  }

  /** Misc* (§2.8): comments, PIs, white space; refuses DOCTYPE. */
  misc(out: XmlNode[] | null): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) { const c = this.comment(); out?.push(c); }
      else if (this.startsWith('<?')) { const p = this.pi(); out?.push(p); }
      else if (this.startsWith('<!DOCTYPE') || this.startsWith('<!doctype')) this.fail('DOCTYPE is not allowed');
      else return;
    }
  }

  attrValue(): { value: string; at: number } {
    const q = this.s[this.pos];
    if (q !== '"' && q !== "'") this.fail('attribute value must be quoted');
    const at = this.pos + 1;
    const end = this.s.indexOf(q, at);
    if (end < 0) this.fail('unterminated attribute value');
    const raw = this.s.slice(at, end);
    this.checkChars(raw, at);
    this.pos = end + 1;
    // Attribute-value normalisation (§3.3.3): literal white space becomes a space.
    return { value: this.unescape(raw.replace(/[\t\n\r]/g, ' '), at, true), at };
  }

  element(parentNs: NsContext, depth: number): XmlElement {
    if (depth > this.limits.maxDepth) this.fail(`nesting deeper than ${this.limits.maxDepth}`);
    const start = this.pos;
    this.pos++; // '<'
    const name = this.qname();
    const rawAttrs: { name: string; value: string; at: number }[] = [];
    const rawNames = new Set<string>();
    const nsDecls = new Map<string, string>();
    let selfClosing = false;
    for (;;) {
      const sp = this.skipSpace();
      if (this.startsWith('/>')) { this.pos += 2; selfClosing = true; break; }
      if (this.startsWith('>')) { this.pos++; break; }
      if (this.pos >= this.s.length) this.fail('unterminated start tag', start);
      if (!sp) this.fail('expected white space between attributes');
      const at = this.pos;
      if (rawAttrs.length + nsDecls.size >= this.limits.maxAttributes) this.fail(`more than ${this.limits.maxAttributes} attributes on <${name}>`, at);
      const an = this.qname();
      this.skipSpace();
      if (this.s[this.pos] !== '=') this.fail("expected '=' after attribute name");
      this.pos++;
      this.skipSpace();
      const { value } = this.attrValue();
      this.count();
      if (an === 'xmlns' || an.startsWith('xmlns:')) {
        const p = an === 'xmlns' ? '' : an.slice(6);
        if (nsDecls.has(p)) this.fail(`duplicate namespace declaration ${an}`, at);
        if (p === 'xmlns' || (p === 'xml' && value !== XML_NS) || (p !== 'xml' && value === XML_NS) || value === XMLNS_NS) this.fail(`reserved namespace binding ${an}`, at);
        if (p !== '' && value === '') this.fail(`empty namespace for prefix ${p}`, at);
        nsDecls.set(p, value);
      } else {
        if (rawNames.has(an)) this.fail(`duplicate attribute ${an}`, at);
        rawNames.add(an);
        rawAttrs.push({ name: an, value, at });
      }
    }
    const scope = nsDecls.size ? new Map([...parentNs, ...nsDecls]) : parentNs;
    const el = makeElement(name, scope, (r) => this.fail(r, start));
    el.nsDecls = nsDecls;
    const seen = new Set<string>();
    for (const a of rawAttrs) {
      const [prefix, local] = splitQName(a.name);
      let ns: string | null = null;
      if (prefix !== null) {
        ns = prefix === 'xml' ? XML_NS : scope.get(prefix) ?? null;
        if (ns === null) this.fail(`unbound prefix ${prefix}`, a.at);
      }
      const key = `{${ns ?? ''}}${local}`;
      if (seen.has(key)) this.fail(`duplicate attribute ${a.name}`, a.at);
      seen.add(key);
      el.attrs.push({ name: a.name, prefix, local, ns, value: a.value });
    }
    this.count();
    if (selfClosing) return el;
    this.content(el, scope, depth);
    // End tag.
    const endName = this.qname();
    if (endName !== name) this.fail(`end tag </${endName}> does not match <${name}>`);
    this.skipSpace();
    if (this.s[this.pos] !== '>') this.fail("expected '>' in end tag");
    this.pos++;
    return el;
  }

  content(el: XmlElement, scope: NsContext, depth: number): void {
    let text = '';
    const flush = () => {
      if (text) { el.children.push({ kind: 'text', value: text }); this.count(); text = ''; }
    };
    for (;;) {
      if (this.pos >= this.s.length) this.fail(`unterminated element <${el.name}>`);
      const lt = this.s.indexOf('<', this.pos);
      if (lt < 0) this.fail(`unterminated element <${el.name}>`);
      if (lt > this.pos) {
        const raw = this.s.slice(this.pos, lt);
        if (raw.includes(']]>')) this.fail("']]>' in character data", this.pos + raw.indexOf(']]>'));
        this.checkChars(raw, this.pos);
        text += this.unescape(raw, this.pos, false);
        this.pos = lt;
      }
      if (this.startsWith('</')) { flush(); this.pos += 2; return; }
      if (this.startsWith('<![CDATA[')) {
        const end = this.s.indexOf(']]>', this.pos + 9);
        if (end < 0) this.fail('unterminated CDATA section');
        const raw = this.s.slice(this.pos + 9, end);
        this.checkChars(raw, this.pos + 9);
        text += raw;
        this.pos = end + 3;
        continue;
      }
      flush();
      if (this.startsWith('<!--')) el.children.push(this.comment());
      else if (this.startsWith('<?')) el.children.push(this.pi());
      else if (this.startsWith('<!')) this.fail('markup declaration inside content');
      else el.children.push(this.element(scope, depth + 1));
    }
  }
}

/** Split `p:l` into [p, l]; an unprefixed name gives [null, name]. */
export function splitQName(q: string): [string | null, string] {
  const i = q.indexOf(':');
  return i < 0 ? [null, q] : [q.slice(0, i), q.slice(i + 1)];
}

/** A new element named `qname`, its namespace resolved in `scope`. */
export function makeElement(qname: string, scope: NsContext, fail: (reason: string) => never = (r) => { throw new DecodeError('xml', 0, r); }): XmlElement {
  const [prefix, local] = splitQName(qname);
  let ns: string | null;
  if (prefix === null) ns = scope.get('') || null;
  else {
    if (prefix === 'xmlns') fail('element named with the xmlns prefix');
    ns = prefix === 'xml' ? XML_NS : scope.get(prefix) ?? null;
    if (ns === null) fail(`unbound prefix ${prefix}`);
  }
  return { kind: 'element', name: qname, prefix, local, ns, attrs: [], nsDecls: new Map(), children: [] };
}

function prepare(input: Uint8Array | string, limits: Required<XmlLimits>): string {
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > limits.maxBytes) throw new DecodeError('xml', limits.maxBytes, `document larger than ${limits.maxBytes} bytes`);
    return eol(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
  }
  if (input.length > limits.maxBytes) throw new DecodeError('xml', limits.maxBytes, `document larger than ${limits.maxBytes} bytes`);
  // UTF-16 byte-order marks mean "not UTF-8" rather than "not well-formed".
  if (input.length >= 2 && ((input[0] === 0xfe && input[1] === 0xff) || (input[0] === 0xff && input[1] === 0xfe))) {
    throw new DecodeError('xml', 0, `${NOT_UTF8}: UTF-16 byte-order mark`);
  }
  return eol(decodeUtf8(input)); // TextDecoder drops a UTF-8 BOM
}

/** §2.11 end-of-line handling: CR LF and lone CR become LF before parsing. */
const eol = (s: string): string => (s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s);

/** Parse a whole XML document (prolog, one root element, trailing misc). */
export function parseXmlDocument(input: Uint8Array | string, limits: XmlLimits = {}): XmlElement {
  const lim = { ...DEFAULT_XML_LIMITS, ...limits };
  const p = new Parser(prepare(input, lim), lim);
  if (p.startsWith('<?xml') && /^<\?xml[\s?]/.test(p.s.slice(0, 6))) p.xmlDecl();
  p.misc(null);
  if (p.s[p.pos] !== '<' || p.startsWith('<!') || p.startsWith('</')) p.fail('expected the root element');
  const root = p.element(new Map(), 1);
  p.misc(null);
  if (p.pos !== p.s.length) p.fail('content after the root element');
  return root;
}

/**
 * Parse an XCAP element body (application/xcap-el+xml, RFC 4825 §8.2.3):
 * exactly one element, optionally surrounded by white space (and an XML
 * declaration). Prefixes not declared in the body resolve in `context` — the
 * bindings in scope where the element goes. Throws DecodeError with reason
 * 'not-xml-frag' when the body is well-formed but not a single element.
 */
export function parseXmlFragment(input: Uint8Array | string, context: NsContext, limits: XmlLimits = {}): XmlElement {
  const lim = { ...DEFAULT_XML_LIMITS, ...limits };
  const p = new Parser(prepare(input, lim), lim);
  if (/^<\?xml[\s?]/.test(p.s.slice(0, 6))) p.xmlDecl();
  p.skipSpace();
  if (p.startsWith('<!DOCTYPE') || p.startsWith('<!doctype')) p.fail('DOCTYPE is not allowed');
  if (p.s[p.pos] !== '<' || p.startsWith('<!') || p.startsWith('</') || p.startsWith('<?')) {
    // Decide between not-well-formed and not-xml-frag: plain text is a fragment of the wrong kind.
    if (p.pos >= p.s.length || !p.s.slice(p.pos).includes('<')) p.fail('not-xml-frag: not a single element');
    p.fail('not-xml-frag: not a single element');
  }
  const el = p.element(context, 1);
  p.skipSpace();
  if (p.pos !== p.s.length) {
    // Well-formed content after the element (a second element, text) → not a single element.
    p.fail('not-xml-frag: more than one element');
  }
  return el;
}

/**
 * Parse an attribute value body (application/xcap-att+xml, RFC 4825 §8.2.4):
 * the AttValue production without its quotes. Returns the unescaped value;
 * throws DecodeError ('not-xml-att-value: ...') otherwise.
 */
export function parseAttValue(input: Uint8Array | string, limits: XmlLimits = {}): string {
  const lim = { ...DEFAULT_XML_LIMITS, ...limits };
  const s = prepare(input, lim);
  const p = new Parser(s, lim);
  try {
    if (s.includes('"') && s.includes("'")) p.fail('both quote characters');
    p.checkChars(s, 0);
    return p.unescape(s, 0, true);
  } catch (e) {
    if (e instanceof DecodeError && !e.reason.startsWith(NOT_UTF8)) throw new DecodeError('xml', e.offset, `not-xml-att-value: ${e.reason}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Serialisation (canonical for omnisep: double-quoted attributes, minimal escapes, empty elements as <x/>).

export const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
export const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

function serialiseInto(n: XmlNode, out: string[]): void {
  switch (n.kind) {
    case 'text': out.push(escapeText(n.value)); return;
    case 'comment': out.push(`<!--${n.value}-->`); return;
    case 'pi': out.push(`<?${n.target}${n.data ? ' ' + n.data : ''}?>`); return;
    case 'element': {
      out.push('<', n.name);
      for (const [p, uri] of n.nsDecls) out.push(' ', p ? `xmlns:${p}` : 'xmlns', '="', escapeAttr(uri), '"');
      for (const a of n.attrs) out.push(' ', a.name, '="', escapeAttr(a.value), '"');
      if (!n.children.length) { out.push('/>'); return; }
      out.push('>');
      for (const c of n.children) serialiseInto(c, out);
      out.push('</', n.name, '>');
    }
  }
}

/** One node as XML text (an element with only the declarations written on it). */
export function serialiseNode(n: XmlNode): string {
  const out: string[] = [];
  serialiseInto(n, out);
  return out.join('');
}

/** A whole document: XML declaration, root, final newline. */
export function serialiseDocument(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serialiseNode(root)}\n`;
}

// ---------------------------------------------------------------------------
// Helpers over the DOM.

export const childElements = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => c.kind === 'element');

/** Concatenated text of an element's direct text children. */
export const textOf = (el: XmlElement): string => el.children.map((c) => (c.kind === 'text' ? c.value : '')).join('');

export function getAttr(el: XmlElement, local: string, ns: string | null = null): string | undefined {
  return el.attrs.find((a) => a.local === local && a.ns === ns)?.value;
}

/** Deep copy. */
export function cloneNode<T extends XmlNode>(n: T): T {
  if (n.kind !== 'element') return { ...n };
  const el = n as XmlElement;
  return { ...el, attrs: el.attrs.map((a) => ({ ...a })), nsDecls: new Map(el.nsDecls), children: el.children.map(cloneNode) } as T;
}

/** The namespace bindings in scope at `path[last]`, given the chain of ancestors from the root. */
export function scopeAt(path: readonly XmlElement[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const el of path) for (const [p, u] of el.nsDecls) m.set(p, u);
  return m;
}
