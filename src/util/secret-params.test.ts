/**
 * The one-pass scan of `redactSecretParams` finds exactly what a global replace with `PAIR_RE` finds (the
 * implementation before issue 14's fourth round): same output for a table of tricky strings, for every UTF-16
 * code unit as a separator / name / value character, and for random strings over the characters that matter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAIR_RE, isSecretParamName, redactSecretParams } from './secret-params.js';

/** The regular-expression implementation this replaces, kept here as the reference. */
const byRegex = (text: string, censor = '[REDACTED]'): string =>
  text.replace(PAIR_RE, (whole, sep: string, name: string) => (isSecretParamName(name) ? `${sep}${name}=${censor}` : whole));

const TABLE = [
  '', '=', 'token', 'token=', '=token=x', 'token=x', '?token=x', '&token=x', ';token=x', ' token=x', '\ttoken=x', '\u00a0token=x', '\ufefftoken=x',
  '/?IMSI=001010000000001&token=abc_DEF-123&terminal_id=356938035643809&app=ap2004&app=ap2003&vers=0&entitlement_version=2.0&app_name=com.google.android.ims',
  '/?a=b?token=x', // the value of a runs over `?`: token is not a separate pair (as the regex had it)
  '/?a=b=c&token=x=y&b=2', '/?token=x#token=y', '/?token=x"token=y', '/?x="token=y"', '/path?token==&token=&&token=z',
  '/?%74oken=x&to%6Ben=y&%2574oken=z&TOKEN=w&Access%5FToken=v&api-key=u&x=1;pw=secret;pin=1234',
  '/websheet/vowifi?%74oken=x', 'a b=c token=d\ntoken=e\rkey=f\u2028secret=g\u3000pw=h',
  `/?${'t'.repeat(199)}=1&token=1`, `/?${'t'.repeat(200)}=1&token=1`, `/?${'t'.repeat(201)}=1&token=1`, `${'t'.repeat(200)}=1`, `${'t'.repeat(201)}=1`,
  `/?${'a'.repeat(300)}token=1`, '/?token', '/?token&token=1', '/?&&&;;;token=1', '?=1&=2&token', 'token=1&', 'token=1;', 'token=1 ',
  '/?tok\ud800en=1&token=\udfff1', '/?\ud83d\ude00=1&token=😀😀&k=v', 'x=1\u180etoken=2', 'x=1\u200btoken=2', 'x=1\u2000token=2',
  'pw=abc def;pw=ghi', 'STATUS:st=N;pw=1234;lang=eng;g=7;vs=1',
];

test('redactSecretParams: the one-pass scan gives the regex replace\'s output over the table', () => {
  for (const t of TABLE) {
    assert.equal(redactSecretParams(t), byRegex(t), JSON.stringify(t));
    assert.equal(redactSecretParams(t, '*'), byRegex(t, '*'), JSON.stringify(t));
  }
  // A censor with `$` patterns is inserted as it is (the regex path used a callback, no substitution).
  assert.equal(redactSecretParams('/?token=x', '$1$&'), '/?token=$1$&');
  // Nothing to redact: the same string comes back.
  const plain = '/?IMSI=001010000000001&app=ap2004';
  assert.equal(redactSecretParams(plain), plain);
});

test('redactSecretParams: every UTF-16 code unit as separator, name and value character', () => {
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    for (const t of [`a=1${ch}token=2`, `${ch}token=2`, `to${ch}ken=2&x`, `token=2${ch}3&key=4`, `x${ch}=1&pw=2`]) {
      const got = redactSecretParams(t);
      if (got !== byRegex(t)) assert.fail(`code unit ${c.toString(16)}: ${JSON.stringify(t)} → ${JSON.stringify(got)}, regex ${JSON.stringify(byRegex(t))}`);
    }
  }
});

test('redactSecretParams: random strings over the characters that matter agree with the regex', () => {
  const alphabet = ['token', 'key', 'pw', 'pin', 'imsi', 'a', 'b', '%74', '%2574', '=', '=', '&', '&', ';', '?', '#', '"', ' ', '\t', '\u00a0', '\u2028', 'x', '1', '-', '_', '.', '+'];
  let seed = 14;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let i = 0; i < 20_000; i++) {
    let t = '';
    const len = rnd(24);
    for (let j = 0; j < len; j++) t += alphabet[rnd(alphabet.length)];
    if (rnd(50) === 0) t += 'q'.repeat(190 + rnd(20)) + '=v&token=s';
    const got = redactSecretParams(t);
    if (got !== byRegex(t)) assert.fail(`${JSON.stringify(t)} → ${JSON.stringify(got)}, regex ${JSON.stringify(byRegex(t))}`);
  }
});
