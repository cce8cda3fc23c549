import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { Secret } from '../../util/secret.js';
import { createMemoryStore } from '../../store/memory-store.js';
import { deriveSealKey } from '../../crypto/seal.js';
import { runExchange, type MilenageSubscriber } from '../../fsm/eap-aka-driver.js';
import { peerCarry, peerSqnMs, startPeer, type EapPeerState, type PeerCarry } from '../../fsm/eap-aka-peer.js';
import type { EapServerConfig } from '../../fsm/eap-aka-server.js';
import type { AkaVariant } from '../../aka/identity.js';
import type { Store } from '../../ports.js';
import { EAP_IDENTITIES_DEFAULTS, StoreEapIdentities, type EapIdentitiesConfig } from './eap-identities.js';

const K = new Secret(Buffer.from('5122250214c33e723a5dd523fc145fc0', 'hex'));
const OPC = new Secret(Buffer.from('981d464c7c52eb6e5036234984ad0bcf', 'hex'));
const IMSI = '001010000000001';
let c = 0;
const rand = () => createHash('sha256').update(`r${c++}`).digest().subarray(0, 16);
const random = (n: number) => Buffer.concat([rand(), rand()]).subarray(0, n);

/** One SIM, one AAA store: full authentications and re-authentications in a row, the USIM state carried between runs. */
function lab(variant: AkaVariant, cfg: Partial<EapIdentitiesConfig> = {}, store: Store = createMemoryStore(), sealKey = deriveSealKey('s', 'eap_identities')) {
  const sub: MilenageSubscriber = { k: K, opc: OPC, amf: 0x8000, sqn: 0n };
  const ids = new StoreEapIdentities(store, { config: { ...EAP_IDENTITIES_DEFAULTS, ...cfg }, sealKey, random, now: () => 1000 });
  const server: EapServerConfig = { variant, ...(variant === 'aka-prime' ? { networkName: 'WLAN' } : {}), maxResync: 2, timeoutMs: 30_000, identityRound: 'when-not-permanent', resolveIdentities: true };
  let sqnMs = 0n;
  let carry: PeerCarry = {};
  return {
    store, ids,
    get carry() {
      return carry;
    },
    set carry(v: PeerCarry) {
      carry = v;
    },
    peer: (): EapPeerState => startPeer({ imsi: IMSI, k: K, opc: OPC, sqnMs, variant }, carry),
    async run(peer?: EapPeerState, identities = ids) {
      const p = peer ?? this.peer();
      const r = await runExchange({ server, peer: p, sub, rand, identities });
      sub.sqn = r.sqnHe;
      sqnMs = peerSqnMs(r.peer);
      carry = peerCarry(r.peer);
      const last = r.outcomes.at(-1)!;
      return { r, last, identity: p.identity, peerSuccess: r.peerActions.find((a) => a.type === 'success') };
    },
  };
}

