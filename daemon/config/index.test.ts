import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, resolvePaths } from './index.js';

test('loadConfig reads YAML and JSON files, names a missing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-cfg-'));
  writeFileSync(join(dir, 'a.yaml'), '# comment\nhttp:\n  port: 9100 # inline\n');
  writeFileSync(join(dir, 'a.json'), '{"http": {"port": 9200}}');
  assert.equal(loadConfig({ file: join(dir, 'a.yaml') }).http.port, 9100);
  assert.equal(loadConfig({ file: join(dir, 'a.json') }).http.port, 9200);
  assert.throws(() => loadConfig({ file: join(dir, 'none.yaml') }), (e: unknown) => e instanceof ConfigError && e.message.includes('none.yaml') && /file not found/.test(e.message));
});

test('default entitlements are validated per app by the TS.43 catalog', () => {
  assert.equal(loadConfig({}).default_entitlements.ap2004!.entitlement_status, 1, 'the shipped defaults are valid');
  assert.throws(() => loadConfig({ sets: ['default_entitlements.ap2004.addr_status=9'] }), /default_entitlements\.ap2004: .*addr_status/);
});

test('paths: the socket falls back to XDG_RUNTIME_DIR, then the data dir', () => {
  const c = loadConfig({ sets: ['storage.data_dir=/var/lib/omnisep'] });
  assert.equal(resolvePaths(c, {}).socket, '/var/lib/omnisep/omnisep.sock');
  assert.equal(resolvePaths(c, { XDG_RUNTIME_DIR: '/run/user/7' }).socket, '/run/user/7/omnisep.sock');
});
