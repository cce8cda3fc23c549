/**
 * Multi-app responses after a full EAP-AKA exchange, in XML and JSON,
 * compared with golden documents (fixtures/ts43/). The token value (random)
 * is replaced by TOKEN before comparing; everything else is deterministic
 * (fixed clock, fixed signing secret, fixed websheet base URL).
 * UPDATE_GOLDEN=1 rewrites the fixtures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { repoPath } from '../src/util/repo-path.js';
import { SIM1, runUe, startHarness } from './ts43-harness.js';
import { openCollection } from './store-helpers.js';

const APPS = ['ap2003', 'ap2004', 'ap2005', 'ap2010', 'ap2012', 'ap2014', 'ap2016', 'ap2006', 'ap2099'];
const OVERRIDES = {
  imsi: SIM1.imsi,
  updated_at: '2026-11-23T12:00:00.000Z',
  apps: {
    ap2004: { addr_status: 0, tc_status: 0 },
    ap2010: { data_plan_info: [{ access_type: 1, data_plan_type: 'Metered' }, { access_type: 2, data_plan_type: 'Unmetered' }] },
    ap2014: { msisdn: '15551230001' },
    ap2016: {
      entitlement_status: 1,
      plmn_allowed: [{ plmn: '310830', data_plan_type: 'Metered', allowed_services_info: ['sms', 'data'] }],
      plmn_barred: [{ plmn: '310260' }],
    },
  },
};

function golden(name: string, actual: string): void {
  const file = repoPath('fixtures', 'ts43', name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from the golden document`);
}

for (const format of ['xml', 'json'] as const) {
  test(`multi-app ${format.toUpperCase()} document matches the golden file`, async () => {
    const h = await startHarness({ sets: ['ts43.websheet_base_url=https://sep.example.com/websheet'] });
    try {
      await openCollection(h.ctx.store, 'entitlements').put(SIM1.imsi, OVERRIDES);
      const r = await runUe({ url: h.url, ...SIM1, apps: APPS, accept: format === 'xml' ? 'text/vnd.wap.connectivity-xml' : 'application/json' });
      assert.equal(r.final.status, 200);
      let token: string;
      if (format === 'json') token = JSON.parse(r.final.body).Token.token;
      else token = /<parm name="token" value="([^"]+)"/.exec(r.final.body)![1]!;
      const body = r.final.body.split(token).join('TOKEN');
      golden(`multi-app.${format}`, format === 'json' ? `${JSON.stringify(JSON.parse(body), null, 2)}\n` : body);
      if (format === 'xml') {
        // Android's NetworkVoiceIRatCapability lookup is case-insensitive: the correct spelling must match it.
        const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(body);
        const flat = JSON.stringify(parsed);
        assert.ok(/"name":"networkvoiceiratcapability"/i.test(flat));
        assert.ok(!/Capablity/.test(flat), 'never the misspelling of the spec examples');
        // only &amp; entities (Android decodes nothing else)
        assert.deepEqual([...new Set(body.match(/&[a-z#0-9]+;/gi) ?? [])], ['&amp;']);
      }
    } finally {
      await h.close();
    }
  });
}
