import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/contracts/config.js';
import { applyReload, changedKeys } from './reload.js';
import type { DaemonContext } from '../context.js';

test('reload applies the safe keys and lists the ones needing a restart', () => {
  const before = resolveConfig({});
  const after = resolveConfig({ sets: ['log.level=debug', 'activity.max_records_per_subscriber=10', 'admin.api_keys=abcdefghijklmnop1', 'http.port=9999', 'default_entitlements.ap2005.entitlement_status=0'] });
  assert.deepEqual(changedKeys(before, after).sort(), ['activity.max_records_per_subscriber', 'admin.api_keys', 'default_entitlements.ap2005', 'http.port', 'log.level']);
  const retention = { maxPerSubscriber: 1000, retentionSeconds: 1, enforced: 0, enforceRetention() { this.enforced++; return 0; } };
  const ctx = {
    config: before,
    logger: { level: 'info' },
    activity: { maxBodyBytes: 0 },
    store: { activity: retention },
    reloaders: new Map(),
  } as unknown as DaemonContext;
  const r = applyReload(ctx, after);
  assert.deepEqual(r.reloaded.sort(), ['activity.max_records_per_subscriber', 'admin.api_keys', 'default_entitlements.ap2005', 'log.level']);
  assert.deepEqual(r.restart_needed, ['http.port']);
  assert.equal(ctx.config.http.port, 9014, 'listeners are not moved by a reload');
  assert.deepEqual(ctx.config.admin.api_keys, ['abcdefghijklmnop1']);
  assert.equal(ctx.config.default_entitlements.ap2005!.entitlement_status, 0);
  assert.equal((ctx.logger as unknown as { level: string }).level, 'debug');
  assert.equal(retention.maxPerSubscriber, 10);
  assert.equal(retention.enforced, 1);
});
