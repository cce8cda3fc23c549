import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DecodeError } from '../decode-error.js';
import { repoPath } from '../../util/repo-path.js';
import {
  COMMON_POLICY_NS, formatNodeSelector, normaliseMsisdn, parseNodeSelector, parseXcapUri, parseXmlnsQuery, selectElements,
  xuiToMsisdn, xuiToMsisdnByPattern, type XcapTarget,
} from './uri.js';
import { getAttr, parseXmlDocument } from './xml.js';
import { buildXcapError } from './error-doc.js';

const DOC = '/simservs.ngn.etsi.org/users/tel:+15551234567/simservs.xml';
const node = (t: XcapTarget | null) => {
  assert.ok(t && t.kind === 'node');
  return t;
};

test('document URIs for sip: and tel: XUIs, percent-encoded or not, under a root prefix', () => {
  assert.deepEqual(parseXcapUri(DOC, ''), { kind: 'document', xui: 'tel:+15551234567' });
  assert.deepEqual(parseXcapUri('/simservs.ngn.etsi.org/users/tel%3A%2B15551234567/simservs.xml', ''), { kind: 'document', xui: 'tel:+15551234567' });
  assert.deepEqual(parseXcapUri('/simservs.ngn.etsi.org/users/sip:+15551234567@ims.example.com/simservs.xml', ''), { kind: 'document', xui: 'sip:+15551234567@ims.example.com' });
  assert.deepEqual(parseXcapUri('/xcap-root/simservs.ngn.etsi.org/users/sip%3A%2B15551234567%40ims.example.com/simservs.xml', '', '/xcap-root'), { kind: 'document', xui: 'sip:+15551234567@ims.example.com' });
  assert.equal(parseXcapUri(DOC, '', '/xcap-root'), null, 'outside the configured root');
  assert.equal(parseXcapUri('/simservs.ngn.etsi.org/users/tel:+1555/other.xml', ''), null);
  assert.equal(parseXcapUri('/resource-lists/users/tel:+1555/index', ''), null);
  assert.deepEqual(parseXcapUri('/xcap-caps/global/index', ''), { kind: 'caps' });
});

test('node selectors: names with prefixes, positions, attribute tests, wildcard, final attribute', () => {
  const t = node(parseXcapUri(`${DOC}/~~/simservs/communication-diversion/cp:ruleset/cp:rule%5B@id=%22cfb%22%5D`, ''));
  assert.equal(t.selectorText, 'simservs/communication-diversion/cp:ruleset/cp:rule[@id="cfb"]');
  assert.deepEqual(t.selector.steps[3], { name: { prefix: 'cp', local: 'rule' }, attr: { name: { prefix: null, local: 'id' }, value: 'cfb' } });
  assert.equal(t.bindings.get('cp'), COMMON_POLICY_NS, 'cp is bound without a query');
  const s = parseNodeSelector(`simservs/*[2]/cp:ruleset/cp:rule[1][@id='x']/@active`);
  assert.deepEqual(s.steps[1], { name: null, position: 2 });
  assert.deepEqual(s.steps[3], { name: { prefix: 'cp', local: 'rule' }, position: 1, attr: { name: { prefix: null, local: 'id' }, value: 'x' } });
  assert.deepEqual(s.attribute, { prefix: null, local: 'active' });
  assert.equal(formatNodeSelector(s), `simservs/*[2]/cp:ruleset/cp:rule[1][@id="x"]/@active`);
  // Slashes inside a quoted predicate value are not step separators.
  assert.equal(parseNodeSelector('a/b[@uri="sip:x/y"]').steps.length, 2);
});

test('xmlns() query bindings (RFC 4825 §6.4) override the built-in ones', () => {
  assert.deepEqual([...parseXmlnsQuery('xmlns(a=urn:a)xmlns(b=urn:b)')], [['a', 'urn:a'], ['b', 'urn:b']]);
  const t = node(parseXcapUri(`${DOC}/~~/simservs/communication-diversion/p:ruleset`, 'xmlns(p=urn:ietf:params:xml:ns:common-policy)'));
  assert.equal(t.bindings.get('p'), COMMON_POLICY_NS);
  assert.throws(() => parseXcapUri(`${DOC}/~~/simservs/q:x`, ''), DecodeError, 'unbound prefix');
});

test('malformed selectors and URIs throw DecodeError (→ 400)', () => {
  for (const sel of ['', 'a//b', 'a[', 'a[@id="x]', 'a/@b/c', '@a', 'a[0]', 'a[x]', '../b', 'a/../../b', 'a/namespace::*', 'a[1][2][3]', '1a']) {
    assert.throws(() => parseNodeSelector(sel), DecodeError, sel);
  }
  assert.throws(() => parseXcapUri(`${DOC}/~~/a%ZZ`, ''), DecodeError);
  assert.throws(() => parseXcapUri(DOC, 'xmlns(a=urn:a)'), DecodeError, 'query without selector');
  assert.throws(() => parseXcapUri(`${DOC}/~~/a`, 'foo=bar'), DecodeError);
});

test('selectors that try to climb out name nothing else: ".." steps are refused, escaped XUIs stay one segment', () => {
  assert.throws(() => parseXcapUri(`${DOC}/~~/../../tel:+15550000000/simservs.xml`, ''), DecodeError);
  assert.throws(() => parseXcapUri(`${DOC}/~~/%2E%2E/%2E%2E/x`, ''), DecodeError);
  assert.equal(parseXcapUri('/simservs.ngn.etsi.org/users/../users/tel:+15550000000/simservs.xml', ''), null);
  const t = parseXcapUri('/simservs.ngn.etsi.org/users/tel:+1555%2F..%2F1/simservs.xml', '');
  assert.deepEqual(t, { kind: 'document', xui: 'tel:+1555/../1' });
  assert.equal(xuiToMsisdn('tel:+1555/../1'), null);
});

