import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerTable, newPeer, supports, peerView, type PeerConnection } from './peer-table.js';
import { initialPeerState } from '../../src/fsm/diameter-peer.js';
import { AppId } from '../../src/codec/diameter/constants.js';

const open = (suspect = false): PeerConnection => ({ state: { ...initialPeerState(), name: 'Open', suspect } });
const cfg = (host: string) => ({ host, ip: '127.0.0.1', port: 3868 });

function table(algorithm: 'round_robin' | 'failover') {
  const t = new PeerTable<PeerConnection>(algorithm);
  for (const h of ['a', 'b', 'c']) {
    const p = newPeer<PeerConnection, ReturnType<typeof cfg>>(h, cfg(h));
    p.conn = open();
    p.common = [AppId.SWm];
    t.set(p);
  }
  return t;
}

test('round robin rotates over open peers that share the application; tried peers are skipped', () => {
  const t = table('round_robin');
  assert.deepEqual([0, 1, 2, 3].map(() => t.pick(AppId.SWm, new Set())!.host), ['a', 'b', 'c', 'a']);
  assert.equal(t.pick(AppId.SWm, new Set(['a', 'b', 'c'])), undefined);
  assert.equal(t.pick(AppId.SWx, new Set()), undefined, 'no peer shares SWx');
  assert.equal(t.pick(AppId.SWm, new Set(), 'b')!.host, 'b');
});

test('failover takes the first configured peer while it is open and not suspect (RFC 3539)', () => {
  const t = table('failover');
  assert.equal(t.pick(AppId.SWm, new Set())!.host, 'a');
  assert.equal(t.pick(AppId.SWm, new Set())!.host, 'a');
  t.get('a')!.conn = open(true);
  assert.equal(t.pick(AppId.SWm, new Set())!.host, 'b');
  t.get('b')!.conn = { state: { ...initialPeerState(), name: 'Closing' } };
  assert.equal(t.pick(AppId.SWm, new Set())!.host, 'c');
});

test('a relay peer supports every application; base is always supported; views carry the status word', () => {
  const p = newPeer<PeerConnection, ReturnType<typeof cfg>>('relay', null);
  assert.equal(supports(p, AppId.SWm), false);
  assert.equal(supports(p, 0), true);
  p.caps = { host: 'relay', realm: 'r', hostIpAddresses: [], vendorId: 0, productName: 'x', originStateId: 0, supportedVendorIds: [], authApplicationIds: [AppId.RELAY], acctApplicationIds: [], vendorSpecific: [] };
  assert.equal(supports(p, AppId.SWm), true);
  assert.equal(peerView(p, false).status, 'Disconnected');
  assert.equal(peerView(p, true).status, 'Closed');
  assert.equal(peerView(p, false).connection_initiation, 'Peer -> OmniSEP');
  p.conn = open();
  assert.equal(peerView(p, false).status, 'Connected');
});
