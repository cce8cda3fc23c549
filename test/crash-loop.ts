/**
 * The SIGKILL-after-acknowledgement loop of the real daemon, shared by the drivers' crash tests
 * (test/crash-store.test.ts on the embedded store, test/crash-store-pg.test.ts on PostgreSQL): what was
 * answered 2xx survives SIGKILL sent the instant the answer arrives, round after round, for each kind of
 * write — an entitlement set, an XCAP PUT, a subscriber add and an authentication's SQN advance (checked from
 * the USIM side: after a restart the next challenge must carry an SQN above every one the USIM accepted, or it
 * would answer with a synchronisation failure).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, type Agent } from 'undici';
import { spawnServe, waitReady } from './daemon-process.js';
import { simulateEapAka, simulateOptions } from '../src/ue/run.js';
import { Secret } from '../src/util/secret.js';

const IMSI = '001010000054321';
const KI = '465b5ce8b199b49faa5f0a2ee238a6bc';
const OPC = 'cd63cb71954a9f4e48a5994e37a02baf';
const MSISDN = '15551234567';
const TEL = `tel:+${MSISDN}`;
const ELEMENT = `/simservs.ngn.etsi.org/users/${encodeURIComponent(TEL)}/simservs.xml/~~/simservs/communication-diversion/NoReplyTimer`;
const SETS = ['eap_aka.backend=local', 'xcap.trusted_proxies=127.0.0.1', 'token.signing_secret=crash-test-signing-secret'];

async function api(agent: Agent, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  const r = await request(`http://localhost${path}`, { dispatcher: agent, method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  return { status: r.statusCode, body: r.statusCode === 204 ? null : await r.body.json().catch(() => null) as unknown };
}

async function publicUrl(agent: Agent): Promise<string> {
  const s = await api(agent, 'GET', '/api/status');
  return (s.body as { listeners: { http: { url: string } } }).listeners.http.url.replace(/\/$/, '');
}

const xcapHeaders = { 'x-3gpp-asserted-identity': `<${TEL}>` };

/** `rounds` rounds; round r ends with write r mod 4, so each kind is the last one before the kill in turn. `sets`: the store's settings. */
export async function crashLoop(rounds: number, sets: readonly string[] = []): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-crash-'));
  const socket = join(dir, 'omnisep.sock');
  const serve = () => spawnServe(dir, socket, [...SETS, ...sets].flatMap((s) => ['--set', s]));
  let expect: { url: string; timer: number; imsis: string[] } | null = null;
  let sqnMs = 0n;
  const added: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const p = serve();
    const agent = await waitReady(p, socket, 180_000); // a busy host can take a minute to start a daemon
    const http = await publicUrl(agent);
    if (round === 0) {
      const add = await api(agent, 'POST', '/api/subscribers', { imsi: IMSI, ki: KI, opc: OPC, msisdn: `+${MSISDN}` });
      assert.equal(add.status, 201, JSON.stringify(add.body));
    }
    if (expect) {
      const e = await api(agent, 'GET', `/api/entitlements/${IMSI}`);
      assert.equal(e.status, 200, `round ${round}: the entitlement acknowledged before the kill is missing`);
      assert.equal((e.body as { entitlements: { ap2004: { data: { service_flow_url: string } } } }).entitlements.ap2004.data.service_flow_url, expect.url, `round ${round}: entitlement`);
      const x = await request(`${http}${ELEMENT}`, { headers: xcapHeaders });
      assert.equal(x.statusCode, 200, `round ${round}: XCAP element`);
      assert.equal(await x.body.text(), `<NoReplyTimer>${expect.timer}</NoReplyTimer>`, `round ${round}: the XCAP PUT acknowledged before the kill`);
      for (const imsi of expect.imsis) assert.equal((await api(agent, 'GET', `/api/subscribers/${imsi}`)).status, 200, `round ${round}: subscriber ${imsi} added before the kill is missing`);
    }
    const url = `https://activate.example.com/round-${round}`;
    const timer = 10 + round;
    const newImsi = `00101000009${String(round).padStart(4, '0')}`;
    const ops: Array<() => Promise<void>> = [
      async () => {
        const r = await api(agent, 'POST', `/api/entitlements/${IMSI}`, { app_id: 'ap2004', entitlement: { entitlement_status: round % 4, service_flow_url: url } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      },
      async () => {
        const r = await request(`${http}${ELEMENT}`, { method: 'PUT', headers: { ...xcapHeaders, 'content-type': 'application/xcap-el+xml' }, body: `<NoReplyTimer>${timer}</NoReplyTimer>` });
        const text = await r.body.text();
        assert.ok(r.statusCode === 200 || r.statusCode === 201, `XCAP PUT ${r.statusCode} ${text}`);
      },
      async () => {
        const r = await api(agent, 'POST', '/api/subscribers', { imsi: newImsi, ki: KI, opc: OPC });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        added.push(newImsi);
      },
      async () => {
        const rep = await simulateEapAka(simulateOptions({ url: `${http}/`, imsi: IMSI, ki: new Secret(Buffer.from(KI, 'hex')), opc: new Secret(Buffer.from(OPC, 'hex')) }, { sqn: sqnMs, tokenReauth: false, timeoutMs: 30_000 }));
        assert.ok(rep.ok, `round ${round}: authentication failed: ${JSON.stringify(rep.reason ?? rep)}`);
        assert.equal(rep.challenges, 1, `round ${round}: the USIM saw an SQN it had already accepted (SQN went back after a crash: resync)`);
        const end = BigInt(rep.sqn_ms.end);
        assert.ok(end > sqnMs, `round ${round}: SQN_MS ${sqnMs} → ${end} did not advance`);
        sqnMs = end;
      },
    ];
    // Round r ends with write r: each kind is the last one before the kill once.
    const order = [...ops.slice(round % ops.length), ...ops.slice(0, round % ops.length)];
    for (const op of order) await op();
    p.child.kill('SIGKILL'); // the instant the last answer arrived
    await p.exited;
    await agent.close().catch(() => {});
    expect = { url, timer, imsis: [...added] };
    assert.ok(existsSync(socket), 'SIGKILL leaves a stale socket behind (the next start must clear it)');
  }
}
