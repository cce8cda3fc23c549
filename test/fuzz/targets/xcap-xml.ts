/**
 * XML bodies of XCAP PUTs (src/codec/xcap/xml.ts): a whole document (→ simservs schema check, the view the
 * admin API shows, serialise → parse again), an element fragment and an attribute value, with the limits the
 * daemon runs at. DecodeError is the typed refusal (→ 409 not-well-formed / not-xml-frag / not-xml-att-value).
 */
import { DecodeError } from '../../../src/codec/decode-error.js';
import { DEFAULT_XML_LIMITS, parseAttValue, parseXmlDocument, parseXmlFragment, serialiseDocument } from '../../../src/codec/xcap/xml.js';
import { DEFAULT_SELECTOR_BINDINGS, SIMSERVS_NS } from '../../../src/codec/xcap/uri.js';
import { documentToView } from '../../../src/services/xcap/document.js';
import { DEFAULT_SCHEMA_OPTIONS, validateSimservs } from '../../../src/services/xcap/schema.js';
import { tolerate, type FuzzTarget } from '../engine.js';
import { fileFixtures } from './seeds.js';

const expected = (e: unknown) => e instanceof DecodeError;
const limits = { ...DEFAULT_XML_LIMITS, maxBytes: 256 * 1024, maxDepth: 24, maxNodes: 10_000 };
const scope = new Map([['', SIMSERVS_NS], ...DEFAULT_SELECTOR_BINDINGS]);

const target: FuzzTarget = {
  name: 'xcap-xml',
  describe: 'parseXmlDocument → validateSimservs, documentToView, serialise → parse; parseXmlFragment; parseAttValue (daemon limits)',
  seeds: () => [...fileFixtures('.xml', 'xcap'), ...fileFixtures('.xml', 'xcap', 'bad'), ...fileFixtures('.xml', 'xcap', 'errors')],
  tokens: ['<', '>', '</', '/>', '<!DOCTYPE x [<!ENTITY a "b">]>', '&a;', '&#0;', '&#x10FFFF;', '&lt;', '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>', ' xmlns="', ' xmlns:cp="', 'cp:', ' id="', '"', "'", '=', '\u00e9', '\ufeff', '\xff'],
  maxLength: 32 * 1024,
  expected,
  run(input) {
    tolerate(expected, () => parseXmlFragment(input, scope, limits));
    tolerate(expected, () => parseAttValue(input, limits));
    const doc = parseXmlDocument(input, limits);
    validateSimservs(doc, DEFAULT_SCHEMA_OPTIONS);
    documentToView(doc);
    // What the store keeps is the serialised document: it must load again.
    parseXmlDocument(serialiseDocument(doc), { ...limits, maxBytes: Infinity });
  },
};
export default target;
