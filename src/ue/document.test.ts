import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../codec/decode-error.js';
import { readdirSync, readFileSync } from 'node:fs';
import { displayApps, fastProvisioningDoc, fullProvisioningDoc, parseServerAnswer, scanProvisioningDoc } from './document.js';

// The example document of TS43.md § Response.
const XML_DOC = `<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="VERS">
    <parm name="version" value="2"/>
    <parm name="validity" value="86400"/>
  </characteristic>
  <characteristic type="TOKEN">
    <parm name="token" value="kZYfCEpSsMr88KZVmab5UsZVzl+nWSsX"/>
    <parm name="validity" value="86400"/>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="AppID" value="ap2004"/>
    <parm name="EntitlementStatus" value="1"/>
    <parm name="ServiceFlow_URL" value="https://sep.example.com/websheet/vowifi"/>
    <parm name="ServiceFlow_UserData" value="token=abc&amp;entitlement_name=VoWiFi"/>
    <parm name="AddrStatus" value="1"/>
    <parm name="TC_Status" value="1"/>
    <parm name="ProvStatus" value="1"/>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="AppID" value="ap2003"/>
    <characteristic type="VoiceOverCellularEntitleInfo">
      <characteristic type="RATVoiceEntitleInfoDetails">
        <parm name="AccessType" value="1"/>
        <parm name="EntitlementStatus" value="1"/>
      </characteristic>
      <characteristic type="RATVoiceEntitleInfoDetails">
        <parm name="AccessType" value="2"/>
        <parm name="NetworkVoiceIRATCapability" value="EPS-Fallback"/>
      </characteristic>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>`;

test('XML provisioning document: VERS, TOKEN as a Secret, applications with nested characteristics', () => {
  const a = parseServerAnswer('text/vnd.wap.connectivity-xml; charset=utf-8', XML_DOC);
  assert.equal(a.kind, 'document');
  if (a.kind !== 'document') return;
  const d = a.document;
  assert.equal(d.format, 'xml');
  assert.deepEqual(d.vers, { version: '2', validity: '86400' });
  assert.equal(d.token?.token.reveal(), 'kZYfCEpSsMr88KZVmab5UsZVzl+nWSsX');
  assert.equal(JSON.stringify(d.token), '{"token":"[REDACTED]","validity":"86400"}');
  assert.equal(d.apps.ap2004!.ServiceFlow_UserData, 'token=abc&entitlement_name=VoWiFi');
  assert.equal(d.apps.ap2004!.AddrStatus, '1');
  const rat = (d.apps.ap2003!.VoiceOverCellularEntitleInfo as Record<string, unknown>).RATVoiceEntitleInfoDetails as unknown[];
  assert.equal(rat.length, 2);
  assert.deepEqual(rat[1], { AccessType: '2', NetworkVoiceIRATCapability: 'EPS-Fallback' });
  assert.deepEqual(d.warnings, []);
  assert.equal(displayApps(d.apps).ap2004!.ServiceFlow_UserData, 'token=[REDACTED]&entitlement_name=VoWiFi');
});

test('XML entities other than &amp; are flagged: Android would show them as text', () => {
  const a = parseServerAnswer(undefined, XML_DOC.replace('value="1"/>\n    <parm name="ServiceFlow_URL"', 'value="&lt;1&gt;"/>\n    <parm name="ServiceFlow_URL"'));
  assert.equal(a.kind, 'document');
  if (a.kind === 'document') assert.match(a.document.warnings.join(), /&lt;/);
});

test('JSON document of TS43.md § Response', () => {
  const body = '{"Vers": {"version": "2", "validity": "86400"}, "Token": {"token": "kZYf", "validity": "86400"}, "ap2004": {"EntitlementStatus": "1", "AddrStatus": "1"}}';
  const a = parseServerAnswer('application/json', body);
  assert.equal(a.kind, 'document');
  if (a.kind !== 'document') return;
  assert.equal(a.document.format, 'json');
  assert.equal(a.document.vers?.version, '2');
  assert.equal(a.document.token?.token.reveal(), 'kZYf');
  assert.deepEqual(a.document.apps, { ap2004: { EntitlementStatus: '1', AddrStatus: '1' } });
});

test('EAP relay body: standard base64 decodes; base64url is flagged as Android would garble it', () => {
  const ok = parseServerAnswer('application/vnd.gsma.eap-relay.v1.0+json', '{"eap-relay-packet":"AQIABRc="}');
  assert.equal(ok.kind, 'eap');
  if (ok.kind === 'eap') {
    assert.deepEqual([...ok.packet], [1, 2, 0, 5, 23]);
    assert.deepEqual(ok.warnings, []);
  }
  const url = parseServerAnswer('application/vnd.gsma.eap-relay.v1.0+json', '{"eap-relay-packet":"AQIABRc-_w"}');
  assert.equal(url.kind, 'eap');
  if (url.kind === 'eap') assert.match(url.warnings.join(), /standard base64/);
  const wrongType = parseServerAnswer('application/json', '{"eap-relay-packet":"AQIABRc="}');
  if (wrongType.kind === 'eap') assert.match(wrongType.warnings.join(), /Content-Type/);
});

