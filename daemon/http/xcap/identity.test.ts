import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import type { XcapService } from '../../../src/services/xcap/service.js';
import fc from 'fast-check';
import { assertedIdentities, proxyList, XcapAuthenticator } from './identity.js';

const MSISDN = '15551234567';
const req = (peer: string): FastifyRequest =>
  ({ method: 'GET', headers: { 'x-3gpp-asserted-identity': `<tel:+${MSISDN}>` }, raw: { socket: { remoteAddress: peer }, url: '/' } }) as unknown as FastifyRequest;

test('an asserted identity is believed from the trusted proxies of the list in force, remembered per list', async () => {
  let list = proxyList(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  const auth = new XcapAuthenticator({ digestRealm: 'r' } as XcapService, () => list, () => Date.now(), Buffer.alloc(32, 1));
  for (let round = 0; round < 2; round++) {
    for (const peer of ['127.0.0.1', '::ffff:127.0.0.1', '10.1.2.3', 'fd00::1']) assert.deepEqual(await auth.authenticate(req(peer), MSISDN), { ok: true, method: 'asserted-identity', identity: `tel:+${MSISDN}` }, peer);
    for (const peer of ['192.0.2.1', '::1', 'fe80::1', '', 'not-an-ip']) assert.equal((await auth.authenticate(req(peer), MSISDN)).ok, false, peer);
  }
  // A reload builds a new list: the peer trusted a moment ago is no longer believed, and the other way round.
  list = proxyList(['192.0.2.1']);
  assert.equal((await auth.authenticate(req('127.0.0.1'), MSISDN)).ok, false);
  assert.equal((await auth.authenticate(req('192.0.2.1'), MSISDN)).ok, true);
  list = proxyList([]);
  assert.equal((await auth.authenticate(req('192.0.2.1'), MSISDN)).ok, false);
});

test('asserted identities: a header of one URI in angle brackets (read without the pattern) and every other one answer as the pattern does', () => {
  const byPattern = (header: string): string[] => [...header.matchAll(/<([^>]+)>|(?:^|,)\s*((?:sips?|tel):[^\s,<>]+)/gi)].map((m) => (m[1] ?? m[2])!.trim());
  const piece = fc.constantFrom('<', '>', '<>', 'sip:+15551234567@ims.example.com', 'tel:+15551234567', '"Alice" ', ',', ' ', 'x', ';user=phone', '<sip:a@b>');
  fc.assert(fc.property(fc.oneof(fc.array(piece, { maxLength: 8 }).map((p) => p.join('')), fc.string({ maxLength: 20 })), (h) => {
    assert.deepEqual(assertedIdentities(h), byPattern(h), h);
  }), { numRuns: 5000 });
  assert.deepEqual(assertedIdentities('<sip:+15551234567@ims.example.com>'), ['sip:+15551234567@ims.example.com']);
  assert.deepEqual(assertedIdentities('< tel:+15551234567 >'), ['tel:+15551234567']);
  assert.deepEqual(assertedIdentities('<a><b>'), ['a', 'b']);
});
