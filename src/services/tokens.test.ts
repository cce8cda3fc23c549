import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createMemoryStore } from '../store/memory-store.js';
import { TokenService, bindingKey, sameText, type BindingRecord, type TokenRecord } from './tokens.js';
import { openCollection } from '../store/collections.js';
import { bigStringsWith } from '../../test/heap-strings.js';
import type { DaemonEvent } from '../contracts/events.js';

function setup() {
  let now = 1_700_000_000_000;
  const events: DaemonEvent[] = [];
  const store = createMemoryStore();
  const svc = new TokenService({
    store,
    clock: { now: () => now },
    random: { bytes: (n) => randomBytes(n), uuid: () => randomUUID() },
    events: { emit: (e) => events.push(e) },
    signingSecret: 'test-secret-0123456789',
    validitySeconds: 3600,
  });
  return { svc, store, events, advance: (ms: number) => (now += ms) };
}
const bind = { imsi: '001010000000001', terminal_id: '356938035643809', app_name: 'com.example.ims' };

test('issue → verify; stored as digest only; listed without the value', async () => {
  const { svc, store, events } = setup();
  const { token, record } = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const value = token.reveal();
  assert.match(value, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(String(token), '[REDACTED]');
  assert.deepEqual(await svc.verify(value, bind), { ok: true, record });
  const stored = (await openCollection<TokenRecord>(store, 'tokens').get(record.token_id))!;
  assert.ok(!JSON.stringify(stored).includes(value));
  assert.ok(!JSON.stringify(await svc.list()).includes(value));
  assert.equal((await svc.list())[0]!.expires_in_seconds, 3600);
  assert.equal((await svc.listByImsi(bind.imsi)).length, 1);
  assert.deepEqual(await svc.listByImsi('001010000000009'), []);
  assert.equal(events[0]!.kind, 'token');
  // case-insensitive terminal binding
  assert.equal((await svc.verify(value, { ...bind, terminal_id: bind.terminal_id.toUpperCase() })).ok, true);
});

test('forged, wrong binding, expired and revoked tokens are refused', async () => {
  const { svc, advance } = setup();
  const { token, record } = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const v = token.reveal();
  const flipped = v.slice(0, 40) + (v[40] === 'A' ? 'B' : 'A') + v.slice(41);
  assert.deepEqual(await svc.verify(flipped, bind), { ok: false, reason: 'forged' });
  assert.deepEqual(await svc.verify('short', bind), { ok: false, reason: 'malformed' });
  assert.deepEqual(await svc.verify(v, { ...bind, imsi: '001010000000002' }), { ok: false, reason: 'wrong_binding' });
  assert.deepEqual(await svc.verify(v, { ...bind, app_name: 'other.app' }), { ok: false, reason: 'wrong_binding' });
  advance(3600_000);
  assert.deepEqual(await svc.verify(v, bind), { ok: false, reason: 'expired' });
  assert.equal(await svc.get(record.token_id), undefined);
  assert.equal(await svc.purgeExpired(), 1);
  assert.deepEqual(await svc.verify(v, bind), { ok: false, reason: 'revoked' });
});

test('a token from another signing secret is forged; revoke removes; one live token per binding', async () => {
  const a = setup();
  const { token } = await a.svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const b = setup();
  const other = new TokenService({ store: a.store, clock: { now: () => 1_700_000_000_000 }, random: { bytes: randomBytes, uuid: randomUUID }, signingSecret: 'another-secret', validitySeconds: 3600 });
  assert.deepEqual(await other.verify(token.reveal(), bind), { ok: false, reason: 'forged' });
  void b;
  const second = await a.svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  assert.deepEqual(await a.svc.verify(token.reveal(), bind), { ok: false, reason: 'revoked' });
  const third = await a.svc.issue({ ...bind, app_name: 'com.other', auth_method: 'EAP-AKA' });
  assert.equal((await a.svc.list()).length, 2);
  assert.equal((await a.svc.listByImsi(bind.imsi)).length, 2);
  assert.ok(await a.svc.revoke(second.record.token_id));
  assert.deepEqual(await a.svc.verify(second.token.reveal(), bind), { ok: false, reason: 'revoked' });
  assert.equal((await a.svc.verify(third.token.reveal(), { ...bind, app_name: 'com.other' })).ok, true);
});

test('issueAlong: the token at once, the replaced ones gone (and the events sent) once `replaced` settles', async () => {
  const { svc, store, events } = setup();
  const first = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const tokens = openCollection<TokenRecord>(store, 'tokens');
  const kinds = () => events.filter((e) => e.kind === 'token').map((e) => (e as { change: string }).change);
  const second = await svc.issueAlong({ ...bind, auth_method: 'EAP-AKA' });
  assert.ok(await tokens.get(second.record.token_id), 'the new record is durable when it returns');
  assert.deepEqual(kinds(), ['issued'], 'not yet: the replaced token is still being deleted');
  await second.replaced;
  assert.deepEqual(kinds(), ['issued', 'revoked', 'issued']);
  assert.equal(await tokens.get(first.record.token_id), undefined);
  assert.ok((await svc.verify(second.token.reveal(), bind)).ok);
});

test('concurrent issues of one binding: each token\'s issued event comes before its revoked one, and one is left active', async () => {
  const { svc, store, events } = setup();
  await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  // One SIM authenticated by several sessions at once: the later swaps delete tokens whose own issue is still
  // removing the one before (their `issued` not yet sent).
  const all = await Promise.all(Array.from({ length: 8 }, () => svc.issueAlong({ ...bind, auth_method: 'EAP-AKA' })));
  await Promise.all(all.map((x) => x.replaced));
  const seen = new Map<string, string[]>();
  for (const e of events) if (e.kind === 'token') seen.set(e.token.token_id, [...(seen.get(e.token.token_id) ?? []), e.change]);
  for (const [id, changes] of seen) assert.equal(changes[0], 'issued', `token ${id}: ${changes.join(', ')}`);
  const active = [...seen].filter(([, c]) => c[c.length - 1] === 'issued').map(([id]) => id);
  const tokens = openCollection<TokenRecord>(store, 'tokens');
  assert.deepEqual(active, (await tokens.find('binding', all[0]!.record.binding)).map((r) => r.token_id), 'the events leave active the one token stored');
  assert.equal(active.length, 1);
});

test('issue replaces the previous token of a binding (its token_bindings record); the binding is normalised', async () => {
  const { svc, store, events } = setup();
  const first = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const tokens = openCollection<TokenRecord>(store, 'tokens');
  assert.equal(first.record.binding, bindingKey(bind));
  assert.match(first.record.binding, /^[0-9a-f]{64}$/);
  // Same client, other spelling of terminal_id and app_name: the same binding, so the first token goes.
  const second = await svc.issue({ ...bind, terminal_id: ` ${bind.terminal_id} `, app_name: bind.app_name.toUpperCase(), auth_method: 'EAP-AKA' });
  assert.deepEqual((await tokens.find('binding', first.record.binding)).map((r) => r.token_id), [second.record.token_id]);
  assert.equal(await tokens.get(first.record.token_id), undefined);
  assert.deepEqual(events.filter((e) => e.kind === 'token').map((e) => (e as { change: string }).change), ['issued', 'revoked', 'issued']);
  // The replacement says so (the websheet grant stays); an explicit revoke does not.
  assert.equal((events.find((e) => e.kind === 'token' && e.change === 'revoked') as { replaced?: true }).replaced, true);
  // Another IMSI is another binding.
  await svc.issue({ ...bind, imsi: '001010000000002', auth_method: 'EAP-AKA' });
  assert.equal(await tokens.count(), 2);
  await svc.revoke(second.record.token_id);
  const revoke = events.filter((e) => e.kind === 'token' && e.change === 'revoked').at(-1) as { replaced?: true; token: { token_id: string } };
  assert.equal(revoke.token.token_id, second.record.token_id);
  assert.equal(revoke.replaced, undefined);
});

test('concurrent issues for one binding leave exactly one live token, the one the binding record names', async () => {
  const { svc, store } = setup();
  const tokens = openCollection<TokenRecord>(store, 'tokens');
  const bindings = openCollection<BindingRecord>(store, 'token_bindings');
  for (let round = 0; round < 20; round++) {
    const issued = await Promise.all(Array.from({ length: 8 }, () => svc.issue({ ...bind, auth_method: 'EAP-AKA' })));
    const live = await tokens.find('binding', bindingKey(bind));
    assert.equal(live.length, 1, `round ${round}: ${live.length} live tokens`);
    assert.equal((await bindings.get(bindingKey(bind)))!.token_id, live[0]!.token_id);
    const ok = await Promise.all(issued.map((i) => svc.verify(i.token.reveal(), bind)));
    assert.equal(ok.filter((c) => c.ok).length, 1, 'exactly one of the values handed out still verifies');
  }
});

test('a replaced token left by a crash between the swap and its delete goes at the next issue', async () => {
  const { svc, store } = setup();
  const tokens = openCollection<TokenRecord>(store, 'tokens');
  const bindings = openCollection<BindingRecord>(store, 'token_bindings');
  const a = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const b = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  // As if the daemon that issued b died after the swap: a is back in the store, named as replaced.
  await tokens.put(a.record.token_id, a.record);
  assert.deepEqual(await bindings.get(bindingKey(bind)), { token_id: b.record.token_id, replaced: a.record.token_id });
  const c = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  assert.deepEqual((await tokens.find('binding', bindingKey(bind))).map((r) => r.token_id), [c.record.token_id]);
  assert.equal((await svc.verify(a.token.reveal(), bind)).ok, false);
});

test('tokens issued before token_bindings existed are replaced through the binding index, once', async () => {
  const { svc, store } = setup();
  const tokens = openCollection<TokenRecord>(store, 'tokens');
  const bindings = openCollection<BindingRecord>(store, 'token_bindings');
  const old = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const { tracked: _t, ...legacy } = old.record;
  await tokens.put(old.record.token_id, legacy);
  await bindings.delete(bindingKey(bind));
  const next = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  assert.deepEqual((await tokens.find('binding', bindingKey(bind))).map((r) => r.token_id), [next.record.token_id]);
});

test('revoke and expiry drop the binding record that names the token, not a newer one', async () => {
  const { svc, store, advance } = setup();
  const bindings = openCollection<BindingRecord>(store, 'token_bindings');
  const a = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  await svc.revoke(a.record.token_id);
  assert.equal(await bindings.get(bindingKey(bind)), undefined);
  const b = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const other = await svc.issue({ ...bind, app_name: 'com.other', auth_method: 'EAP-AKA' });
  assert.equal(await svc.revoke(a.record.token_id), undefined);
  assert.equal((await bindings.get(bindingKey(bind)))!.token_id, b.record.token_id, 'a stale revoke leaves the live token\'s record');
  advance(3600_000);
  assert.equal(await svc.purgeExpired(), 2);
  assert.equal(await bindings.count(), 0);
  void other;
});

test('a token verified before is checked again against the record as it is now (the HMAC memo changes no answer)', async () => {
  const { svc, store, advance } = setup();
  const coll = openCollection<TokenRecord>(store, 'tokens');
  const { token, record } = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const v = token.reveal();
  // Verified twice: the second check is answered through the memo.
  assert.equal((await svc.verify(v, bind)).ok, true);
  assert.equal((await svc.verify(v, bind)).ok, true);
  // The record changed under the same token_id (another daemon, an operator, damage): the HMACs run again.
  await coll.put(record.token_id, { ...record, expires_at: record.expires_at + 60 });
  assert.deepEqual(await svc.verify(v, bind), { ok: false, reason: 'forged' });
  await coll.put(record.token_id, { ...record, digest: '00'.repeat(32) });
  assert.deepEqual(await svc.verify(v, bind), { ok: false, reason: 'forged' });
  await coll.put(record.token_id, { ...record, terminal_id: 'another-terminal' });
  assert.deepEqual(await svc.verify(v, { ...bind, terminal_id: 'another-terminal' }), { ok: false, reason: 'forged' });
  await coll.put(record.token_id, record);
  assert.equal((await svc.verify(v, bind)).ok, true);
  // A near-miss of a memoised token is still forged; the binding and expiry are still checked.
  assert.deepEqual(await svc.verify(v.slice(0, 42) + (v[42] === 'A' ? 'Q' : 'A'), bind), { ok: false, reason: 'forged' });
  assert.deepEqual(await svc.verify(v, { ...bind, imsi: '001010000000002' }), { ok: false, reason: 'wrong_binding' });
  await svc.revoke(record.token_id);
  assert.deepEqual(await svc.verify(v, bind), { ok: false, reason: 'revoked' });
  const again = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  assert.equal((await svc.verify(again.token.reveal(), bind)).ok, true);
  advance(3600_000);
  assert.deepEqual(await svc.verify(again.token.reveal(), bind), { ok: false, reason: 'expired' });
});

test('purge: the first one pages through every token, later ones look up only the expiry minutes passed', async () => {
  const { svc, store, advance } = setup();
  const coll = openCollection<TokenRecord>(store, 'tokens');
  assert.equal(await svc.purgeExpired(), 0, 'first purge: a scan, nothing expired');
  const a = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  assert.equal(a.record.expires_slot, String(Math.floor(a.record.expires_at / 60)));
  assert.ok(!('expires_slot' in (await svc.list())[0]!), 'the index field is not in the view');
  // A record without the field (issued by a build before it): no minute names it.
  const { expires_slot: _s, ...legacy } = { ...a.record, token_id: randomUUID(), binding: 'x'.repeat(64) };
  await coll.put(legacy.token_id, legacy);
  advance(1_800_000);
  const b = await svc.issue({ ...bind, app_name: 'com.second', auth_method: 'EAP-AKA' });
  advance(1_800_000);
  const [p1, p2] = await Promise.all([svc.purgeExpired(), svc.purgeExpired()]);
  assert.equal(p1 + p2, 1, 'the expired token, once, though two purges ran');
  assert.equal(await svc.get(a.record.token_id), undefined);
  assert.ok(await coll.get(legacy.token_id), 'the minute walk does not scan: the record without a minute is still there');
  assert.ok(await svc.get(b.record.token_id), 'not expired yet');
  advance(1_800_000);
  assert.equal(await svc.purgeExpired(), 1, 'the second token, by its minute');
  // A daemon started over a week after the store's last walk pages through everything again, and takes the legacy record.
  const restarted = new TokenService({ store, clock: { now: () => Date.now() + 10 * 365 * 86_400_000 }, random: { bytes: (n) => randomBytes(n), uuid: () => randomUUID() }, signingSecret: 'test-secret-0123456789', validitySeconds: 3600 });
  assert.equal(await restarted.purgeExpired(), 1);
  assert.equal(await coll.count(), 0);
});

test('sameText is string equality, lengths and every character compared', () => {
  assert.equal(sameText('', ''), true);
  assert.equal(sameText('001010000000001\0tid\0app', '001010000000001\0tid\0app'), true);
  assert.equal(sameText('001010000000001\0tid\0app', '001010000000001\0tid\0apq'), false);
  assert.equal(sameText('a001010000000001', 'b001010000000001'), false);
  assert.equal(sameText('abc', 'abcd'), false);
  // Not only the low byte of each UTF-16 unit: U+0161 and U+0061 differ.
  assert.equal(sameText('\u0161', '\u0061'), false);
});

test('a verified token is remembered as a copy of its own, not as a slice holding the query URL it was cut from (heap snapshot)', async () => {
  const { svc } = setup();
  const marker = `zqTokenUrl${process.pid}`;
  const values: string[] = [];
  for (let i = 0; i < 3; i++) values.push((await svc.issue({ ...bind, terminal_id: `35693803564380${i}`, auth_method: 'EAP-AKA' })).token.reveal());
  // Each query in a frame of its own, which ends: what stays alive is what the service keeps.
  const query = async (i: number) => {
    const url = `/?IMSI=${bind.imsi}&token=${values[i]}&terminal_id=35693803564380${i}&app_name=${bind.app_name}&pad=${marker}${'x'.repeat(4000)}`;
    const at = url.indexOf('token=') + 6;
    return (await svc.verify(url.slice(at, url.indexOf('&', at)), { ...bind, terminal_id: `35693803564380${i}` })).ok;
  };
  for (let i = 0; i < 3; i++) assert.equal(await query(i), true);
  /x/.test('x'); // V8 keeps the subject of the last regular-expression match (verify's format check): one string, whatever the load
  assert.equal(bigStringsWith(marker, 900), 0, 'no query URL kept alive by the verified-token memo');
  assert.equal(await query(1), true, 'and the memo still answers');
});