test('broken bodies throw DecodeError', () => {
  assert.throws(() => parseServerAnswer('application/json', '{nope'), DecodeError);
  assert.throws(() => parseServerAnswer('text/vnd.wap.connectivity-xml', '<a><b></a>'), DecodeError);
  assert.throws(() => parseServerAnswer('text/vnd.wap.connectivity-xml', '<other/>'), DecodeError);
  assert.throws(() => parseServerAnswer(EAP_TYPE, '{"eap-relay-packet": 5}'), DecodeError);
  assert.equal(parseServerAnswer('application/json', '  ').kind, 'empty');
});
const EAP_TYPE = 'application/vnd.gsma.eap-relay.v1.0+json';

test('any body either parses or throws DecodeError (property)', () => {
  const types = fc.constantFrom(undefined, 'application/json', 'text/vnd.wap.connectivity-xml', EAP_TYPE, 'text/plain');
  const bodies = fc.oneof(
    fc.string(),
    fc.json(),
    fc.constantFrom(XML_DOC).chain((x) => fc.integer({ min: 0, max: x.length }).map((n) => x.slice(0, n))),
  );
  fc.assert(
    fc.property(types, bodies, (t, b) => {
      try {
        parseServerAnswer(t, b);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
});

// ─── the fast path for the common document (fastProvisioningDoc) against fast-xml-parser's ─────────────────────

/** What parseXmlDocument reads of a tree: types, parm names and values, nesting (fast-xml-parser gives '' for an empty element). */
type Norm = { type: unknown; parms: unknown[][]; children: Norm[] };
function norm(c: unknown): Norm {
  if (typeof c !== 'object' || c === null) return { type: undefined, parms: [], children: [] };
  const o = c as Record<string, unknown>;
  const parms = ((o.parm as unknown[] | undefined) ?? []).map((p) => (typeof p === 'object' && p !== null ? [(p as Record<string, unknown>)['@_name'], (p as Record<string, unknown>)['@_value']] : [undefined, undefined]));
  return { type: o['@_type'], parms, children: ((o.characteristic as unknown[] | undefined) ?? []).map(norm) };
}
const fixtureXml = (f: string) => readFileSync(new URL(`../../../fixtures/ts43/${f}`, import.meta.url), 'utf8');
const BASES = [
  XML_DOC,
  fixtureXml('multi-app.xml'),
  ...readdirSync(new URL('../../../fixtures/ts43/odsa/', import.meta.url)).filter((f) => f.endsWith('.xml')).map((f) => fixtureXml(`odsa/${f}`)),
];

test('the daemon\'s documents take the fast path, and read the same as through fast-xml-parser', () => {
  assert.ok(BASES.length >= 4);
  for (const text of BASES) {
    const fast = fastProvisioningDoc(text);
    assert.ok(fast, text.slice(0, 120));
    assert.deepEqual(norm(fast['wap-provisioningdoc']), norm(fullProvisioningDoc(text)['wap-provisioningdoc']));
  }
  const doc = parseServerAnswer('text/vnd.wap.connectivity-xml', BASES[0]!);
  assert.equal(doc.kind === 'document' && doc.document.token?.token.reveal(), 'kZYfCEpSsMr88KZVmab5UsZVzl+nWSsX');
});

test('what the fast path leaves to fast-xml-parser: references, comments, DOCTYPE, white space in a value, no characteristic', () => {
  const wrap = (inner: string) => `<wap-provisioningdoc>${inner}</wap-provisioningdoc>`;
  for (const text of [
    wrap('<characteristic type="A"><parm name="x" value="a&nbsp;b"/></characteristic>'),
    wrap('<characteristic type="A"><parm name="x" value="&#65;"/></characteristic>'),
    wrap('<!-- c --><characteristic type="A"/>'),
    `<!DOCTYPE wap-provisioningdoc>${wrap('<characteristic type="A"/>')}`,
    wrap('<characteristic type="A"><parm name="x" value="two\nlines"/></characteristic>'),
    wrap("<characteristic type='A'><parm name='x' value='tab\there'/></characteristic>"),
    wrap('<parm name="x" value="1"/>'),
    '<other><characteristic type="A"/></other>',
    wrap('<characteristic type="A" type="B"/>'),
  ]) assert.equal(fastProvisioningDoc(text), null, text);
  // Taken: single quotes, spaces round "=", padded values (trimmed as fast-xml-parser trims), prefixed names (as written).
  const text = wrap(`<characteristic type = ' A '><parm name="x"  value=" 1 "/><parm name="e" value="&lt;a&amp;b&gt; &quot;&apos;"/><p:parm xmlns:p="urn:x" name="y" value="2"/></characteristic>`);
  assert.deepEqual(norm(fastProvisioningDoc(text)!['wap-provisioningdoc']), norm(fullProvisioningDoc(text)['wap-provisioningdoc']));
  assert.deepEqual(norm(fastProvisioningDoc(text)!['wap-provisioningdoc']).children[0], { type: 'A', parms: [['x', '1'], ['e', '<a&b> "\'']], children: [] });
});

const MUTATION_PIECES = ['<', '>', '/', '=', '"', "'", ' ', '\n', '\t', 'x', ':', '?', '!', '&', ';', '&amp;', '&lt;', 'amp;', '&#', '#65;', 'characteristic', 'parm', 'type', 'name', 'value', '<parm name="n" value="v"/>', '</characteristic>', '<characteristic type="T">', 'xmlns:q="urn:q"', 'q:'];

/** 6,000 documents made from BASES by one or two random edits: each one `read` takes must read as fast-xml-parser reads it. How many it took. */
function mutantsAgree(read: (text: string) => Record<string, unknown> | null, pieces: string[], seed: number): number {
  const edit = fc.tuple(fc.nat(), fc.nat(12), fc.array(fc.constantFrom(...pieces), { maxLength: 3 }));
  let taken = 0;
  fc.assert(fc.property(fc.constantFrom(...BASES), fc.array(edit, { minLength: 1, maxLength: 2 }), (base, edits) => {
    let text = base;
    for (const [at, cut, add] of edits) { const i = at % (text.length + 1); text = text.slice(0, i) + add.join('') + text.slice(i + cut); }
    const fast = read(text);
    if (fast === null) return;
    taken++;
    let full: Record<string, unknown>;
    try { full = fullProvisioningDoc(text); } catch (e) { assert.fail(`the fast path took what fast-xml-parser refuses (${(e as Error).message}): ${JSON.stringify(text)}`); }
    assert.deepEqual(norm(fast['wap-provisioningdoc']), norm(full['wap-provisioningdoc']), JSON.stringify(text));
  }), { numRuns: 6000, seed });
  return taken;
}

test('a mutated document the fast path takes reads the same through fast-xml-parser (property)', () => {
  const taken = mutantsAgree(fastProvisioningDoc, MUTATION_PIECES, 14);
  assert.ok(taken > 600, `the fast path was taken on ${taken} of 6,000 mutants`);
});

// ─── the scanner for the daemon's own shape (scanProvisioningDoc), the fast path's first tier ─────────────────────

test('the scanner takes the daemon\'s documents and reads them as fast-xml-parser does; what it leaves goes to the strict parser', () => {
  for (const text of BASES) {
    const scanned = scanProvisioningDoc(text);
    assert.ok(scanned, text.slice(0, 120));
    assert.deepEqual(norm(scanned['wap-provisioningdoc']), norm(fullProvisioningDoc(text)['wap-provisioningdoc']));
  }
  const wrap = (inner: string, head = '<wap-provisioningdoc>') => `${head}${inner}</wap-provisioningdoc>`;
  const c = '<characteristic type="A"><parm name="x" value="1"/></characteristic>';
  // Taken: entities decoded, values trimmed, empty characteristics, a parm at the root, the declaration, white space.
  const taken = wrap(`\n <parm name="r" value=" 0 "/>${c}<characteristic type="B"/><characteristic type=" C "><parm name="e" value="&lt;a&amp;b&gt; &quot;&apos;"/></characteristic>\n`, '<?xml version="1.0" encoding="UTF-8"?>\n<wap-provisioningdoc version="1.1">');
  assert.deepEqual(norm(scanProvisioningDoc(taken)!['wap-provisioningdoc']), norm(fullProvisioningDoc(taken)['wap-provisioningdoc']));
  assert.deepEqual(norm(scanProvisioningDoc(taken)!['wap-provisioningdoc']).children.map((x) => [x.type, x.parms]), [['A', [['x', '1']]], ['B', []], ['C', [['e', '<a&b> "\'']]]]);
  for (const text of [
    wrap(c.replace('type="A"', "type='A'")), wrap(c.replace('type="A"', 'type = "A"')), wrap(c.replace('"/>', '" />')),
    wrap(c.replace('value="1"', 'value="1" extra="2"')), wrap(c.replace('name="x" value="1"', 'value="1" name="x"')),
    wrap(`${c}text`), wrap(`<!-- c -->${c}`), wrap(c.replace('value="1"', 'value="&#49;"')), wrap(c.replace('value="1"', 'value="a\tb"')),
    wrap(`<other/>${c}`), wrap(c, '<wap-provisioningdoc lang="en">'), wrap(c, '<?xml version="1.1"?><wap-provisioningdoc>'),
    wrap('<parm name="x" value="1"/>'), `${wrap(c)}x`, wrap(`${c}</characteristic>`), wrap('<characteristic type="A">'), wrap(c).replace('</wap-provisioningdoc>', ''),
  ]) {
    assert.equal(scanProvisioningDoc(text), null, text);
    const fast = fastProvisioningDoc(text);
    if (fast) assert.deepEqual(norm(fast['wap-provisioningdoc']), norm(fullProvisioningDoc(text)['wap-provisioningdoc']), text);
  }
});

test('a mutated document the scanner takes reads the same through fast-xml-parser (property)', () => {
  const taken = mutantsAgree(scanProvisioningDoc, [...MUTATION_PIECES, '<characteristic type="E"/>', '\u0001', '\ud83d'], 46);
  assert.ok(taken > 300, `the scanner took ${taken} of 6,000 mutants`);
});
