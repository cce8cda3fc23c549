import { test } from 'node:test';
import assert from 'node:assert/strict';
import { challenges, checkNonce, ha1, ha1Table, makeNonce, NonceCounter, parseAuthorization, verifyResponse } from './digest.js';

// RFC 7616 §3.9.1: the published example (user Mufasa, password "Circle of Life").
const RFC = {
  username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: '00000001',
};
const header = (alg: string, response: string) =>
  `Digest username="${RFC.username}", realm="${RFC.realm}", uri="${RFC.uri}", algorithm=${alg}, nonce="${RFC.nonce}", nc=${RFC.nc}, cnonce="${RFC.cnonce}", qop=auth, response="${response}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;

test('RFC 7616 §3.9.1 example: MD5 and SHA-256 responses verify', () => {
  for (const [alg, response] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    const c = parseAuthorization(header(alg, response));
    assert.ok(c, alg);
    assert.equal(c.algorithm, alg);
    assert.equal(c.uri, RFC.uri);
    const h = ha1(alg, RFC.username, RFC.realm, RFC.password);
    assert.ok(verifyResponse(c, 'GET', h), alg);
    assert.ok(!verifyResponse(c, 'PUT', h), `${alg}: method is covered`);
    assert.ok(!verifyResponse({ ...c, nc: '00000002' }, 'GET', h), `${alg}: nc is covered`);
    assert.ok(!verifyResponse(c, 'GET', ha1(alg, RFC.username, RFC.realm, 'wrong')), `${alg}: password is covered`);
  }
});

test('qop=auth is required; junk headers are refused', () => {
  const c = parseAuthorization(header('MD5', '8ca523f5e9506fed4657c9700eebdbec'))!;
  assert.ok(!verifyResponse({ ...c, qop: undefined }, 'GET', ha1('MD5', RFC.username, RFC.realm, RFC.password)));
  for (const h of [undefined, '', 'Basic Zm9vOmJhcg==', 'Digest', 'Digest username="a"', header('SHA-512-256', 'x'), 'Digest ' + 'a=b,'.repeat(2000)]) {
    assert.equal(parseAuthorization(h), null, String(h).slice(0, 40));
  }
});

test('nonces carry their age and an HMAC: fresh, stale, forged', () => {
  const key = Buffer.alloc(32, 7);
  const n = makeNonce(key, 1_000_000);
  assert.equal(checkNonce(key, n, 1_000_000 + 1000, 300_000), 'ok');
  assert.equal(checkNonce(key, n, 1_000_000 + 400_000, 300_000), 'stale');
  assert.equal(checkNonce(Buffer.alloc(32, 8), n, 1_000_000, 300_000), 'bad');
  assert.equal(checkNonce(key, 'bm9wZQ', 1_000_000, 300_000), 'bad');
  const [sha, md5] = challenges('omnisep', n, true);
  assert.match(sha!, /^Digest realm="omnisep", qop="auth", algorithm=SHA-256, nonce="[^"]+".*stale=true$/);
  assert.match(md5!, /algorithm=MD5/);
});

test('nonce counts: replays refused, capacity bounded', () => {
  const nc = new NonceCounter(2);
  assert.ok(nc.accept('a', '00000001'));
  assert.ok(!nc.accept('a', '00000001'));
  assert.ok(nc.accept('a', '00000002'));
  assert.ok(nc.accept('b', '00000001'));
  assert.ok(!nc.accept('b', '00000001'), 'the last two nonces are remembered');
  assert.ok(!nc.accept('a', '00000002'));
  for (const n of ['c', 'd', 'e', 'f']) assert.ok(nc.accept(n, '00000001'));
  assert.ok(!nc.accept('f', '00000001') && !nc.accept('e', '00000001'), 'the last two nonces are remembered');
  assert.ok(nc.accept('a', '00000001'), 'four nonces later, at most twice the capacity: evicted, it starts over (the nonce itself still expires)');
});

test('HA1 table covers the accepted username forms for both algorithms', () => {
  const t = ha1Table('15551234567', 'omnisep', 'secret-pass');
  assert.deepEqual(Object.keys(t.MD5), ['15551234567', '+15551234567', 'tel:+15551234567']);
  assert.equal(t['SHA-256']['+15551234567'], ha1('SHA-256', '+15551234567', 'omnisep', 'secret-pass'));
  assert.ok(!JSON.stringify(t).includes('secret-pass'));
});
