/**
 * LeanReply's two ways of letting an answer go (at the turn's end, or at once) and its Set-Cookie line; leanBodyHook's
 * hand-over of a body already read. The byte-for-byte comparison with fastify is test/ts43-lean-path.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { fastifyCookie } from '@fastify/cookie';
import { boundedBody, LeanPaths, LeanReply, LeanRequest, leanBodyHook } from './lean.js';

/** A response that notes what was done to it, in order. */
function fakeResponse(): { res: ServerResponse; log: string[] } {
  const log: string[] = [];
  const res = {
    destroyed: false,
    writeHead(status: number, headers: Record<string, string | string[]>) { log.push(`head ${status} ${JSON.stringify(headers)}`); return res; },
    end(payload?: string | Buffer) { log.push(`end ${payload === undefined ? '' : String(payload)}`); return res; },
    destroy() { log.push('destroy'); },
  };
  return { res: res as unknown as ServerResponse, log };
}

const raw = { method: 'GET', url: '/', headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
const silent = { warn() {}, error() {} };

test('LeanReply: at the turn\'s end by default, at once when asked; counted once the bytes are handed over', async () => {
  for (const atTurnEnd of [true, false]) {
    const { res, log } = fakeResponse();
    let finished = 0;
    const reply = new LeanReply(new LeanRequest(raw, '/', performance.now(), silent), res, () => { finished++; }, atTurnEnd);
    reply.code(200).type('text/plain').send('hi');
    assert.equal(log.filter((l) => l.startsWith('end')).length, atTurnEnd ? 0 : 1, `atTurnEnd ${atTurnEnd}: written in send`);
    assert.equal(finished, atTurnEnd ? 0 : 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log.filter((l) => l.startsWith('end')), ['end hi'], `atTurnEnd ${atTurnEnd}: written once`);
    assert.equal(finished, 1);
  }
});

test('LeanReply.setCookie: @fastify/cookie\'s line (SameSite=Lax unless told) after the security headers', async () => {
  // Its `serialize` works once the plugin is registered somewhere (it loads the `cookie` module then), as the TS.43
  // plugin does before it adds its lean routes.
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.ready();
  await app.close();
  const { res, log } = fakeResponse();
  const reply = new LeanReply(new LeanRequest(raw, '/', performance.now(), silent), res, () => {}, false);
  reply.setCookie('S', 'v1', { path: '/', httpOnly: true, secure: true, expires: new Date(Date.UTC(2026, 11, 7, 12)) }).send('x');
  const headers = JSON.parse(log[0]!.replace(/^head 200 /, '')) as Record<string, string>;
  assert.equal(headers['set-cookie'], 'S=v1; Path=/; Expires=Mon, 07 Dec 2026 12:00:00 GMT; HttpOnly; Secure; SameSite=Lax');
  const names = Object.keys(headers);
  assert.ok(names.indexOf('set-cookie') > names.indexOf('content-security-policy'), names.join(', '));
});

test('leanBodyHook: a body left on the request becomes the payload once; other requests keep theirs', async () => {
  const req = { raw: { ...raw } as IncomingMessage };
  const original = Readable.from([]);
  const got = await runHook(req, original);
  assert.equal(got, original, 'no body read: the request stream');
  // What LeanPaths leaves when a body route declines (its symbol is private: through a declined body route below).
  const sym = Object.getOwnPropertySymbols(await declinedRequest()).find((s) => s.description === 'omnisep.leanBody')!;
  const withBody = { raw: Object.assign(Object.create(null), raw, { [sym]: Buffer.from('{"a":1}') }) as IncomingMessage };
  const payload = await runHook(withBody, original);
  assert.notEqual(payload, original);
  const chunks: Buffer[] = [];
  for await (const c of payload!) chunks.push(Buffer.from(c as Buffer));
  assert.equal(Buffer.concat(chunks).toString(), '{"a":1}');
  const again = await runHook(withBody, original);
  assert.equal(again, original, 'handed over once');
});

/** The hook as fastify calls it (its `this`, the instance, unused), resolved with the payload it hands on. */
const runHook = (req: { raw: IncomingMessage }, payload: Readable): Promise<Readable | undefined> =>
  new Promise((resolve) => (leanBodyHook as unknown as (r: unknown, reply: unknown, p: Readable, done: (e: unknown, p?: Readable) => void) => void)(req, null, payload, (_e, p) => resolve(p)));

/** A request a body route read and declined: LeanPaths hands it to fastify's handler with its body on it. */
async function declinedRequest(): Promise<IncomingMessage> {
  const lean = new LeanPaths(() => {}, () => true);
  lean.addWithBody(() => () => false);
  const req = Object.assign(Readable.from([Buffer.from('{"a":1}')]), { method: 'POST', url: '/', headers: { 'content-length': '7' } }) as unknown as IncomingMessage;
  return new Promise((resolve) => lean.wrap((r) => resolve(r))(req, fakeResponse().res));
}

test('boundedBody: a Content-Length of 1 byte to the limit, written as digits, and no chunked encoding', () => {
  const ok = (h: Record<string, string>) => boundedBody(h, 1000);
  assert.equal(ok({ 'content-length': '1' }), true);
  assert.equal(ok({ 'content-length': '1000' }), true);
  assert.equal(ok({ 'content-length': '1001' }), false, 'past the limit: fastify answers 413');
  assert.equal(ok({ 'content-length': '0' }), false, 'no body to read');
  assert.equal(ok({ 'content-length': '010' }), false);
  assert.equal(ok({ 'content-length': '1e2' }), false);
  assert.equal(ok({ 'content-length': ' 10' }), false);
  assert.equal(ok({}), false);
  assert.equal(ok({ 'content-length': '10', 'transfer-encoding': 'chunked' }), false);
  assert.equal(boundedBody({ 'content-length': '9999999999' }, Number.MAX_SAFE_INTEGER), false, 'at most nine digits');
});
