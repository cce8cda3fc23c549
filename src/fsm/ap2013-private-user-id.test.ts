/**
 * ap2013's mode from the configuration (docs/odsa.md § ap2013): PSEUDONYM only when the AAA whose challenge
 * omnisep relays issues pseudonyms. Golden documents: src/fsm/odsa-golden.test.ts (private-user-id-*).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privateUserIdAnswer, privateUserIdMode, type PrivateUserIdConfig } from './ap2013-private-user-id.js';

const cfg = (over: { setting?: 'auto' | 'pseudonym' | 'none'; enabled?: boolean; backend?: string; aaa?: boolean; pseudonyms?: boolean } = {}): PrivateUserIdConfig => ({
  ts43: { private_user_id: over.setting ?? 'auto' },
  eap_aka: { enabled: over.enabled ?? true, backend: over.backend ?? 'swm' },
  aaa: { enabled: over.aaa ?? true, pseudonyms: over.pseudonyms ?? true },
});

describe('privateUserIdMode', () => {
  it('auto: the built-in AAA over SWm with pseudonyms on', () => {
    assert.equal(privateUserIdMode(cfg()), 'pseudonym');
    assert.equal(privateUserIdMode(cfg({ pseudonyms: false })), 'none');
    assert.equal(privateUserIdMode(cfg({ aaa: false })), 'none', 'an external AAA says nothing unless declared');
  });
  it('declared: pseudonym for an external AAA, none to switch it off', () => {
    assert.equal(privateUserIdMode(cfg({ setting: 'pseudonym', aaa: false })), 'pseudonym');
    assert.equal(privateUserIdMode(cfg({ setting: 'none' })), 'none');
  });
  it('EAP-AKA run by omnisep itself (local, swx) or off: no AT_NEXT_PSEUDONYM reaches the device', () => {
    for (const backend of ['local', 'swx']) assert.equal(privateUserIdMode(cfg({ backend, setting: 'pseudonym' })), 'none', backend);
    assert.equal(privateUserIdMode(cfg({ enabled: false })), 'none');
  });
});

describe('privateUserIdAnswer', () => {
  it('PSEUDONYM: entitled, empty PrivateUserID, type 1; otherwise incompatible with its message', () => {
    assert.deepEqual(privateUserIdAnswer('pseudonym'), { EntitlementStatus: '1', PrivateUserID: '', PrivateUserIDType: '1' });
    assert.deepEqual(privateUserIdAnswer('none'), { EntitlementStatus: '2', MessageForIncompatible: 'Private user identity is not offered by this server' });
    assert.deepEqual(privateUserIdAnswer(undefined), privateUserIdAnswer('none'));
  });
});
