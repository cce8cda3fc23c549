/**
 * ap2011 with `odsa.operator: http` (docs/odsa.md § ap2011, § Operator port): the operator's BSS is a real
 * HTTP server on loopback that this test runs. It answers the enterprise's eligibility and plans and takes
 * the profile orders (delayed first, ready on the next poll); omnisep calls it with the enterprise and
 * requestor, never an IMSI. A BSS answering 500 is retried and the app server gets OperationResult 100.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';

const SECRET = 'enterprise-issuer-shared-secret-0123456789abcdef';
const ISS = 'https://auth.operator.example';
const AUD = 'omnisep-ecs';
const MDM = 'mdm.acme.example';
const EID = '89049032000000000000000000000456';

const body = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  let s = '';
  for await (const c of req) s += String(c);
  return JSON.parse(s || '{}') as Record<string, unknown>;
};

async function ask(d: TestDaemon, params: Record<string, string>) {
  const u = new URL(d.addresses.http.url);
  for (const [k, v] of Object.entries({ requestor_id: MDM, entitlement_version: '12.0', app: 'ap2011', ...params })) u.searchParams.set(k, v);
  const r = await fetch(u, { headers: { accept: 'application/json' } });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return (JSON.parse(text) as Record<string, Record<string, any>>);
}

test('ap2011 through the operator\'s HTTP call-out: eligibility, plans and a delayed order from the BSS', async () => {
  const calls: Array<{ path: string; body: Record<string, unknown> }> = [];
  let orders = 0;
  let failPlans = false;
  const bss = createServer(async (req, res) => {
    const b = await body(req);
    calls.push({ path: req.url ?? '', body: b });
    const send = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (req.url === '/enterprises/eligibility') return send(200, { eligibility: b.enterprise_id === 'acme' ? 1 : 0 });
    if (req.url === '/enterprises/plans') return failPlans ? send(500, {}) : send(200, { plans: [{ plan_id: 'bss-gold', plan_name: 'Gold', plan_description: 'From the BSS' }] });
    if (req.url === '/profiles/order') return send(200, ++orders === 1 ? { status: 'delayed' } : { status: 'ready', iccid: '8944000000000000041', smdp_address: 'smdp.operator.example', matching_id: 'BSS-MATCH-1' });
    if (req.url === '/profiles/release') return send(200, {});
    return send(404, {});
  });
  await new Promise<void>((r) => bss.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(bss.address() as AddressInfo).port}`;
  const d = await startTestDaemon([`enterprise.issuer=${ISS}`, `enterprise.audience=${AUD}`, `enterprise.hmac_secret=${SECRET}`, 'odsa.operator=http', `odsa.operator_url=${url}`, 'odsa.operator_retries=1', 'odsa.operator_timeout_ms=2000']);
  try {
    // The enterprise and its requestor are omnisep's record; eligibility and plans are the BSS's.
    assert.equal((await d.call('PUT', '/api/enterprises/acme', { requestor_ids: [MDM] })).status, 200);
    const at = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setSubject(MDM).setExpirationTime(Math.floor(Date.now() / 1000) + 300).sign(new TextEncoder().encode(SECRET));
    const ce = await ask(d, { access_token: at, enterprise_id: 'acme', operation: 'CheckEligibility' });
    assert.equal(ce.ap2011!.EnterpriseAppEligibility, '1');
    const token = ce.Token!.token as string;
    assert.deepEqual(calls[0], { path: '/enterprises/eligibility', body: { enterprise_id: 'acme', requestor_id: MDM } });

    const plans = await ask(d, { token, operation: 'AcquirePlan' });
    assert.deepEqual(plans.ap2011!.PlanOffers, [{ PlanOffer: { PlanId: 'bss-gold', PlanName: 'Gold', PlanDescription: 'From the BSS' } }]);

    const sub = await ask(d, { token, operation: 'ManageSubscription', operation_type: '0', plan_id: 'bss-gold', enterprise_terminal_id: 'scanner-9', enterprise_terminal_eid: EID });
    assert.equal(sub.ap2011!.SubscriptionResult, '4', 'the BSS said later');
    assert.equal(sub.ap2011!.PollingInterval, '60');
    const order = calls.find((c) => c.path === '/profiles/order')!.body;
    assert.equal(order.enterprise_id, 'acme');
    assert.equal(order.imsi, '');
    assert.equal(order.device_id, 'scanner-9');
    assert.equal(order.plan_id, 'bss-gold');
    assert.equal(order.eid, EID);

    const cfg = await ask(d, { token, operation: 'AcquireConfiguration', enterprise_terminal_id: 'scanner-9' });
    const entry = cfg.ap2011!.EnterpriseConfiguration as Record<string, any>;
    assert.equal(entry.ICCID, '8944000000000000041', 'the poll asked the BSS again and the profile is ready');
    assert.equal(Buffer.from(entry.DownloadInfo.ProfileActivationCode as string, 'base64').toString(), 'LPA:1$smdp.operator.example$BSS-MATCH-1');

    // Unsubscribe releases the profile at the BSS.
    assert.equal((await ask(d, { token, operation: 'ManageSubscription', operation_type: '1', enterprise_terminal_id: 'scanner-9' })).ap2011!.SubscriptionResult, '3');
    assert.deepEqual(calls.find((c) => c.path === '/profiles/release')?.body, { imsi: '', app: 'ap2011', device_id: 'scanner-9', iccid: '8944000000000000041', enterprise_id: 'acme' });

    // The BSS answering 500: retried once, then OperationResult 100.
    failPlans = true;
    const before = calls.filter((c) => c.path === '/enterprises/plans').length;
    const down = await ask(d, { token, operation: 'AcquirePlan' });
    assert.equal(down.ap2011!.OperationResult, '100');
    assert.equal(calls.filter((c) => c.path === '/enterprises/plans').length - before, 2, 'one try and one retry');
  } finally {
    await d.stop();
    await new Promise((r) => bss.close(r));
  }
});
