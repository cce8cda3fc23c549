import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSeedNames } from './config-seed.js';
import { ConfigError, resolveConfig } from './config.js';

const SEED_YAML = `
entitlement_version: "2.0"
default_entitlements:
  vowifi: { entitlement_status: 1, addr_status: 2, tc_status: 2, prov_status: 1 }
  volte:
    entries:
      - { access_type: 1, home_roaming_nw_type: 1, entitlement_status: 1 }
  smsoip: { entitlement_status: 1 }
  data_plan: { entitlement_status: 1 }
  dcb: { entitlement_status: 0, tc_status: 2 }
  satmode: { entitlement_status: 0 }
`;

test("the seed's default_entitlements service names and entitlement_version load, mapped to omnisep keys", () => {
  let mapped: readonly string[] = [];
  const cfg = resolveConfig({ text: SEED_YAML, env: {}, onSeedNames: (m) => (mapped = m) });
  assert.deepEqual(cfg.default_entitlements.ap2003, { entries: [{ access_type: 1, home_roaming_nw_type: 1, entitlement_status: 1 }] });
  assert.deepEqual(cfg.default_entitlements.ap2012, { entitlement_status: 0, tc_status: 2 });
  assert.equal(cfg.ts43.entitlement_versions.min, '2.0');
  assert.equal(cfg.ts43.entitlement_versions.max, '12.0');
  assert.deepEqual(mapped.slice(0, 6), [
    'default_entitlements.vowifi → default_entitlements.ap2004',
    'default_entitlements.volte → default_entitlements.ap2003',
    'default_entitlements.smsoip → default_entitlements.ap2005',
    'default_entitlements.data_plan → default_entitlements.ap2010',
    'default_entitlements.dcb → default_entitlements.ap2012',
    'default_entitlements.satmode → default_entitlements.ap2016',
  ]);
  assert.match(mapped[6]!, /^entitlement_version → ts43\.entitlement_versions\.min \("2\.0"/);
});

test('both names for one key are refused, naming both; a number version becomes N.0', () => {
  assert.throws(() => resolveConfig({ text: 'default_entitlements:\n  vowifi: {}\n  ap2004: {}\n', env: {} }), (e: unknown) => e instanceof ConfigError && /default_entitlements\.vowifi: the same app as default_entitlements\.ap2004/.test(e.message));
  assert.throws(() => resolveConfig({ text: 'entitlement_version: "2.0"\nts43:\n  entitlement_versions: { min: "1.0" }\n', env: {} }), /entitlement_version: ts43\.entitlement_versions\.min is given too/);
  assert.equal((mapSeedNames({ entitlement_version: 2 }).raw.ts43 as { entitlement_versions: { min: string } }).entitlement_versions.min, '2.0');
  assert.deepEqual(mapSeedNames({ server: {} }).mapped, [], 'nothing to map: nothing said');
});
