import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { repoPath } from '../util/repo-path.js';
import { Secret } from '../util/secret.js';
import { deriveAkaKeys, expandAkaMasterKey } from './aka-keys.js';
import { ckIkPrime, deriveAkaPrimeKeys } from './aka-prime-kdf.js';
import { fips186Prf, g } from './fips186-prf.js';

const h = (s: string) => Buffer.from(s, 'hex');
const keys = JSON.parse(readFileSync(repoPath('fixtures', 'vectors', 'eap-aka-keys.json'), 'utf8'));
const prime = JSON.parse(readFileSync(repoPath('fixtures', 'vectors', 'rfc5448-aka-prime.json'), 'utf8'));

describe('FIPS 186-2 PRF (RFC 4187 §7)', () => {
  it(keys.fips186_2.section, () => {
    assert.equal(fips186Prf(h(keys.fips186_2.xkey), 40).toString('hex'), keys.fips186_2.output);
  });
  it('G reuses its working memory: the same input gives the same output, interleaved with others and after them', () => {
    const first = g(h(keys.fips186_2.xkey)).toString('hex');
    const other = g(Buffer.alloc(20, 0xff));
    assert.notEqual(other.toString('hex'), first);
    assert.equal(g(h(keys.fips186_2.xkey)).toString('hex'), first);
    // The vector's first 20 bytes are G of XKEY itself (x_0 = w_0 ‖ w_1 with w_0 = G(t, XKEY)).
    assert.equal(first, keys.fips186_2.output.slice(0, 40));
    assert.equal(fips186Prf(h(keys.fips186_2.xkey), 40).toString('hex'), keys.fips186_2.output);
  });
  it(keys.rfc4186_full_auth.section, () => {
    const v = keys.rfc4186_full_auth;
    const k = expandAkaMasterKey(h(v.mk));
    assert.equal(k.kEncr.reveal().toString('hex'), v.k_encr);
    assert.equal(k.kAut.reveal().toString('hex'), v.k_aut);
    assert.equal(k.msk.reveal().toString('hex'), v.msk);
    assert.equal(k.emsk.reveal().toString('hex'), v.emsk);
  });
  it(keys.eap_aka_set19.section, () => {
    const v = keys.eap_aka_set19;
    const k = deriveAkaKeys(v.identity, h(v.ck), h(v.ik));
    assert.equal(k.kEncr.reveal().toString('hex'), v.k_encr);
    assert.equal(k.kAut.reveal().toString('hex'), v.k_aut);
    assert.equal(k.msk.reveal().toString('hex'), v.msk);
    assert.equal(k.emsk.reveal().toString('hex'), v.emsk);
  });
});

describe("EAP-AKA' (RFC 5448 Appendix C)", () => {
  for (const c of prime.cases) {
    it(`${c.section} (${c.network_name})`, () => {
      const { ckPrime, ikPrime } = ckIkPrime(h(c.ck), h(c.ik), c.network_name, h(c.autn).subarray(0, 6));
      assert.equal(ckPrime.reveal().toString('hex'), c.ck_prime);
      assert.equal(ikPrime.reveal().toString('hex'), c.ik_prime);
      const k = deriveAkaPrimeKeys(c.identity, ckPrime, ikPrime);
      assert.equal(k.kEncr.reveal().toString('hex'), c.k_encr);
      assert.equal(k.kAut.reveal().toString('hex'), c.k_aut);
      assert.equal(k.kRe.reveal().toString('hex'), c.k_re);
      assert.equal(k.msk.reveal().toString('hex'), c.msk);
      assert.equal(k.emsk.reveal().toString('hex'), c.emsk);
    });
  }
});

describe('Secret', () => {
  it('Ki, OPc, CK, IK, MSK print [REDACTED] everywhere', () => {
    const c = prime.cases[0];
    const k = deriveAkaPrimeKeys(c.identity, h(c.ck_prime), h(c.ik_prime));
    const holder = { ki: new Secret(h('465b5ce8b199b49faa5f0a2ee238a6bc')), opc: new Secret(h(c.ck)), msk: k.msk, ck: new Secret(h(c.ck)), ik: new Secret(h(c.ik)) };
    const printed = [JSON.stringify(holder), inspect(holder, { depth: 5 }), `${holder.msk}`, String(holder.ki)].join('\n');
    assert.ok(printed.includes('[REDACTED]'));
    for (const hex of ['465b5ce8b199b49faa5f0a2ee238a6bc', c.ck, c.ik, c.msk]) {
      assert.ok(!printed.includes(hex), 'secret leaked');
      assert.ok(!printed.includes(Buffer.from(hex, 'hex').toString('base64')), 'secret leaked (base64)');
    }
    assert.equal(holder.msk.reveal().toString('hex'), c.msk);
  });
});