test('XUI → MSISDN', () => {
  assert.equal(xuiToMsisdn('tel:+15551234567'), '15551234567');
  assert.equal(xuiToMsisdn('tel:+1-555-123-4567;foo=bar'), '15551234567');
  assert.equal(xuiToMsisdn('sip:+15551234567@ims.example.com;user=phone'), '15551234567');
  assert.equal(xuiToMsisdn('sip:+15551234567;npdi@ims.example.com'), '15551234567');
  assert.equal(xuiToMsisdn('SIPS:15551234567@ims.example.com'), '15551234567');
  assert.equal(xuiToMsisdn('sip:alice@example.com'), null);
  assert.equal(xuiToMsisdn('tel:5551234;phone-context=example.com'), null, 'local numbers are not mapped');
  assert.equal(xuiToMsisdn('mailto:x@y'), null);
  assert.equal(normaliseMsisdn('+1 555 123-4567'), '15551234567');
  assert.equal(normaliseMsisdn('abc'), null);
});

test('XUI → MSISDN: plain XUIs (read without the patterns) and every other one answer as the patterns do', () => {
  const piece = fc.constantFrom('sip:', 'sips:', 'tel:', 'SIP:', '+', '++', '1', '5', '0', '123456', '1555123', '@', 'ims.example.com', ';', ';user=phone', '-', '.', '(', 'a', '%2B', ' ');
  const digits = fc.stringMatching(/^[0-9]{0,17}$/);
  const xui = fc.oneof(
    fc.array(piece, { maxLength: 8 }).map((p) => p.join('')),
    fc.tuple(fc.constantFrom('sip:', 'sips:', 'tel:'), fc.constantFrom('', '+'), digits, fc.constantFrom('', '@ims.example.com', '@', '@a@b', ';npdi@h', '@h;user=phone')).map((p) => p.join('')),
    fc.string({ maxLength: 30 }),
  );
  fc.assert(fc.property(xui, (x) => assert.equal(xuiToMsisdn(x), xuiToMsisdnByPattern(x), x)), { numRuns: 5000 });
  for (const x of ['sip:+15551234567@h', 'sip:15551234567@h', 'sips:+15551234567@h', 'tel:+15551234567', 'tel:+12345', 'tel:+1234', 'tel:+1234567890123456', 'sip:+1555@h', 'sip:+15551234567@', 'sip:+15551234567@a@b', 'sip:+15551234567']) {
    assert.equal(xuiToMsisdn(x), xuiToMsisdnByPattern(x), x);
  }
});

test('evaluation follows XPath child-step semantics', () => {
  const doc = parseXmlDocument(readFileSync(repoPath('fixtures', 'xcap', 'full.xml')));
  const b = new Map([['cp', COMMON_POLICY_NS]]);
  const sel = (s: string) => selectElements(doc, parseNodeSelector(s).steps, b);
  assert.equal(sel('simservs').length, 1);
  assert.equal(sel('simservs/communication-diversion/cp:ruleset/cp:rule').length, 5);
  const second = sel('simservs/communication-diversion/cp:ruleset/cp:rule[2]');
  assert.equal(getAttr(second[0]!.at(-1)!, 'id'), 'cfb');
  assert.equal(sel('simservs/communication-diversion/cp:ruleset/cp:rule[2][@id="cfb"]').length, 1);
  assert.equal(sel('simservs/communication-diversion/cp:ruleset/cp:rule[1][@id="cfb"]').length, 0, 'position first, then the attribute test');
  assert.equal(sel('simservs/*[3]')[0]!.at(-1)!.local, 'communication-waiting');
  assert.equal(sel('simservs/*').length, 6);
  assert.equal(sel('simservs/ruleset').length, 0);
  assert.equal(sel('cp:simservs').length, 0, 'namespace is part of the name test');
});

test('error documents match the golden files', () => {
  const golden = (n: string) => readFileSync(repoPath('fixtures', 'xcap', 'errors', n), 'utf8');
  assert.equal(buildXcapError({ condition: 'no-parent', ancestor: 'http://xcap.example.com/simservs.ngn.etsi.org/users/tel:+15551234567/simservs.xml/~~/simservs' }), golden('no-parent.xml'));
  assert.equal(
    buildXcapError({ condition: 'uniqueness-failure', phrase: 'rule id "cfb" is not unique', exists: { field: 'simservs/communication-diversion/cp:ruleset/cp:rule/@id', altValues: ['cfb2'] } }),
    golden('uniqueness-failure.xml'),
  );
  assert.equal(buildXcapError({ condition: 'not-utf-8' }), golden('not-utf-8.xml'));
  // Every error document is itself well-formed XML in the xcap-error namespace.
  for (const c of ['not-well-formed', 'not-xml-frag', 'not-xml-att-value', 'schema-validation-error', 'cannot-insert', 'cannot-delete', 'constraint-failure'] as const) {
    const root = parseXmlDocument(buildXcapError({ condition: c, phrase: 'a < b & "c"' }));
    assert.equal(root.ns, 'urn:ietf:params:xml:ns:xcap-error');
  }
});

test('property: any path either parses, is not ours (null), or throws DecodeError', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 20 }), (tail, q) => {
      for (const p of [`${DOC}/~~/${tail}`, `/simservs.ngn.etsi.org/users/${tail}`]) {
        try { parseXcapUri(p, q); } catch (e) { if (!(e instanceof DecodeError)) throw e; }
      }
    }),
    { numRuns: 2000 },
  );
});