describe('pseudonyms and fast re-authentication, server against peer over the store', () => {
  for (const variant of ['aka', 'aka-prime'] as const) {
    it(`${variant}: full authentication issues identities; the re-auth identity re-authenticates with matching MSK; counters grow`, async () => {
      const l = lab(variant);
      const full = await l.run();
      assert.equal(full.last.type, 'success');
      assert.ok(full.last.type === 'success' && !full.last.reauth);
      assert.match(l.carry.pseudonym!, variant === 'aka' ? /^2[0-9a-f]{32}@/ : /^7[0-9a-f]{32}@/);
      assert.match(l.carry.reauth!.id, variant === 'aka' ? /^4[0-9a-f]{32}@/ : /^8[0-9a-f]{32}@/);
      for (let n = 1; n <= 3; n++) {
        const used = l.carry.reauth!.id;
        const re = await l.run();
        assert.equal(re.identity, used);
        assert.ok(re.last.type === 'success' && re.last.reauth, `re-auth ${n}`);
        assert.ok(re.peerSuccess?.type === 'success' && re.peerSuccess.reauth);
        assert.deepEqual(re.peerSuccess.msk.reveal(), re.last.msk.reveal(), 'both sides derive the same MSK');
        assert.equal(l.carry.reauth!.counter, n);
        assert.notEqual(l.carry.reauth!.id, used, 'a new re-auth identity each time');
        assert.ok(re.r.rows.includes('resolve_wait:reauth'));
        assert.ok(!re.r.rows.includes('vector_wait:challenge'), 'no vector spent');
      }
    });
  }

  it('a re-auth identity is single-use: presenting it again gets the identity round and a full authentication', async () => {
    const l = lab('aka');
    await l.run();
    const stale = l.carry;
    await l.run(); // consumes stale.reauth
    l.carry = stale;
    const replay = await l.run();
    assert.ok(replay.last.type === 'success' && !replay.last.reauth);
    assert.ok(replay.r.rows.includes('resolve_wait:identity_round'), 'unknown re-auth id → AT_FULLAUTH_ID_REQ');
    assert.ok(replay.r.rows.includes('identity:resolve'), 'answered with the pseudonym');
    assert.ok(replay.r.rows.includes('vector_wait:challenge'));
  });

  it('a counter not above the peer\'s gets AT_COUNTER_TOO_SMALL and a full authentication follows', async () => {
    const l = lab('aka');
    await l.run();
    l.carry = { ...l.carry, reauth: { ...l.carry.reauth!, counter: 7 } }; // the peer has seen counter 7 already
    const r = await l.run();
    assert.ok(r.r.rows.includes('reauth_sent:counter_too_small'));
    assert.ok(r.last.type === 'success' && !r.last.reauth);
    assert.ok(r.peerSuccess?.type === 'success');
    assert.deepEqual(r.peerSuccess.msk.reveal(), r.last.msk.reveal());
  });

  it('max_reauths: after that many re-authentications the next is a full authentication', async () => {
    const l = lab('aka', { maxReauths: 2 });
    await l.run();
    assert.ok((await l.run()).last.type === 'success');
    const second = await l.run();
    assert.ok(second.last.type === 'success' && second.last.reauth);
    assert.equal(l.carry.reauth, undefined, 'no next re-auth identity at the limit');
    const third = await l.run();
    assert.ok(third.last.type === 'success' && !third.last.reauth, 'pseudonym → full authentication');
    assert.ok(third.r.rows.includes('resolve_wait:need_vector'));
  });

  it('keys that no longer open (another seal key: a restart without cluster secret) → full authentication, no error', async () => {
    const store = createMemoryStore();
    const l = lab('aka', {}, store);
    await l.run();
    const other = new StoreEapIdentities(store, { config: EAP_IDENTITIES_DEFAULTS, sealKey: deriveSealKey('other', 'eap_identities'), random, now: () => 1000 });
    const r = await l.run(undefined, other);
    assert.ok(r.last.type === 'success' && !r.last.reauth);
    assert.ok(r.r.rows.includes('resolve_wait:need_vector'));
  });

  it('expired identities are unknown; fast_reauth off issues only pseudonyms; nothing kept holds a key in clear', async () => {
    const store = createMemoryStore();
    const l = lab('aka', { fastReauth: false }, store);
    await l.run();
    assert.ok(l.carry.pseudonym && !l.carry.reauth);
    const dump = JSON.stringify(await store.collection('eap_identities', { kind: 'state' }).scan());
    assert.ok(!dump.includes(K.reveal().toString('hex')));
    const later = new StoreEapIdentities(store, { config: EAP_IDENTITIES_DEFAULTS, sealKey: deriveSealKey('s', 'eap_identities'), random, now: () => 1000 + 8 * 86400_000 });
    assert.deepEqual(await later.resolve(l.carry.pseudonym!, { variant: 'aka', allowReauth: true }), { kind: 'unknown' });
    assert.deepEqual(await l.ids.resolve(l.carry.pseudonym!, { variant: 'aka', allowReauth: true }), { kind: 'full', imsi: IMSI });
  });

  it('a new issue deletes the IMSI\'s superseded pseudonym: the store holds at most one of each per IMSI', async () => {
    const l = lab('aka', { fastReauth: false });
    for (let i = 0; i < 4; i++) await l.run(startPeer({ imsi: IMSI, k: K, opc: OPC, sqnMs: 0n, variant: 'aka' }));
    const keys = (await l.store.collection('eap_identities', { kind: 'state' }).scan()).map(([k]) => k[0]);
    assert.deepEqual(keys.sort(), ['i', 'p']);
  });
});
