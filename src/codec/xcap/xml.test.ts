import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DecodeError } from '../decode-error.js';
import { repoPath } from '../../util/repo-path.js';
import {
  decodeUtf8,
  NOT_UTF8, parseAttValue, parseXmlDocument, parseXmlFragment, serialiseDocument, serialiseNode, childElements, getAttr, textOf,
} from './xml.js';

const fixture = (...p: string[]) => readFileSync(repoPath('fixtures', 'xcap', ...p));
const SS = 'http://uri.etsi.org/ngn/params/xml/simservs/xcap';
const CP = 'urn:ietf:params:xml:ns:common-policy';

function decodeFails(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof DecodeError && e.protocol === 'xml' && re.test(e.reason));
}

test('the spec example parses with namespaces resolved', () => {
  const root = parseXmlDocument(fixture('spec-example.xml'));
  assert.equal(root.local, 'simservs');
  assert.equal(root.ns, SS);
  const cdiv = childElements(root).find((e) => e.local === 'communication-diversion')!;
  assert.equal(getAttr(cdiv, 'active'), 'true');
  const ruleset = childElements(cdiv)[1]!;
  assert.equal(ruleset.ns, CP);
  assert.equal(ruleset.prefix, 'cp');
  const rule = childElements(ruleset)[0]!;
  assert.equal(getAttr(rule, 'id'), 'cfb');
  const busy = childElements(childElements(rule)[0]!)[0]!;
  assert.equal(busy.ns, SS, 'unprefixed element inside cp: is in the default namespace');
});

test('a prefixed root (ss:) resolves like the default-namespace form', () => {
  const root = parseXmlDocument(fixture('full.xml'));
  assert.equal(root.ns, SS);
  assert.equal(root.local, 'simservs');
});

test('serialisation round-trips the golden default document byte for byte', () => {
  const text = fixture('default.xml').toString('utf8');
  assert.equal(serialiseDocument(parseXmlDocument(text)), text);
});

test('entities: the five predefined and character references only', () => {
  const root = parseXmlDocument('<a xmlns="urn:x" v="&lt;&amp;&quot;&#65;&#x42;">x &gt; y &apos; <![CDATA[<raw>&]]></a>');
  assert.equal(getAttr(root, 'v'), '<&"AB');
  assert.equal(textOf(root), "x > y ' <raw>&");
  assert.equal(serialiseNode(root), '<a xmlns="urn:x" v="&lt;&amp;&quot;AB">x &gt; y \' &lt;raw&gt;&amp;</a>');
  decodeFails(() => parseXmlDocument(fixture('bad', 'undeclared-entity.xml')), /entity reference &nbsp;/);
  decodeFails(() => parseXmlDocument('<a>&#0;</a>'), /bad character reference/);
});

test('DOCTYPE is refused: billion laughs and external entities never expand', () => {
  decodeFails(() => parseXmlDocument(fixture('bad', 'billion-laughs.xml')), /DOCTYPE/);
  decodeFails(() => parseXmlDocument(fixture('bad', 'external-entity.xml')), /DOCTYPE/);
  decodeFails(() => parseXmlFragment('<!DOCTYPE a><a/>', new Map()), /DOCTYPE/);
  decodeFails(() => parseXmlDocument('<a><!ENTITY x "y"></a>'), /markup declaration/);
});

test('invalid UTF-8 and non-UTF-8 encodings are reported as not-utf-8', () => {
  const bad = Buffer.concat([Buffer.from('<a xmlns="urn:x">'), Buffer.from([0xc3, 0x28]), Buffer.from('</a>')]);
  decodeFails(() => parseXmlDocument(bad), new RegExp(`^${NOT_UTF8}`));
  decodeFails(() => parseXmlDocument(Buffer.from([0xff, 0xfe, 0x3c, 0x00])), new RegExp(`^${NOT_UTF8}`));
  decodeFails(() => parseXmlDocument('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'), new RegExp(`^${NOT_UTF8}`));
  // A UTF-8 BOM is fine.
  assert.equal(parseXmlDocument(Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('<a/>')])).local, 'a');
  // The offset is the first invalid sequence's, after valid multi-byte text, a BOM and a literal U+FFFD.
  const offset = (b: Buffer) => { try { decodeUtf8(b); return -1; } catch (e) { return (e as DecodeError).offset; } };
  assert.equal(offset(bad), 17);
  assert.equal(offset(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>é\ufffd𝄞'), Buffer.from([0xe2, 0x82]), Buffer.from('</a>')])), 3 + 3 + 2 + 3 + 4);
  assert.equal(offset(Buffer.from('<a>ok</a>')), -1);
});

