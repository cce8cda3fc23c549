/**
 * endAtTurnEnd: the answers sent in one turn of the event loop are ended together when it ends, in the order they
 * were sent; a later turn's answers at that turn's end; a connection gone in between is skipped; an `end` that
 * throws is logged and its connection destroyed, and the other answers still leave; each answer's `after` (the request
 * metrics) runs once, after its end, whether it was written or not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { endAtTurnEnd } from './turn-end.js';

/** The part of a ServerResponse endAtTurnEnd uses, recording into `ended`. */
function fakeResponse(name: string, ended: string[], opts: { throws?: boolean } = {}) {
  const res = {
    destroyed: false,
    end(payload?: string | Buffer) {
      if (opts.throws) throw new Error(`${name}: write after end`);
      ended.push(payload === undefined ? `${name}:-` : `${name}:${String(payload)}`);
    },
    destroy() { res.destroyed = true; },
  };
  return res;
}
const asRes = (r: ReturnType<typeof fakeResponse>) => r as unknown as ServerResponse;
const quiet = { error() {} };
const turn = () => new Promise((r) => setImmediate(r));

test("one turn's answers are ended together when the turn ends, in the order they were sent", async () => {
  const ended: string[] = [];
  endAtTurnEnd(asRes(fakeResponse('a', ended)), 'one', quiet);
  endAtTurnEnd(asRes(fakeResponse('b', ended)), Buffer.from('two'), quiet);
  await Promise.resolve(); // microtasks of the same turn: still held
  endAtTurnEnd(asRes(fakeResponse('c', ended)), undefined, quiet);
  assert.deepEqual(ended, [], 'nothing leaves before the turn ends');
  await turn();
  assert.deepEqual(ended, ['a:one', 'b:two', 'c:-']);
  endAtTurnEnd(asRes(fakeResponse('d', ended)), 'four', quiet);
  assert.equal(ended.length, 3, 'a later turn is held again');
  await turn();
  assert.deepEqual(ended, ['a:one', 'b:two', 'c:-', 'd:four']);
});

test('a connection gone before the turn ends is skipped; an end that throws is logged, its connection destroyed, the rest still leave', async () => {
  const ended: string[] = [];
  const logged: unknown[] = [];
  const gone = fakeResponse('gone', ended);
  const bad = fakeResponse('bad', ended, { throws: true });
  const counted: string[] = [];
  endAtTurnEnd(asRes(gone), 'x', quiet, () => counted.push(`gone after ${ended.length}`));
  endAtTurnEnd(asRes(bad), 'y', { error: (obj) => logged.push(obj) }, () => counted.push(`bad after ${ended.length}`));
  endAtTurnEnd(asRes(fakeResponse('ok', ended)), 'z', quiet, () => counted.push(`ok after ${ended.length}`));
  gone.destroyed = true;
  assert.deepEqual(counted, [], 'counted when the turn ends, not when sent');
  await turn();
  assert.deepEqual(ended, ['ok:z']);
  assert.deepEqual(counted, ['gone after 0', 'bad after 0', 'ok after 1'], 'every answer counted once, after its end');
  assert.equal(bad.destroyed, true);
  assert.equal(logged.length, 1);
  assert.match(String((logged[0] as { err: Error }).err.message), /write after end/);
});

test('over real sockets: several answers of one turn arrive whole, each on its own connection, keep-alive kept', async () => {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(req.url!.length) });
    held.push(res);
    endAtTurnEnd(res, req.url!, quiet);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const get = (path: string) => new Promise<{ status: number; body: string; keepAlive: string | undefined }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'keep-alive' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body, keepAlive: res.headers.connection }));
    }).on('error', reject).end();
  });
  try {
    const paths = Array.from({ length: 20 }, (_, i) => `/answer-${i}`);
    const got = await Promise.all(paths.map(get));
    assert.deepEqual(got.map((g) => g.body), paths);
    assert.ok(got.every((g) => g.status === 200 && g.keepAlive === 'keep-alive'));
    assert.equal(held.length, 20);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
