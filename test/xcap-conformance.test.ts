/**
 * XCAP conformance through a real daemon (lowdb store): every row of
 * XCAP.md § Operations and HTTP semantics and every RFC 4825 §11 error
 * omnisep raises, from the RFC's rules and the simservs examples
 * (fixtures/xcap/).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../src/util/repo-path.js';
import { parseXmlDocument, serialiseDocument } from '../src/codec/xcap/xml.js';
import type { XcapProfileRecord } from '../src/services/xcap/service.js';
import {
  CDIV, DOC_PATH, errorCondition, MSISDN, RULESET, rule, startXcapDaemon, TEL, type XcapDaemon,
} from './xcap-helpers.js';
import { openCollection } from './store-helpers.js';

const fx = (...p: string[]) => readFileSync(repoPath('fixtures', 'xcap', ...p), 'utf8');
const canonical = (xml: string) => serialiseDocument(parseXmlDocument(xml));
const EL = 'application/xcap-el+xml';
const ATT = 'application/xcap-att+xml';
const DOCTYPE = 'application/simservs+xml';

let d: XcapDaemon;
before(async () => { d = await startXcapDaemon(); });
after(async () => { await d.stop(); });

async function resetDocument(xml = fx('spec-example.xml')): Promise<string> {
  const r = await d.xcap('PUT', DOC_PATH, { body: xml, type: DOCTYPE });
  assert.ok(r.status === 200 || r.status === 201, r.text);
  return r.headers.etag as string;
}

describe('document resource', () => {
  test('GET of a provisioned subscriber without a document returns the default document', async () => {
    await d.xcap('DELETE', DOC_PATH);
    const r = await d.xcap('GET', DOC_PATH);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], DOCTYPE);
    assert.match(r.headers.etag as string, /^"[0-9a-f]{16}"$/);
    assert.equal(r.text, fx('default.xml'));
  });

  test('sip: and tel: XUIs, encoded or not, reach the same document', async () => {
    const a = await d.xcap('GET', DOC_PATH);
    for (const xui of [TEL, `sip:+${MSISDN}@ims.example.com`, encodeURIComponent(`sip:+${MSISDN}@ims.example.com;user=phone`)]) {
      const r = await d.xcap('GET', `/simservs.ngn.etsi.org/users/${xui}/simservs.xml`);
      assert.equal(r.status, 200, xui);
      assert.equal(r.headers.etag, a.headers.etag, xui);
    }
  });

  test('PUT creates (201) then replaces (200); GET returns it; the ETag follows the content', async () => {
    await d.xcap('DELETE', DOC_PATH);
    const first = await d.xcap('PUT', DOC_PATH, { body: fx('spec-example.xml'), type: DOCTYPE });
    assert.equal(first.status, 201, first.text);
    const got = await d.xcap('GET', DOC_PATH);
    assert.equal(got.text, canonical(fx('spec-example.xml')));
    assert.equal(got.headers.etag, first.headers.etag);
    const second = await d.xcap('PUT', DOC_PATH, { body: fx('full.xml'), type: 'application/xml' });
    assert.equal(second.status, 200);
    assert.notEqual(second.headers.etag, first.headers.etag);
    assert.equal((await d.xcap('GET', DOC_PATH)).text, canonical(fx('full.xml')));
    // Stored durably with the same ETag, keyed by MSISDN, with the IMSI index field.
    const rec = (await openCollection<XcapProfileRecord>(d.ctx.store, 'xcap_profiles').get(MSISDN))!;
    assert.equal(`${rec.etag}`, second.headers.etag);
  });

  test('DELETE removes the document; the subscriber is back on the default', async () => {
    await resetDocument();
    const r = await d.xcap('DELETE', DOC_PATH);
    assert.equal(r.status, 200);
    const g = await d.xcap('GET', DOC_PATH);
    assert.equal(g.text, fx('default.xml'));
    assert.equal(g.headers.etag, r.headers.etag);
  });

  test('If-None-Match on GET → 304; If-Match on PUT/DELETE → 412 when stale', async () => {
    const etag = await resetDocument();
    const nm = await d.xcap('GET', DOC_PATH, { headers: { 'if-none-match': etag } });
    assert.equal(nm.status, 304);
    assert.equal(nm.headers.etag, etag);
    assert.equal(nm.text, '');
    assert.equal((await d.xcap('GET', DOC_PATH, { headers: { 'if-none-match': '"0000000000000000"' } })).status, 200);
    const stale = '"0123456789abcdef"';
    const p = await d.xcap('PUT', DOC_PATH, { body: fx('full.xml'), type: DOCTYPE, headers: { 'if-match': stale } });
    assert.equal(p.status, 412);
    assert.equal(p.headers.etag, etag, 'the 412 tells the current ETag');
    assert.equal((await d.xcap('DELETE', DOC_PATH, { headers: { 'if-match': stale } })).status, 412);
    assert.equal((await d.xcap('GET', DOC_PATH)).headers.etag, etag, 'unchanged');
    const ok = await d.xcap('PUT', DOC_PATH, { body: fx('full.xml'), type: DOCTYPE, headers: { 'if-match': etag } });
    assert.equal(ok.status, 200);
  });

  test('If-None-Match: * on PUT creates only', async () => {
    await resetDocument();
    assert.equal((await d.xcap('PUT', DOC_PATH, { body: fx('full.xml'), type: DOCTYPE, headers: { 'if-none-match': '*' } })).status, 412);
    await d.xcap('DELETE', DOC_PATH);
    assert.equal((await d.xcap('PUT', DOC_PATH, { body: fx('full.xml'), type: DOCTYPE, headers: { 'if-none-match': '*' } })).status, 201);
  });

  test('HEAD answers the headers of GET without a body', async () => {
    const etag = await resetDocument();
    const r = await d.xcap('HEAD', DOC_PATH);
    assert.equal(r.status, 200);
    assert.equal(r.headers.etag, etag);
    assert.equal(r.headers['content-type'], DOCTYPE);
    assert.equal(r.text, '');
  });

  test('415 for a media type that is not simservs XML', async () => {
    const r = await d.xcap('PUT', DOC_PATH, { body: fx('full.xml'), type: 'text/html' });
    assert.equal(r.status, 415);
  });
});

describe('element resource', () => {
  test('GET returns the element as it is in the document', async () => {
    const etag = await resetDocument();
    const r = await d.xcap('GET', `${DOC_PATH}${rule('cfb')}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], EL);
    assert.equal(r.headers.etag, etag, 'an element carries its document\'s ETag');
    assert.match(r.text, /^<cp:rule id="cfb">\s*<cp:conditions><busy\/><\/cp:conditions>/);
    const pos = await d.xcap('GET', `${DOC_PATH}${RULESET}/cp:rule%5B1%5D`);
    assert.equal(pos.text, r.text, 'by position');
    const nrt = await d.xcap('GET', `${DOC_PATH}${CDIV}/NoReplyTimer`);
    assert.equal(nrt.text, '<NoReplyTimer>20</NoReplyTimer>');
    const star = await d.xcap('GET', `${DOC_PATH}/~~/simservs/*%5B1%5D`);
    assert.equal(star.text, '<originating-identity-presentation active="true"/>');
    const ns = await d.xcap('GET', `${DOC_PATH}${CDIV}/x:ruleset?xmlns(x=urn:ietf:params:xml:ns:common-policy)`);
    assert.equal(ns.status, 200, 'prefix bound by xmlns() in the query');
  });

  test('PUT inserts (201), GET of the same URI returns exactly what was put, PUT again replaces (200)', async () => {
    const etag0 = await resetDocument();
    const body = fx('cfna-rule.xml').trim();
    const put = await d.xcap('PUT', `${DOC_PATH}${rule('cfna')}`, { body, type: EL, headers: { 'if-match': etag0 } });
    assert.equal(put.status, 201, put.text);
    assert.notEqual(put.headers.etag, etag0);
    const got = await d.xcap('GET', `${DOC_PATH}${rule('cfna')}`);
    assert.equal(got.text, body);
    assert.equal(got.headers.etag, put.headers.etag);
    const again = await d.xcap('PUT', `${DOC_PATH}${rule('cfna')}`, { body: body.replace('+15559876543', '+15559876500'), type: EL });
    assert.equal(again.status, 200);
    assert.match((await d.xcap('GET', `${DOC_PATH}${rule('cfna')}`)).text, /\+15559876500/);
    // The admin view sees the phone's change.
    const view = await d.call('GET', `/api/xcap/${MSISDN}`);
    assert.equal(view.json.call_forwarding.cfna.target, 'tel:+15559876500');
    assert.equal(view.json.etag, again.headers.etag);
  });

  test('PUT by position inserts at that position', async () => {
    await resetDocument();
    const r = await d.xcap('PUT', `${DOC_PATH}${RULESET}/cp:rule%5B1%5D%5B@id=%22cfu%22%5D`, {
      body: '<cp:rule id="cfu"><cp:conditions/><cp:actions><forward-to><target>tel:+15550000002</target></forward-to></cp:actions></cp:rule>',
      type: EL,
    });
    assert.equal(r.status, 201, r.text);
    assert.match((await d.xcap('GET', `${DOC_PATH}${RULESET}/cp:rule%5B1%5D`)).text, /id="cfu"/);
    assert.match((await d.xcap('GET', `${DOC_PATH}${RULESET}/cp:rule%5B2%5D`)).text, /id="cfb"/);
  });

  test('DELETE removes the element; then 404', async () => {
    await resetDocument();
    const r = await d.xcap('DELETE', `${DOC_PATH}${rule('cfb')}`);
    assert.equal(r.status, 200);
    assert.equal((await d.xcap('GET', `${DOC_PATH}${rule('cfb')}`)).status, 404);
    assert.equal((await d.xcap('DELETE', `${DOC_PATH}${rule('cfb')}`)).status, 404);
  });

  test('If-None-Match: * on element PUT: 412 when it exists, 201 when new', async () => {
    await resetDocument();
    const body = '<cp:rule id="cfb"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>tel:+15557654321</target></forward-to></cp:actions></cp:rule>';
    assert.equal((await d.xcap('PUT', `${DOC_PATH}${rule('cfb')}`, { body, type: EL, headers: { 'if-none-match': '*' } })).status, 412);
    const cfna = fx('cfna-rule.xml');
    assert.equal((await d.xcap('PUT', `${DOC_PATH}${rule('cfna')}`, { body: cfna, type: EL, headers: { 'if-none-match': '*' } })).status, 201);
  });
});

describe('attribute resource', () => {
  const OIP = '/~~/simservs/originating-identity-presentation/@active';
  test('GET, PUT, DELETE an attribute', async () => {
    await resetDocument();
    const g = await d.xcap('GET', `${DOC_PATH}${OIP}`);
    assert.equal(g.status, 200);
    assert.equal(g.headers['content-type'], ATT);
    assert.equal(g.text, 'true');
    const p = await d.xcap('PUT', `${DOC_PATH}${OIP}`, { body: 'false', type: ATT });
    assert.equal(p.status, 200);
    assert.equal((await d.xcap('GET', `${DOC_PATH}${OIP}`)).text, 'false');
    assert.equal((await d.call('GET', `/api/xcap/${MSISDN}`)).json.oip.active, false);
    assert.equal((await d.xcap('DELETE', `${DOC_PATH}${OIP}`)).status, 200);
    assert.equal((await d.xcap('GET', `${DOC_PATH}${OIP}`)).status, 404);
    const c = await d.xcap('PUT', `${DOC_PATH}${OIP}`, { body: 'true', type: ATT });
    assert.equal(c.status, 201, 'a new attribute is created');
  });
});

describe('errors', () => {
  test('404: unknown node, unknown subscriber, unknown application usage', async () => {
    await resetDocument();
    assert.equal((await d.xcap('GET', `${DOC_PATH}${rule('nope')}`)).status, 404);
    assert.equal((await d.xcap('GET', `${DOC_PATH}/~~/simservs/originating-identity-presentation/@colour`)).status, 404);
    const nobody = await d.xcap('GET', '/simservs.ngn.etsi.org/users/tel:+15550000000/simservs.xml', { as: 'tel:+15550000000' });
    assert.equal(nobody.status, 404);
    assert.equal((await d.xcap('GET', `/resource-lists/users/${TEL}/index`)).status, 404);
    assert.equal((await d.xcap('GET', `/simservs.ngn.etsi.org/users/${TEL}/other.xml`)).status, 404);
    assert.equal((await d.xcap('GET', '/simservs.ngn.etsi.org/users/sip:alice@example.com/simservs.xml', { as: 'sip:alice@example.com' })).status, 404);
  });

  test('405 with Allow for other methods', async () => {
    for (const m of ['POST', 'PATCH', 'OPTIONS']) {
      const r = await d.xcap(m, DOC_PATH, { body: m === 'OPTIONS' ? undefined : 'x', type: 'text/plain' });
      assert.equal(r.status, 405, m);
      assert.equal(r.headers.allow, 'GET, PUT, DELETE, HEAD');
    }
  });

  test('400 for a malformed selector', async () => {
    for (const sel of ['/~~/simservs/a%5B', '/~~/simservs//x', '/~~/simservs/q:x', '/~~/a%ZZ']) {
      assert.equal((await d.xcap('GET', `${DOC_PATH}${sel}`)).status, 400, sel);
    }
  });

  const conflicts: Array<[string, () => Promise<import('./xcap-helpers.js').XcapResponse>]> = [
    ['not-well-formed', () => d.xcap('PUT', DOC_PATH, { body: '<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap">', type: DOCTYPE })],
    ['not-xml-frag', () => d.xcap('PUT', `${DOC_PATH}${rule('cfna')}`, { body: '<cp:rule id="cfna"/><cp:rule id="x"/>', type: EL })],
    ['not-xml-att-value', () => d.xcap('PUT', `${DOC_PATH}/~~/simservs/originating-identity-presentation/@active`, { body: 'a<b', type: ATT })],
    ['schema-validation-error', () => d.xcap('PUT', `${DOC_PATH}/~~/simservs/originating-identity-presentation/@active`, { body: 'maybe', type: ATT })],
    ['schema-validation-error', () => d.xcap('PUT', DOC_PATH, { body: fx('bad', 'unknown-condition.xml'), type: DOCTYPE })],
    ['no-parent', () => d.xcap('PUT', `${DOC_PATH}${rule('ghost')}/cp:conditions`, { body: '<cp:conditions/>', type: EL })],
    ['cannot-insert', () => d.xcap('PUT', `${DOC_PATH}${rule('cfx')}`, { body: fx('cfna-rule.xml'), type: EL })],
    ['cannot-insert', () => d.xcap('PUT', `${DOC_PATH}${RULESET}/cp:rule%5B5%5D`, { body: fx('cfna-rule.xml'), type: EL })],
    ['uniqueness-failure', () => d.xcap('PUT', `${DOC_PATH}${RULESET}/cp:rule%5B2%5D`, { body: '<cp:rule id="cfb"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>tel:+15550000003</target></forward-to></cp:actions></cp:rule>', type: EL })],
    ['constraint-failure', () => d.xcap('PUT', `${DOC_PATH}${CDIV}/NoReplyTimer`, { body: '<NoReplyTimer>999</NoReplyTimer>', type: EL })],
    ['constraint-failure', () => d.xcap('PUT', `${DOC_PATH}${rule('cfb')}/cp:actions/forward-to/target`, { body: '<target>http://example.com/</target>', type: EL })],
    ['not-utf-8', () => d.xcap('PUT', DOC_PATH, { body: Buffer.concat([Buffer.from('<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap">'), Buffer.from([0xfe, 0xff, 0xc0]), Buffer.from('</simservs>')]), type: DOCTYPE })],
  ];
  for (const [condition, send] of conflicts) {
    test(`409 <${condition}>`, async () => {
      const etag = await resetDocument();
      const r = await send();
      assert.equal(r.status, 409, r.text);
      assert.equal(errorCondition(r), condition);
      assert.equal(r.headers.etag, etag, 'ETag on the error too');
      assert.equal((await d.xcap('GET', DOC_PATH)).headers.etag, etag, 'the document is unchanged');
    });
  }

  test('409 <cannot-delete> when the same URI would select another element', async () => {
    await resetDocument(fx('full.xml'));
    const r = await d.xcap('DELETE', `${DOC_PATH}${RULESET}/cp:rule%5B1%5D`);
    assert.equal(r.status, 409);
    assert.equal(errorCondition(r), 'cannot-delete');
  });

  test('<no-parent> names the closest existing ancestor', async () => {
    await resetDocument();
    const r = await d.xcap('PUT', `${DOC_PATH}${rule('ghost')}/cp:conditions`, { body: '<cp:conditions/>', type: EL });
    assert.match(r.text, new RegExp(`<ancestor>http://[^<]+${DOC_PATH.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/~~/simservs/communication-diversion/cp:ruleset</ancestor>`));
  });
});

test('xcap-caps (RFC 4825 §12) lists the simservs AUID and namespaces', async () => {
  const r = await d.xcap('GET', '/xcap-caps/global/index', { as: null });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/xcap-caps+xml');
  const root = parseXmlDocument(r.text);
  assert.equal(root.ns, 'urn:ietf:params:xml:ns:xcap-caps');
  assert.match(r.text, /<auid>simservs\.ngn\.etsi\.org<\/auid>/);
  assert.match(r.text, /<namespace>http:\/\/uri\.etsi\.org\/ngn\/params\/xml\/simservs\/xcap<\/namespace>/);
  assert.equal((await d.xcap('PUT', '/xcap-caps/global/index', { body: 'x', type: 'text/plain' })).status, 405);
});

test('a subscriber known only to the subscriber store gets the default document; IMSI is indexed', async () => {
  await openCollection(d.ctx.store, 'subscribers').put('001010000000077', { imsi: '001010000000077', msisdn: '+15551110077' });
  const r = await d.xcap('GET', '/simservs.ngn.etsi.org/users/tel:+15551110077/simservs.xml', { as: 'tel:+15551110077' });
  assert.equal(r.status, 200);
  assert.equal(r.text, fx('default.xml'));
  const v = await d.call('GET', '/api/xcap/15551110077');
  assert.equal(v.json.imsi, '001010000000077');
  assert.equal(v.json.is_default, true);
});

test('every XCAP request lands in the activity log as type xcap', async () => {
  // Recording does not hold up the phone's answer: let earlier records land first.
  const count = async () => (await d.ctx.store.activity.query({ type: 'xcap', limit: 1 })).total;
  for (let last = -1, i = 0; i < 50 && last !== (await count()); i++) { last = await count(); await new Promise((r) => setTimeout(r, 50)); }
  const before = await count();
  await d.xcap('GET', `${DOC_PATH}${rule('cfb')}`);
  await d.xcap('PUT', `${DOC_PATH}${CDIV}/NoReplyTimer`, { body: '<NoReplyTimer>999</NoReplyTimer>', type: EL });
  for (let i = 0; i < 100 && (await count()) < before + 2; i++) await new Promise((r) => setTimeout(r, 20));
  const page = (await d.ctx.store.activity.query({ type: 'xcap', limit: 2 }));
  assert.equal(page.total, before + 2);
  const [put, get] = page.records;
  assert.equal(put!.request_method, 'PUT');
  assert.equal(put!.response_status, 409);
  assert.equal(put!.msisdn, MSISDN);
  assert.equal(put!.auth_method, 'asserted-identity');
  assert.equal(put!.response_summary.error, 'constraint-failure');
  assert.equal(get!.request_method, 'GET');
  assert.ok(get!.request_path.includes('/~~/'));
});
