/** The dispatcher alone (no sockets): what this node answers to requests, by route, handler and dictionary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from './dispatch.js';
import { RouteTable, type RouteConfig } from './route-table.js';
import { DiameterUnavailableError, type ForwardOptions } from './service.js';
import { AppId, Avp, CmdFlag, CommandCode, ResultCode } from '../../src/codec/diameter/constants.js';
import { defaultDictionary } from '../../src/codec/diameter/dictionary.js';
import { avp, findAll, getU32, resultOf, type DiameterMessage } from '../../src/codec/diameter/message.js';
import { answerHeader } from '../../src/codec/diameter/base.js';

const dict = defaultDictionary();
const quiet = { warn() {}, error() {}, info() {} };

function dispatcher(routes: RouteConfig[], forward: (m: DiameterMessage, f: ForwardOptions) => Promise<DiameterMessage> = () => Promise.reject(new DiameterUnavailableError('none', 'no_peer'))) {
  return new Dispatcher({
    local: { host: 'agent.test', realm: 'agent.realm' }, dictionary: dict, avpName: (c, v) => dict.avp(c, v)?.name, routes: new RouteTable(routes),
    ownApplications: [AppId.SWm], forward, peerAddress: (h) => (h === 'c.test' ? { port: 5658, transport: 'tls' } : undefined), log: quiet,
  });
}

const req = (realm: string, extra: ReturnType<typeof avp>[] = [], app: number = AppId.SWm): DiameterMessage => ({
  flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: app, hopByHop: 1, endToEnd: 2,
  avps: [avp(dict, 'Session-Id', 'cli;1;1'), avp(dict, 'Origin-Host', 'cli.test'), avp(dict, 'Origin-Realm', 'cli.realm'), avp(dict, 'Destination-Realm', realm), ...extra],
});

test('relay forwards to the route\'s next hops and returns the answer unchanged; no next hop → 3002', async () => {
  let seen: ForwardOptions | undefined;
  const d = dispatcher([{ realm: 'hss.realm', action: 'relay', peers: ['hss.test'] }], async (m, f) => {
    seen = f;
    return answerHeader(m, [avp(dict, 'Result-Code', 2001), avp(dict, 'Origin-Host', 'hss.test'), avp(dict, 'Origin-Realm', 'hss.realm')], 2001);
  });
  const a = await d.answer(req('hss.realm'), 'cli.test');
  assert.deepEqual(resultOf(a), { resultCode: 2001 });
  assert.deepEqual(seen, { nextHops: ['hss.test'], from: 'cli.test' });
  const down = dispatcher([{ realm: '*', action: 'relay', peers: ['hss.test'] }]);
  const b = await down.answer(req('any.realm'), 'cli.test');
  assert.deepEqual(resultOf(b), { resultCode: ResultCode.DIAMETER_UNABLE_TO_DELIVER });
  assert.ok(b.flags & CmdFlag.E);
});

test('redirect answers 3006 with a Redirect-Host URI per peer and Redirect-Host-Usage; proxy refuses applications we do not advertise', async () => {
  const d = dispatcher([{ realm: 'r.realm', action: 'redirect', peers: ['b.test', 'c.test'] }, { realm: 'p.realm', action: 'proxy', peers: ['b.test'] }]);
  const a = await d.answer(req('r.realm'), 'cli.test');
  assert.deepEqual(resultOf(a), { resultCode: ResultCode.DIAMETER_REDIRECT_INDICATION });
  assert.ok(a.flags & CmdFlag.E);
  assert.deepEqual(findAll(a.avps, Avp.REDIRECT_HOST).map((x) => x.data.toString()), ['aaa://b.test:3868;transport=tcp', 'aaas://c.test:5658;transport=tcp']);
  assert.equal(getU32(a.avps, Avp.REDIRECT_HOST_USAGE), 0);
  const p = await d.answer(req('p.realm', [], AppId.SWx), 'cli.test');
  assert.deepEqual(resultOf(p), { resultCode: ResultCode.DIAMETER_APPLICATION_UNSUPPORTED });
});

test('a Route-Record naming this node is a loop (3005); local routes, Destination-Host = us and handlers answer here', async () => {
  const d = dispatcher([{ realm: '*', action: 'relay', peers: ['x.test'] }, { realm: 'agent.realm', action: 'local', peers: [] }]);
  d.handle(AppId.SWm, CommandCode.DIAMETER_EAP, (m) => answerHeader(m, [avp(dict, 'Result-Code', 2001)], 2001));
  assert.deepEqual(resultOf(await d.answer(req('x.realm', [avp(dict, 'Route-Record', 'agent.test')]), 'cli.test')), { resultCode: ResultCode.DIAMETER_LOOP_DETECTED });
  assert.deepEqual(resultOf(await d.answer(req('agent.realm'), 'cli.test')), { resultCode: 2001 });
  assert.deepEqual(resultOf(await d.answer(req('x.realm', [avp(dict, 'Destination-Host', 'agent.test')]), 'cli.test')), { resultCode: 2001 });
});

test('no handler: 3001 for our application, 3007 for another; a handler that throws → 5012; unknown M-bit AVP → 5001', async () => {
  const d = dispatcher([]);
  assert.deepEqual(resultOf(await d.answer(req('agent.realm'), 'p')), { resultCode: ResultCode.DIAMETER_COMMAND_UNSUPPORTED });
  assert.deepEqual(resultOf(await d.answer(req('agent.realm', [], AppId.SWx), 'p')), { resultCode: ResultCode.DIAMETER_APPLICATION_UNSUPPORTED });
  d.handle(AppId.SWm, CommandCode.DIAMETER_EAP, () => { throw new Error('boom'); });
  assert.deepEqual(resultOf(await d.answer(req('agent.realm'), 'p')), { resultCode: ResultCode.DIAMETER_UNABLE_TO_COMPLY });
  const unknown = { code: 9999, vendorId: 0, flags: 0x40, data: Buffer.alloc(4) };
  assert.deepEqual(resultOf(await d.answer(req('agent.realm', [unknown]), 'p')), { resultCode: ResultCode.DIAMETER_AVP_UNSUPPORTED });
});

test('route table: exact realm before *, a named application before any, first among equals', async () => {
  const t = new RouteTable([
    { realm: '*', action: 'relay', peers: ['default'] },
    { realm: 'A.realm', action: 'relay', peers: ['a-any'] },
    { realm: 'a.realm', application_id: AppId.SWx, action: 'relay', peers: ['a-swx'] },
    { realm: '*', application_id: AppId.SWx, action: 'redirect', peers: ['r'] },
  ]);
  assert.deepEqual(t.match('a.realm', AppId.SWx)?.peers, ['a-swx']);
  assert.deepEqual(t.match('a.realm', AppId.SWm)?.peers, ['a-any']);
  assert.deepEqual(t.match('b.realm', AppId.SWm)?.peers, ['default']);
  assert.deepEqual(t.match('b.realm', AppId.SWx)?.peers, ['r']);
  assert.deepEqual(t.forOutgoing('b.realm', AppId.SWx)?.peers, ['default'], 'originated requests use relay/proxy routes only');
  assert.equal(t.views()[0]!.default, true);
});
