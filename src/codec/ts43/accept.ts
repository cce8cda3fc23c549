/**
 * Content negotiation for TS.43 answers (TS43.md § Response, GSMA TS.43 §2.9):
 * XML (`text/vnd.wap.connectivity-xml`) or JSON (`application/json`) by the
 * `Accept` header. Pure.
 */

export const CONTENT_TYPE_XML = 'text/vnd.wap.connectivity-xml';
export const CONTENT_TYPE_JSON = 'application/json';
export const CONTENT_TYPE_EAP_RELAY = 'application/vnd.gsma.eap-relay.v1.0+json';

export type Ts43Format = 'xml' | 'json';

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** RFC 9110 §12.5.1 media ranges with their q values; junk entries are dropped. */
export function parseAccept(header: string | undefined | null): MediaRange[] {
  if (!header) return [];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';');
    const m = /^\s*([a-z0-9!#$%&'*+.^_`|~-]+)\/([a-z0-9!#$%&'*+.^_`|~-]+)\s*$/i.exec(range ?? '');
    if (!m) continue;
    let q = 1;
    for (const p of params) {
      const qm = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (qm) q = Math.min(1, Math.max(0, Number(qm[1]) || 0));
    }
    out.push({ type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), q });
  }
  return out;
}

/** The q a client gives a concrete media type: the most specific matching range wins. */
function qualityOf(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best = -1;
  let specificity = -1;
  for (const r of ranges) {
    const s = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (s > specificity) {
      specificity = s;
      best = r.q;
    }
  }
  return best < 0 ? 0 : best;
}

const XML_TYPES: ReadonlyArray<[string, string]> = [
  ['text', 'vnd.wap.connectivity-xml'],
  ['application', 'vnd.wap.connectivity-xml'],
  ['text', 'xml'],
  ['application', 'xml'],
];
const JSON_TYPES: ReadonlyArray<[string, string]> = [
  ['application', 'json'],
  ['application', 'vnd.gsma.eap-relay.v1.0+json'],
];

/**
 * XML or JSON. The higher q wins; on a tie XML (Android's token parser reads
 * XML only). No Accept, `*\/*`, or nothing acceptable → XML.
 */
export function negotiateFormat(accept: string | undefined | null): Ts43Format {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return 'xml';
  const qx = Math.max(...XML_TYPES.map(([t, s]) => qualityOf(ranges, t, s)));
  const qj = Math.max(...JSON_TYPES.map(([t, s]) => qualityOf(ranges, t, s)));
  if (qj > qx) return 'json';
  return 'xml';
}

export const contentTypeOf = (f: Ts43Format): string => (f === 'xml' ? `${CONTENT_TYPE_XML}; charset=utf-8` : `${CONTENT_TYPE_JSON}; charset=utf-8`);

/** Whether a Content-Type header names the EAP relay type (parameters and case ignored). */
export const isEapRelayContentType = (ct: string | undefined | null): boolean =>
  !!ct && ct.split(';')[0]!.trim().toLowerCase() === CONTENT_TYPE_EAP_RELAY;
