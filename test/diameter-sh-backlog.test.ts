/**
 * xcap.hss_sync with an HSS that cannot be reached: the Sh push of a changed XCAP document goes to the durable
 * backlog (the sh_backlog collection of the embedded store), visible in GET /api/diameter, in the metric
 * omnisep_sh_backlog, in `omnisep diameter peers` and in `omnisep status` (human and --json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon } from './daemon-helpers.js';
import { runCli } from './cli-harness.js';
import { freePort } from './diameter-helpers.js';
import { parseXcapUri, type XcapTarget } from '../src/codec/xcap/uri.js';
import { defaultDocumentText } from '../src/services/xcap/document.js';

const M = '15551234567';
const DOC = `/simservs.ngn.etsi.org/users/tel:+${M}/simservs.xml`;

test('a failed Sh push waits in the durable backlog, shown by /api/diameter, the metric, diameter peers and status', { timeout: 120_000 }, async () => {
  const closed = await freePort(); // nothing listens there: the HSS is unreachable
  const d = await startTestDaemon([
    'diameter.enabled=true', 'aaa.enabled=false', 'xcap.hss_sync=true', 'diameter.request_timeout=200',
    'diameter.peers.0.host=hss.test.local', 'diameter.peers.0.ip=127.0.0.1', `diameter.peers.0.port=${closed}`,
  ]);
  try {
    const x = d.ctx.services.xcap;
    await x.patch(M, {});
    const put = await x.put(M, parseXcapUri(DOC, '') as Exclude<XcapTarget, { kind: 'caps' }>, Buffer.from(defaultDocumentText(44)), {}, 'http://x');
    assert.equal(put.status, 201, 'the phone is answered whatever the HSS does');
    let n = 0;
    for (let i = 0; i < 1500 && (n = await x.hssBacklogCount()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(n, 1);
    const st = await d.call('GET', '/api/diameter');
    assert.equal(st.json.sh_backlog, 1);
    const metrics = await d.ctx.metrics.metrics();
    assert.match(metrics.split('\n').find((l) => l.startsWith('omnisep_sh_backlog')) ?? '', / 1$/);
    const cli = await runCli(['diameter', 'peers', '--socket', d.socket]);
    assert.match(cli.stdout, /Sh backlog 1/);
    const status = await runCli(['status', '--socket', d.socket]);
    assert.match(status.stdout, /^Sh +backlog 1 \(PURs waiting for the HSS\), 0 subscriptions$/m);
    const json = await runCli(['status', '--json', '--socket', d.socket]);
    assert.deepEqual(JSON.parse(json.stdout).sh, { backlog: 1, subscriptions: 0 });
  } finally {
    await d.stop();
  }
});
