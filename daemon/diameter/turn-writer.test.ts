/**
 * TurnWriter: the messages of one turn of the event loop reach the stream as one writev, in order; a later turn is
 * a write of its own; `flush` hands a turn's bytes over at once (before a destroy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { TurnWriter } from './turn-writer.js';

class Recorder extends Writable {
  calls: string[][] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void) {
    this.calls.push([chunk.toString()]);
    cb();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: () => void) {
    this.calls.push(chunks.map((c) => c.chunk.toString()));
    cb();
  }
}
const turn = () => new Promise((r) => setImmediate(r));

test('one writev per turn, in order; the next turn writes again', async () => {
  const s = new Recorder();
  const w = new TurnWriter(s);
  for (const m of ['a', 'b', 'c', 'd', 'e']) w.write(Buffer.from(m));
  assert.deepEqual(s.calls, [], 'held until the turn ends');
  await turn();
  assert.deepEqual(s.calls, [['a', 'b', 'c', 'd', 'e']]);
  w.write(Buffer.from('f'));
  await turn();
  assert.deepEqual(s.calls, [['a', 'b', 'c', 'd', 'e'], ['f']]);
});

test('flush hands the turn over at once, and what the same turn writes after it still leaves', async () => {
  const s = new Recorder();
  const w = new TurnWriter(s);
  w.write(Buffer.from('x'));
  w.write(Buffer.from('y'));
  w.flush();
  assert.deepEqual(s.calls, [['x', 'y']]);
  w.write(Buffer.from('z'));
  await turn();
  await turn();
  assert.deepEqual(s.calls, [['x', 'y'], ['z']]);
  w.flush(); // nothing corked: nothing happens
  assert.equal(s.calls.length, 2);
});
