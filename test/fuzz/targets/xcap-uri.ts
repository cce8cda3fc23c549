/**
 * An XCAP request target (RFC 4825 §6) as the XCAP plugin reads it: path + query → parseXcapUri (node
 * selector, xmlns() bindings, XUI), then the operations a GET, PUT and DELETE run on the default simservs
 * document with the request body. DecodeError is the typed refusal (→ 400/404/409).
 * Input: `<path>\n<query>\n<body>`.
 */
import { DecodeError } from '../../../src/codec/decode-error.js';
import { formatNodeSelector, parseNodeSelector, parseXcapUri, xuiToMsisdn } from '../../../src/codec/xcap/uri.js';
import { deleteNode, getNode, putNode, type OpOptions } from '../../../src/services/xcap/operations.js';
import { defaultDocument } from '../../../src/services/xcap/document.js';
import { DEFAULT_SCHEMA_OPTIONS } from '../../../src/services/xcap/schema.js';
import { DEFAULT_XML_LIMITS } from '../../../src/codec/xcap/xml.js';
import type { FuzzTarget } from '../engine.js';
import { text } from './seeds.js';

const doc = defaultDocument();
const opts: OpOptions = {
  schema: DEFAULT_SCHEMA_OPTIONS,
  limits: { ...DEFAULT_XML_LIMITS, maxBytes: 256 * 1024, maxDepth: 24, maxNodes: 10_000 },
  nodeUri: (s) => `/simservs.ngn.etsi.org/users/tel:+15551234567/simservs.xml${s ? `/~~/${s}` : ''}`,
};
const U = '/simservs.ngn.etsi.org/users/sip:+15551234567@ims.example.com/simservs.xml';

const target: FuzzTarget = {
  name: 'xcap-uri',
  describe: 'parseXcapUri (selector, xmlns(), XUI) → formatNodeSelector round trip, getNode/putNode/deleteNode on the default document',
  seeds: () => text(
    `${U}\n\n`,
    `${U}/~~/simservs/communication-diversion/cp:ruleset/cp:rule%5B@id=%22call-forwarding-no-reply%22%5D/cp:actions/forward-to/target\n\n<target>tel:+15550001111</target>`,
    `${U}/~~/simservs/communication-diversion/NoReplyTimer\nxmlns(ss=http://uri.etsi.org/ngn/params/xml/simservs/xcap)\n<NoReplyTimer>30</NoReplyTimer>`,
    `${U}/~~/simservs/originating-identity-presentation/@active\n\n"false"`,
    `${U}/~~/simservs/*[2]/cp:ruleset/cp:rule[1]\nxmlns(cp=urn:ietf:params:xml:ns:common-policy)xmlns(x=y)\n<cp:rule id="r"><cp:conditions/><cp:actions/></cp:rule>`,
    '/xcap-caps/global/index\n\n',
    `/simservs.ngn.etsi.org/users/tel:+1-555-123-4567/simservs.xml/~~/simservs/incoming-communication-barring\n\n<incoming-communication-barring active="true"/>`,
  ),
  tokens: ['/', '/~~/', '[', ']', '@', '=', '"', "'", ':', '*', '%2F', '%5B', '%22', 'xmlns(', ')', 'cp:', 'ss:', '::', '..', 'tel:+', 'sip:', ';user=phone', '<', '>', '</', '/>'],
  maxLength: 8192,
  expected: (e) => e instanceof DecodeError,
  run(input) {
    const s = input.toString('utf8');
    const a = s.indexOf('\n');
    const b = a < 0 ? -1 : s.indexOf('\n', a + 1);
    const path = a < 0 ? s : s.slice(0, a);
    const query = a < 0 ? '' : b < 0 ? s.slice(a + 1) : s.slice(a + 1, b);
    const body = Buffer.from(b < 0 ? '' : s.slice(b + 1));
    const t = parseXcapUri(path, query);
    if (!t || t.kind === 'caps') return;
    xuiToMsisdn(t.xui);
    if (t.kind !== 'node') return;
    // A selector printed back must parse to the same text (it names ancestors in <no-parent>).
    const again = formatNodeSelector(parseNodeSelector(formatNodeSelector(t.selector)));
    if (again !== formatNodeSelector(t.selector)) throw new Error(`selector round trip: ${formatNodeSelector(t.selector)} → ${again}`);
    getNode(doc, t);
    putNode(doc, t, body, opts);
    deleteNode(doc, t, opts);
  },
};
export default target;
