/**
 * Concurrency and bad input through a real daemon with the lowdb store:
 * two clients editing with If-Match (exactly one wins, nothing lost), and
 * hostile bodies and URIs answered with their documented status while the
 * store stays unchanged and the daemon keeps answering.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'undici';
import { repoPath } from '../src/util/repo-path.js';
import { documentToView } from '../src/services/xcap/document.js';
import { parseXmlDocument } from '../src/codec/xcap/xml.js';
import {
  DOC_PATH, errorCondition, OTHER, OTHER_DOC_PATH, RULESET, rule, startXcapDaemon, TEL, type XcapDaemon,
} from './xcap-helpers.js';
import { valuesOf } from './store-helpers.js';

const fx = (...p: string[]) => readFileSync(repoPath('fixtures', 'xcap', ...p));
const ruleBody = (id: string, target: string) =>
  `<cp:rule id="${id}"><cp:conditions/><cp:actions><forward-to><target>${target}</target></forward-to></cp:actions></cp:rule>`;

let d: XcapDaemon;
before(async () => { d = await startXcapDaemon(); });
after(async () => { await d.stop(); });

/** One request with the path exactly as given (node:http does not normalise it). */
function raw(method: string, path: string): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const u = new URL(d.base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers: { 'x-3gpp-asserted-identity': `<${TEL}>` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const snapshot = async () => JSON.stringify((await valuesOf<any>(d.ctx.store, 'xcap_profiles')).sort((a: any, b: any) => a.msisdn.localeCompare(b.msisdn)));

describe('concurrency: If-Match', () => {
  test('two clients with the same ETag: exactly one wins, the other gets 412, then retries; nothing is lost', async () => {
    const put = await d.xcap('PUT', DOC_PATH, { body: fx('spec-example.xml'), type: 'application/simservs+xml' });
    assert.ok(put.status < 300);
    for (let round = 0; round < 10; round++) {
      const etag = (await d.xcap('GET', DOC_PATH)).headers.etag as string;
      const ids = [`a${round}`, `b${round}`];
      const results = await Promise.all(ids.map((id) =>
        d.xcap('PUT', `${DOC_PATH}${rule(id)}`, { body: ruleBody(id, `tel:+1555000${round}${id === ids[0] ? 1 : 2}`), type: 'application/xcap-el+xml', headers: { 'if-match': etag } }),
      ));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 412], `round ${round}: ${statuses}`);
      const loser = ids[results.findIndex((r) => r.status === 412)]!;
      const winnerEtag = results.find((r) => r.status === 201)!.headers.etag as string;
      assert.equal(results.find((r) => r.status === 412)!.headers.etag, winnerEtag, 'the 412 carries the winner\'s ETag');
      // The loser re-reads and retries with the fresh ETag.
      const retry = await d.xcap('PUT', `${DOC_PATH}${rule(loser)}`, { body: ruleBody(loser, 'tel:+15550009999'), type: 'application/xcap-el+xml', headers: { 'if-match': winnerEtag } });
      assert.equal(retry.status, 201);
    }
    const doc = parseXmlDocument((await d.xcap('GET', DOC_PATH)).text);
    const ids = Object.keys(documentToView(doc).call_forwarding);
    for (let round = 0; round < 10; round++) for (const p of ['a', 'b']) assert.ok(ids.includes(`${p}${round}`), `${p}${round} kept`);
    assert.equal(ids.length, 21, 'cfb + 20 rules');
  });

  test('parallel writers without If-Match all land (serialised, none lost)', async () => {
    await d.xcap('PUT', DOC_PATH, { body: fx('spec-example.xml'), type: 'application/simservs+xml' });
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      d.xcap('PUT', `${DOC_PATH}${rule(`p${i}`)}`, { body: ruleBody(`p${i}`, `tel:+155500001${String(i).padStart(2, '0')}`), type: 'application/xcap-el+xml' })));
    assert.ok(rs.every((r) => r.status === 201));
    const ids = Object.keys(documentToView(parseXmlDocument((await d.xcap('GET', DOC_PATH)).text)).call_forwarding);
    assert.equal(ids.length, 21);
  });
});

