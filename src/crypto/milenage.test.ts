import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { repoPath } from '../util/repo-path.js';
import { buildAuts, computeOpc, generateVector, milenage, recoverSqnFromAuts, usimAuthenticate } from './milenage.js';

interface TestSet {
  set: number; section: string; k: string; rand: string; sqn: string; amf: string; op: string; opc: string;
  f1: string; f1star: string; f2: string; f3: string; f4: string; f5: string; f5star: string;
}
const doc = JSON.parse(readFileSync(repoPath('fixtures', 'vectors', 'ts35208-milenage.json'), 'utf8')) as { sets: TestSet[] };
const h = (s: string) => Buffer.from(s, 'hex');

describe('MILENAGE against TS 35.207 / 35.208 test sets', () => {
  it('holds every published set (1..20)', () => {
    assert.equal(doc.sets.length, 20);
    assert.deepEqual(doc.sets.map((s) => s.set), Array.from({ length: 20 }, (_, i) => i + 1));
  });
  for (const t of doc.sets) {
    it(`${t.section}: OPc, f1, f1*, f2, f3, f4, f5, f5*`, () => {
      assert.equal(computeOpc(h(t.k), h(t.op)).toString('hex'), t.opc);
      const o = milenage(h(t.k), h(t.opc), h(t.rand), h(t.sqn), h(t.amf));
      assert.equal(o.macA.toString('hex'), t.f1);
      assert.equal(o.macS.toString('hex'), t.f1star);
      assert.equal(o.res.toString('hex'), t.f2);
      assert.equal(o.ck.toString('hex'), t.f3);
      assert.equal(o.ik.toString('hex'), t.f4);
      assert.equal(o.ak.toString('hex'), t.f5);
      assert.equal(o.akStar.toString('hex'), t.f5star);
    });
  }
});

describe('AUTN / AUTS', () => {
  const t = doc.sets[18]!; // set 19, the one RFC 5448 Appendix C uses
  it('AUTN = SQN⊕AK ‖ AMF ‖ MAC-A equals the AUTN of RFC 5448 Appendix C case 1', () => {
    const v = generateVector({ k: h(t.k), opc: h(t.opc), amf: h(t.amf), sqn: h(t.sqn), rand: h(t.rand) });
    assert.equal(v.autn.toString('hex'), 'bb52e91c747ac3ab2a5c23d15ee351d5');
    assert.equal(v.xres.toString('hex'), t.f2);
    assert.equal(v.ck.reveal().toString('hex'), t.f3);
    assert.equal(String(v.ck), '[REDACTED]');
    assert.ok(!inspect(v).includes(t.f3) && !JSON.stringify(v).includes(t.f4));
  });
  it('the USIM recovers SQN and verifies MAC-A; a flipped bit fails', () => {
    const v = generateVector({ k: h(t.k), opc: h(t.opc), amf: h(t.amf), sqn: 12345n, rand: h(t.rand) });
    const u = usimAuthenticate({ k: h(t.k), opc: h(t.opc), rand: v.rand, autn: v.autn });
    assert.equal(u.sqn, 12345n);
    assert.ok(u.macOk);
    assert.deepEqual(u.res, v.xres);
    const bad = Buffer.from(v.autn);
    bad[15]! ^= 1;
    assert.equal(usimAuthenticate({ k: h(t.k), opc: h(t.opc), rand: v.rand, autn: bad }).macOk, false);
  });
  it('AUTS uses f5* and f1* with AMF 0000; the HE recovers SQN_MS and checks MAC-S', () => {
    for (const s of doc.sets) {
      const sqnMs = BigInt('0x' + s.sqn);
      const auts = buildAuts({ k: h(s.k), opc: h(s.opc), rand: h(s.rand), sqnMs });
      assert.equal(auts.length, 14);
      // SQN_MS ⊕ AK* where AK* is the published f5*
      const conc = Buffer.from(h(s.sqn).map((b, i) => b ^ h(s.f5star)[i]!));
      assert.deepEqual(auts.subarray(0, 6), conc);
      const r = recoverSqnFromAuts({ k: h(s.k), opc: h(s.opc), rand: h(s.rand), auts });
      assert.deepEqual(r, { sqnMs, ok: true });
      const bad = Buffer.from(auts);
      bad[13]! ^= 0x80;
      assert.equal(recoverSqnFromAuts({ k: h(s.k), opc: h(s.opc), rand: h(s.rand), auts: bad }).ok, false);
    }
  });
  it('MAC-S with AMF 0000 differs from the published f1* (AMF ≠ 0000) unless AMF is zero', () => {
    const auts = buildAuts({ k: h(t.k), opc: h(t.opc), rand: h(t.rand), sqnMs: h(t.sqn) });
    assert.notEqual(auts.subarray(6).toString('hex'), t.f1star);
  });
  it('rejects wrong lengths', () => {
    assert.throws(() => milenage(Buffer.alloc(15), Buffer.alloc(16), Buffer.alloc(16), 0n, 0), RangeError);
    assert.throws(() => milenage(Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(16), 1n << 48n, 0), RangeError);
  });
});
