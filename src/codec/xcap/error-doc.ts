/**
 * XCAP error documents (RFC 4825 §11, media type application/xcap-error+xml,
 * namespace urn:ietf:params:xml:ns:xcap-error), sent with 409. Pure builders.
 */
import { XCAP_ERROR_NS } from './uri.js';
import { escapeAttr, escapeText } from './xml.js';

export const XCAP_ERROR_CONTENT_TYPE = 'application/xcap-error+xml';

/** The error conditions of RFC 4825 §11.2 that omnisep raises. */
export type XcapErrorCondition =
  | 'not-well-formed'
  | 'not-xml-frag'
  | 'not-xml-att-value'
  | 'schema-validation-error'
  | 'no-parent'
  | 'cannot-insert'
  | 'cannot-delete'
  | 'uniqueness-failure'
  | 'constraint-failure'
  | 'not-utf-8';

export interface XcapErrorDetail {
  condition: XcapErrorCondition;
  /** Human-readable `phrase` attribute (never holds secrets or document content beyond names). */
  phrase?: string;
  /** no-parent: the XCAP URI of the closest existing ancestor (§11.2 <ancestor>). */
  ancestor?: string;
  /** uniqueness-failure: the field (a node selector) that must be unique, with suggested alternative values. */
  exists?: { field: string; altValues?: string[] };
}

/** Build the error document body. */
export function buildXcapError(e: XcapErrorDetail): string {
  const phrase = e.phrase ? ` phrase="${escapeAttr(e.phrase)}"` : '';
  let inner = '';
  if (e.condition === 'no-parent' && e.ancestor !== undefined) inner = `<ancestor>${escapeText(e.ancestor)}</ancestor>`;
  if (e.condition === 'uniqueness-failure' && e.exists) {
    const alts = (e.exists.altValues ?? []).map((v) => `<alt-value>${escapeText(v)}</alt-value>`).join('');
    inner = `<exists field="${escapeAttr(e.exists.field)}">${alts}</exists>`;
  }
  const body = inner ? `<${e.condition}${phrase}>${inner}</${e.condition}>` : `<${e.condition}${phrase}/>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<xcap-error xmlns="${XCAP_ERROR_NS}">${body}</xcap-error>\n`;
}
