import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommitTimer } from './commit-timer.js';
import { JournalWriter } from './journal.js';

const turn = () => new Promise<void>((r) => setImmediate(r));
/** A window no test run reaches: what fires is the target rule, never the timer. */
const LONG = 600_000;

test('a lone write is committed on the next turn; a smaller batch than the last waits; reaching the target fires at once', async () => {
  const t = new CommitTimer(LONG);
  let fired = 0;
  t.arm(() => fired++, 1); // first commit: nothing carried before
  await turn();
  assert.equal(fired, 1);
  t.committed(3);
  t.arm(() => fired++, 1);
  await turn();
  await turn();
  assert.equal(fired, 1, 'one of three expected writes: waits (for the window)');
  assert.equal(t.armed, true);
  t.arm(() => fired++, 2);
  await turn();
  assert.equal(fired, 1);
  t.arm(() => fired++, 3); // the third write: the target is reached
  await turn();
  assert.equal(fired, 2);
  assert.equal(t.armed, false);
  t.committed(1);
  t.arm(() => fired++, 1);
  assert.equal(t.cancel(), true);
  await turn();
  assert.equal(fired, 2, 'cancelled');
});

test('the window still bounds the wait when fewer writes come than the last commit carried', async () => {
  const t = new CommitTimer(20);
  t.committed(50);
  const at = Date.now();
  await new Promise<void>((r) => t.arm(r, 1));
  assert.ok(Date.now() - at >= 15, 'fired before the window');
});

test('journal: a lone writer and N concurrent writers are durable without waiting out a long window', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-commit-'));
  try {
    const file = join(dir, 'j');
    writeFileSync(file, '');
    const w = new JournalWriter(file, 0, LONG);
    for (let i = 0; i < 3; i++) await w.append(Buffer.from(`lone ${i}\n`)); // each alone: committed at once
    await Promise.all(Array.from({ length: 8 }, (_, i) => w.append(Buffer.from(`group ${i}\n`))));
    assert.equal(w.syncs, 4, 'three lone commits and one of eight');
    // Eight clients each waiting on their write again: the commit runs when the eighth arrives.
    await Promise.all(Array.from({ length: 8 }, (_, i) => w.append(Buffer.from(`again ${i}\n`))));
    assert.equal(w.syncs, 5);
    assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 19);
    await w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close() while appends arrive during a commit: every append is durable and close resolves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-settle-'));
  try {
    const file = join(dir, 'j');
    writeFileSync(file, '');
    const w = new JournalWriter(file, 0, LONG);
    const first = w.append(Buffer.from('a\n'));
    // The close starts the commit of "a"; "b" arrives while its fdatasync is in flight, so it waits for a second
    // commit that no timer will start. (Before the fix, close() spun in microtasks: this file hung.)
    const closed = w.close();
    const second = w.append(Buffer.from('b\n'));
    let done = false;
    void closed.then(() => { done = true; });
    await Promise.race([Promise.all([first, second, closed]), new Promise((_, rej) => setTimeout(() => rej(new Error('close() never resolved')), 10_000))]);
    assert.equal(done, true);
    assert.equal(readFileSync(file, 'utf8'), 'a\nb\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
