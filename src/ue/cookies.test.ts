import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookiesFromSetCookie } from './cookies.js';

test('keeps name=value of each Set-Cookie, drops attributes, strips quotes', () => {
  assert.deepEqual(
    cookiesFromSetCookie(['JSESSIONID=abc123; Path=/; HttpOnly', 'S="quoted value"; Max-Age=300', 'lb=node1']),
    ['JSESSIONID=abc123', 'S=quoted value', 'lb=node1'],
  );
});

test('a single header string and no header at all', () => {
  assert.deepEqual(cookiesFromSetCookie('a=1; Secure'), ['a=1']);
  assert.deepEqual(cookiesFromSetCookie(undefined), []);
  assert.deepEqual(cookiesFromSetCookie(['=novalue', 'junk']), []);
});

test('a value with = inside is kept whole', () => {
  assert.deepEqual(cookiesFromSetCookie(['t=YWJj==; Path=/']), ['t=YWJj==']);
});