test('limits: depth, node count and size are checked before the work they bound', () => {
  const deep = '<a>'.repeat(100) + '</a>'.repeat(100);
  decodeFails(() => parseXmlDocument(deep, { maxDepth: 32 }), /nesting deeper than 32/);
  const wide = `<a>${'<b/>'.repeat(200)}</a>`;
  decodeFails(() => parseXmlDocument(wide, { maxNodes: 100 }), /more than 100 nodes/);
  decodeFails(() => parseXmlDocument(Buffer.alloc(2000, 0x20), { maxBytes: 1000 }), /larger than 1000 bytes/);
});

test('well-formedness errors', () => {
  for (const [doc, re] of [
    ['<a><b></a>', /does not match/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a xmlns:p="urn:1" xmlns:q="urn:1" p:x="1" q:x="2"/>', /duplicate attribute/],
    ['<p:a/>', /unbound prefix p/],
    ['<a/><b/>', /content after the root/],
    ['<a>', /unterminated/],
    ['<a b=1/>', /quoted/],
    ['text', /expected the root/],
    ['<a><!-- x -- y --></a>', /'--' inside a comment/],
    ['<a>\u0001</a>', /not allowed in XML/],
    ['<a xmlns:xmlns="urn:x"/>', /reserved/],
  ] as const) decodeFails(() => parseXmlDocument(doc), re);
});

test('fragments: one element, prefixes resolved in the context of the insertion point', () => {
  const el = parseXmlFragment('  <cp:rule id="x"><cp:conditions><busy/></cp:conditions></cp:rule>\n', new Map([['', SS], ['cp', CP]]));
  assert.equal(el.ns, CP);
  assert.equal(childElements(childElements(el)[0]!)[0]!.ns, SS);
  assert.equal(serialiseNode(el), '<cp:rule id="x"><cp:conditions><busy/></cp:conditions></cp:rule>', 'no declarations invented');
  decodeFails(() => parseXmlFragment('<a/><b/>', new Map()), /^not-xml-frag/);
  decodeFails(() => parseXmlFragment('just text', new Map()), /^not-xml-frag/);
  decodeFails(() => parseXmlFragment('<a/>trailing', new Map()), /^not-xml-frag/);
  decodeFails(() => parseXmlFragment('<x:a/>', new Map()), /unbound prefix/);
});

test('attribute values (AttValue without quotes)', () => {
  assert.equal(parseAttValue('true'), 'true');
  assert.equal(parseAttValue('a &amp; b'), 'a & b');
  decodeFails(() => parseAttValue('a < b'), /^not-xml-att-value/);
  decodeFails(() => parseAttValue('a & b'), /^not-xml-att-value/);
  decodeFails(() => parseAttValue(`it's "x"`), /^not-xml-att-value/);
  decodeFails(() => parseAttValue(Buffer.from([0x80])), new RegExp(`^${NOT_UTF8}`));
});

test('property: any bytes either parse or throw DecodeError — nothing else escapes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try { parseXmlDocument(bytes); } catch (e) { if (!(e instanceof DecodeError)) throw e; }
      try { parseXmlFragment(bytes, new Map()); } catch (e) { if (!(e instanceof DecodeError)) throw e; }
    }),
    { numRuns: 2000 },
  );
});

test('property: parse(serialise(doc)) = doc for generated element trees', () => {
  const name = fc.constantFrom('a', 'b', 'rule', 'x-y', 'N1');
  const textArb = fc.string({ maxLength: 8 }).filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/.test(s));
  const tree: fc.Arbitrary<string> = fc.letrec((tie) => ({
    node: fc.tuple(name, fc.array(fc.tuple(fc.constantFrom('id', 'v'), textArb), { maxLength: 2 }), fc.array(fc.oneof(textArb.map((t) => ({ t })), tie('node')), { maxLength: 3 }))
      .map(([n, attrs, kids]) => {
        const seen = new Set<string>();
        const at = attrs.filter(([k]) => !seen.has(k) && seen.add(k)).map(([k, v]) => ` ${k}="${v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}"`).join('');
        const inner = (kids as (string | { t: string })[]).map((k) => (typeof k === 'string' ? k : k.t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))).join('');
        return `<${n}${at}>${inner}</${n}>`;
      }),
  })).node as fc.Arbitrary<string>;
  fc.assert(
    fc.property(tree, (xml) => {
      const once = serialiseDocument(parseXmlDocument(xml));
      assert.equal(serialiseDocument(parseXmlDocument(once)), once);
    }),
    { numRuns: 500 },
  );
});
