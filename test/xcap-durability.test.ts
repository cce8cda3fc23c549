/** XCAP documents survive a daemon restart on the same lowdb data dir, with the same ETag and Digest password. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { testConfig } from './daemon-helpers.js';
import { DOC_PATH, MSISDN, TEL } from './xcap-helpers.js';

const quiet = () => createLogger({ level: 'warn', pretty: false, destination: new Writable({ write: (_c, _e, cb) => cb() }) });

test('a PUT acknowledged before a restart is served after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-xcap-durable-'));
  const config = testConfig(dir, ['xcap.trusted_proxies=127.0.0.1']);
  const headers = { 'x-3gpp-asserted-identity': `<${TEL}>` };
  try {
    const a = await startDaemon(config, { logger: quiet(), env: {} });
    const svc = a.ctx.services.xcap as { patch(m: string, p: object): Promise<{ etag: string }> };
    await svc.patch(MSISDN, { password: 'durable-password' });
    const put = await request(`${a.addresses.http.url}${DOC_PATH}/~~/simservs/communication-diversion/NoReplyTimer`, {
      method: 'PUT', headers: { ...headers, 'content-type': 'application/xcap-el+xml' }, body: '<NoReplyTimer>42</NoReplyTimer>',
    });
    await put.body.dump();
    assert.equal(put.statusCode, 200);
    const etag = put.headers.etag;
    await a.close();

    const b = await startDaemon(config, { logger: quiet(), env: {} });
    try {
      const get = await request(`${b.addresses.http.url}${DOC_PATH}/~~/simservs/communication-diversion/NoReplyTimer`, { headers });
      assert.equal(get.statusCode, 200);
      assert.equal(await get.body.text(), '<NoReplyTimer>42</NoReplyTimer>');
      assert.equal(get.headers.etag, etag);
      const view = await (b.ctx.services.xcap as { view(m: string): Promise<{ digest_password_set: boolean }> }).view(MSISDN);
      assert.equal(view.digest_password_set, true);
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
