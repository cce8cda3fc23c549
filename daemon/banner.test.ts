import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliInvocation, formatBanner } from './banner.js';
import { resolveConfig } from '../src/contracts/config.js';
import type { DaemonContext } from './context.js';

test('banner lists every listener in a fixed order, plus the lines areas add', () => {
  const ctx = {
    version: '1.2.3', dataDir: '/var/lib/omnisep', config: resolveConfig({}),
    listeners: {
      aaa: { transport: 'tcp', host: '127.0.0.1', port: 3869, protocol: 'diameter', url: '127.0.0.1:3869' },
      http: { transport: 'tcp', host: '127.0.0.1', port: 9014, protocol: 'http', url: 'http://127.0.0.1:9014' },
      socket: { transport: 'unix', path: '/run/omnisep.sock', protocol: 'http', url: 'unix:/run/omnisep.sock' },
      admin: { transport: 'tcp', host: '127.0.0.1', port: 8443, protocol: 'https', url: 'https://127.0.0.1:8443' },
    },
    bannerLines: ['try: omnisep simulate eap-aka --imsi 001010000000001 ...'],
  } as unknown as DaemonContext;
  const lines = formatBanner(ctx, { cli: 'omnisep' }).split('\n');
  assert.match(lines[0]!, /^omnisep 1\.2\.3 is running \(pid \d+, development, data \/var\/lib\/omnisep\)$/);
  assert.deepEqual(lines.slice(1, 5).map((l) => l.trim().split(/\s{2,}/)[0]), ['TS.43 + XCAP (public)', 'admin API', 'control socket', 'built-in AAA']);
  assert.ok(lines[1]!.includes('http://127.0.0.1:9014/health'));
  assert.ok(lines[3]!.includes('omnisep status --socket /run/omnisep.sock'));
  assert.equal(lines[5]!.trim(), 'try: omnisep simulate eap-aka --imsi 001010000000001 ...');
  assert.ok(!formatBanner(ctx).includes('\u001b['), 'no colour unless asked');
});

test('the CLI invocation in the banner is the one that started the daemon, pasteable from where it was started', () => {
  assert.equal(cliInvocation('/usr/bin/omnisep', '/var/lib/omnisep'), 'omnisep');
  assert.equal(cliInvocation('/home/me/omnisep/bin/run.js', '/home/me/omnisep'), 'node bin/run.js');
  assert.equal(cliInvocation('/home/me/omnisep/bin/run.js', '/tmp'), 'node /home/me/omnisep/bin/run.js');
  assert.equal(cliInvocation('/home/me/omnisep/bin/dev.js', '/home/me/omnisep'), 'node --import tsx bin/dev.js');
  const ctx = { version: '1', dataDir: '/d', config: resolveConfig({}), bannerLines: [],
    listeners: { socket: { transport: 'unix', path: '/d/omnisep.sock', protocol: 'http', url: 'unix:/d/omnisep.sock' } } } as unknown as DaemonContext;
  assert.ok(formatBanner(ctx, { cli: 'node bin/run.js' }).includes('try: node bin/run.js status --socket /d/omnisep.sock'));
});
