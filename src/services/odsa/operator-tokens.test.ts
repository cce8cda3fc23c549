/**
 * Minting operator tokens (AcquireOperatorToken, TS.43 §14.1.2) with the verifier's own issuer: what is minted
 * passes `verify` (HS256 with the shared secret; ES256 with a private JWK whose public half is in the JWKS),
 * expires after `lifetime_seconds`, and nothing is minted without a key to sign with.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, exportJWK } from 'jose';
import { OperatorTokenVerifier, type OperatorTokenPolicy } from './operator-tokens.js';

const BASE: OperatorTokenPolicy = {
  issuer: 'https://auth.operator.example', audience: 'omnisep-ecs', hmac_secret: 'operator-token-shared-secret-0123456789abcdef',
  jwks_file: '', clock_skew_seconds: 0, lifetime_seconds: 600, signing_key_file: '',
};
const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);

function verifier(policy: OperatorTokenPolicy, files: Record<string, string> = {}) {
  let now = T0;
  const read = async (f: string) => {
    if (!(f in files)) throw new Error('ENOENT');
    return files[f]!;
  };
  const v = new OperatorTokenVerifier({ policy: () => policy, clock: { now: () => now }, readJwks: read, readSigningKey: read, randomId: () => 'jti-1' });
  return { v, advance: (s: number) => void (now += s * 1000) };
}

describe('OperatorTokenVerifier.mint', () => {
  it('HS256 with the shared secret: the claims asked for, accepted by verify until it expires', async () => {
    const { v, advance } = verifier(BASE);
    const m = await v.mint({ imsi: '001010000000001', client_id: 'com.example.bank', scope: 'openid phone' });
    assert.ok(m.ok);
    assert.equal(m.expires_at, T0 / 1000 + 600);
    assert.deepEqual(decodeProtectedHeader(m.token), { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(decodeJwt(m.token), {
      client_id: 'com.example.bank', scope: 'openid phone', iss: BASE.issuer, aud: BASE.audience, sub: '001010000000001', iat: T0 / 1000, exp: T0 / 1000 + 600, jti: 'jti-1',
    });
    const c = await v.verify(m.token);
    assert.ok(c.ok);
    assert.deepEqual(c.claims, { imsi: '001010000000001', client_id: 'com.example.bank', scopes: ['openid', 'phone'], expires_at: T0 / 1000 + 600 });
    advance(601);
    assert.deepEqual(await v.verify(m.token), { ok: false, status: 401, reason: 'expired' });
  });

  it('no scope asked: no scope claim', async () => {
    const m = await verifier(BASE).v.mint({ imsi: '001010000000001', client_id: 'app', scope: null });
    assert.ok(m.ok);
    assert.equal(decodeJwt(m.token).scope, undefined);
  });

  it('a JWKS issuer signs with signing_key_file (ES256, its kid) and verifies with the public set', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const files = {
      '/keys/jwks.json': JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'op-1', use: 'sig' }] }),
      '/keys/private.jwk': JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'op-1' }),
    };
    const { v } = verifier({ ...BASE, hmac_secret: '', jwks_file: '/keys/jwks.json', signing_key_file: '/keys/private.jwk' }, files);
    const m = await v.mint({ imsi: '001010000000002', client_id: 'app', scope: null });
    assert.ok(m.ok);
    assert.deepEqual(decodeProtectedHeader(m.token), { alg: 'ES256', typ: 'JWT', kid: 'op-1' });
    const c = await v.verify(m.token);
    assert.ok(c.ok && c.claims.imsi === '001010000000002');
  });

  it('refusals: not configured, a JWKS issuer without a private key, a key file that is missing or public only', async () => {
    assert.deepEqual(await verifier({ ...BASE, issuer: '' }).v.mint({ imsi: '001010000000001', client_id: 'a', scope: null }), { ok: false, reason: 'not_configured' });
    const jwks = { ...BASE, hmac_secret: '', jwks_file: '/keys/jwks.json' };
    assert.deepEqual(await verifier(jwks).v.mint({ imsi: '001010000000001', client_id: 'a', scope: null }), { ok: false, reason: 'no_signing_key' });
    assert.deepEqual(await verifier({ ...jwks, signing_key_file: '/nowhere' }).v.mint({ imsi: '001010000000001', client_id: 'a', scope: null }), { ok: false, reason: 'signing_key_unreadable' });
    const pub = JSON.stringify(await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
    assert.deepEqual(await verifier({ ...jwks, signing_key_file: '/pub.jwk' }, { '/pub.jwk': pub }).v.mint({ imsi: '001010000000001', client_id: 'a', scope: null }), { ok: false, reason: 'signing_key_unreadable' });
  });
});
