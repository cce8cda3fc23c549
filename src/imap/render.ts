/**
 * Pieces of IMAP responses (RFC 3501 §7): strings, ENVELOPE and BODYSTRUCTURE of a stored message, the
 * bytes of a FETCH body section, and sequence-set membership. Pure.
 */
import { headerFields, headerLength, multipartBoundary, multipartParts, pickHeaderFields, sectionEntity } from './mime.js';
import { STAR, type BodySection, type SeqSet } from './parser.js';

/** A quoted string when it is safe, else a literal. NIL for null. */
export function istring(s: string | null | undefined): string {
  if (s === null || s === undefined) return 'NIL';
  if (/^[\x20-\x7e]*$/.test(s) && s.length < 1024) return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const b = Buffer.from(s, 'utf8');
  return `{${b.length}}\r\n${b.toString('latin1')}`;
}

/** Does `n` (a sequence number or a UID) fall in the set? `*` is `max`. */
export function inSet(set: SeqSet, n: number, max: number): boolean {
  for (const r of set) {
    const a = r.from === STAR ? max : r.from;
    const b = r.to === STAR ? max : r.to;
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

function address(v: string | undefined): string {
  if (!v) return 'NIL';
  const list = v.split(',').map((a) => a.trim()).filter(Boolean).slice(0, 32).map((a) => {
    const m = /^(.*?)<([^>]*)>$/.exec(a);
    const name = m ? m[1]!.trim().replace(/^"|"$/g, '') : '';
    const addr = m ? m[2]! : a;
    const at = addr.lastIndexOf('@');
    const local = at >= 0 ? addr.slice(0, at) : addr;
    const host = at >= 0 ? addr.slice(at + 1) : '';
    return `(${name ? istring(name) : 'NIL'} NIL ${istring(local)} ${host ? istring(host) : 'NIL'})`;
  });
  return list.length ? `(${list.join('')})` : 'NIL';
}

export function envelope(raw: Buffer): string {
  const h = new Map<string, string>();
  for (const [k, v] of headerFields(raw.subarray(0, headerLength(raw)))) if (!h.has(k.toLowerCase())) h.set(k.toLowerCase(), v);
  const from = address(h.get('from'));
  const pick = (k: string, dflt: string) => (h.has(k) ? address(h.get(k)) : dflt);
  return `(${istring(h.get('date'))} ${istring(h.get('subject'))} ${from} ${pick('sender', from)} ${pick('reply-to', from)} ${address(h.get('to'))} ${address(h.get('cc'))} ${address(h.get('bcc'))} ${istring(h.get('in-reply-to'))} ${istring(h.get('message-id'))})`;
}

function params(ct: string): string {
  const out: string[] = [];
  for (const m of ct.matchAll(/;\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"([^"]*)"|([^;\s]*))/g)) out.push(istring(m[1]!.toLowerCase()), istring(m[2] ?? m[3] ?? ''));
  return out.length ? `(${out.join(' ')})` : 'NIL';
}

/** BODYSTRUCTURE (non-extensible form, also valid for BODY) of an entity, recursing into multiparts. */
export function bodyStructure(entity: Buffer, depth = 0): string {
  const hl = headerLength(entity);
  const fields = new Map(headerFields(entity.subarray(0, hl)).map(([k, v]) => [k.toLowerCase(), v] as const));
  const ct = fields.get('content-type') ?? 'text/plain; charset=us-ascii';
  const [type, sub] = ct.split(';')[0]!.trim().split('/');
  if (multipartBoundary(ct) && depth < 8) {
    const parts = multipartParts(entity) ?? [];
    if (parts.length) return `(${parts.map((p) => bodyStructure(p, depth + 1)).join('')} ${istring((sub ?? 'mixed').toLowerCase())})`;
  }
  const body = entity.subarray(hl);
  const enc = (fields.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const base = `${istring((type ?? 'text').toLowerCase())} ${istring((sub ?? 'plain').toLowerCase())} ${params(ct)} ${istring(fields.get('content-id'))} ${istring(fields.get('content-description'))} ${istring(enc)} ${body.length}`;
  if ((type ?? '').toLowerCase() === 'text') return `(${base} ${body.toString('latin1').split('\n').length - 1})`;
  return `(${base})`;
}

/** The bytes of a body section (before any partial), or an empty buffer when the part does not exist. */
export function sectionBytes(raw: Buffer, headerBytes: number, s: BodySection): Buffer {
  if (!s.path.length) {
    switch (s.section.kind) {
      case 'all': return raw;
      case 'header': return raw.subarray(0, headerBytes);
      case 'text': return raw.subarray(headerBytes);
      case 'fields': return pickHeaderFields(raw.subarray(0, headerBytes), s.section.names, s.section.not);
      default: return Buffer.alloc(0);
    }
  }
  const entity = sectionEntity(raw, s.path);
  if (!entity) return Buffer.alloc(0);
  const hl = headerLength(entity);
  switch (s.section.kind) {
    case 'all': return entity.subarray(hl);
    case 'mime': return entity.subarray(0, hl);
    case 'header': return entity.subarray(0, hl);
    case 'text': return entity.subarray(hl);
    case 'fields': return pickHeaderFields(entity.subarray(0, hl), s.section.names, s.section.not);
  }
}

/** Applies `<start.length>`; the response item name then carries `<start>` (RFC 3501 §7.4.2). */
export function partialOf(bytes: Buffer, s: BodySection): { bytes: Buffer; suffix: string } {
  if (!s.partial) return { bytes, suffix: '' };
  const start = Math.min(s.partial.start, bytes.length);
  return { bytes: bytes.subarray(start, Math.min(bytes.length, start + s.partial.length)), suffix: `<${s.partial.start}>` };
}