describe('bad input leaves the store unchanged and the daemon up', () => {
  const DEEP = Buffer.from(`<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap">${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}</simservs>`);
  const WIDE = Buffer.from(`<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap">${'<x:a xmlns:x="urn:v"/>'.repeat(11_000)}</simservs>`);
  const cases: Array<{ name: string; send: () => Promise<{ status: number; text: string; headers: Record<string, unknown> }>; status: number; condition?: string }> = [
    { name: 'billion laughs', send: () => d.xcap('PUT', DOC_PATH, { body: fx('bad', 'billion-laughs.xml'), type: 'application/simservs+xml' }), status: 409, condition: 'not-well-formed' },
    { name: 'external entity', send: () => d.xcap('PUT', DOC_PATH, { body: fx('bad', 'external-entity.xml'), type: 'application/simservs+xml' }), status: 409, condition: 'not-well-formed' },
    { name: 'entity in an element body', send: () => d.xcap('PUT', `${DOC_PATH}${rule('x')}`, { body: '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><cp:rule id="x">&e;</cp:rule>', type: 'application/xcap-el+xml' }), status: 409, condition: 'not-xml-frag' },
    { name: 'deep nesting', send: () => d.xcap('PUT', DOC_PATH, { body: DEEP, type: 'application/simservs+xml' }), status: 409, condition: 'not-well-formed' },
    { name: 'too many nodes', send: () => d.xcap('PUT', DOC_PATH, { body: WIDE, type: 'application/simservs+xml' }), status: 409, condition: 'not-well-formed' },
    { name: 'a 10 MB body', send: () => d.xcap('PUT', DOC_PATH, { body: Buffer.alloc(10 * 1024 * 1024, 0x20), type: 'application/simservs+xml' }), status: 413 },
    { name: 'invalid UTF-8', send: () => d.xcap('PUT', `${DOC_PATH}/~~/simservs/originating-identity-presentation/@active`, { body: Buffer.from([0x74, 0x72, 0xff, 0x65]), type: 'application/xcap-att+xml' }), status: 409, condition: 'not-utf-8' },
    // Sent raw: WHATWG URL clients would resolve the dot segments before sending.
    { name: 'selector climbing out of the document', send: () => raw('DELETE', `${DOC_PATH}/~~/../../tel:+${OTHER}/simservs.xml`), status: 400 },
    { name: 'encoded climb', send: () => raw('DELETE', `${DOC_PATH}/~~/%2e%2e/%2e%2e/users/tel:+${OTHER}/simservs.xml`), status: 400 },
    { name: 'path climb to another XUI', send: () => raw('DELETE', `/simservs.ngn.etsi.org/users/${TEL}/../tel:+${OTHER}/simservs.xml`), status: 404 },
    { name: 'encoded path climb', send: () => raw('DELETE', `/simservs.ngn.etsi.org/users/${TEL}/%2e%2e/tel:+${OTHER}/simservs.xml`), status: 404 },
    { name: "another subscriber's XUI", send: () => d.xcap('DELETE', OTHER_DOC_PATH), status: 403 },
    { name: "another subscriber's XUI, sip: form", send: () => d.xcap('PUT', `/simservs.ngn.etsi.org/users/sip:+${OTHER}@ims.example.com/simservs.xml`, { body: fx('full.xml'), type: 'application/simservs+xml' }), status: 403 },
    { name: 'a long selector (8 KB)', send: () => d.xcap('GET', `${DOC_PATH}/~~/${'simservs/'.repeat(900)}x`), status: 404 },
    { name: 'a huge URI (45 KB, over the HTTP header limit)', send: () => d.xcap('GET', `${DOC_PATH}/~~/${'simservs/'.repeat(5000)}x`), status: 431 },
  ];

  for (const c of cases) {
    test(`${c.name} → ${c.status}${c.condition ? ` <${c.condition}>` : ''}`, async () => {
      await d.xcap('PUT', DOC_PATH, { body: fx('spec-example.xml'), type: 'application/simservs+xml' });
      const before = await snapshot();
      const r = await c.send();
      assert.equal(r.status, c.status, r.text.slice(0, 300));
      if (c.condition) assert.equal(errorCondition(r as never), c.condition);
      assert.equal(await snapshot(), before, 'store unchanged');
      const health = await request(`${d.base}/health`);
      assert.equal(health.statusCode, 200);
      await health.body.dump();
      assert.equal((await d.xcap('GET', DOC_PATH)).status, 200, 'still serving');
    });
  }

  test('the own document after all that is the one last written', async () => {
    const r = await d.xcap('GET', `${DOC_PATH}${RULESET}/cp:rule%5B@id=%22cfb%22%5D`);
    assert.equal(r.status, 200);
  });
});
