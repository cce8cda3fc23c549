import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openForCommits, writeDurable } from './durable-write.js';

test('durable write: the commit handle is O_DSYNC on Linux, so each write is durable when it returns', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'j');
  writeFileSync(file, 'head\n');
  const fh = await openForCommits(file);
  try {
    if (process.platform === 'linux') {
      // /proc/self/fdinfo/FD "flags:" is octal; O_DSYNC is 010000 on Linux.
      const flags = parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fh.fd}`, 'utf8'))![1]!, 8);
      assert.ok(flags & 0o10000, `commit handle flags ${flags.toString(8)} lack O_DSYNC`);
      assert.equal(flags & 3, 2, 'opened read-write');
    }
    // Positional: each commit lands where the caller says (the end it tracks), whatever the handle's offset.
    await writeDurable(fh, Buffer.from('one\n'), 5);
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61); // larger than one write may take
    big[big.length - 1] = 0x0a;
    await writeDurable(fh, big, 9);
    await writeDurable(fh, Buffer.from('€\n'), 9 + big.length);
    const text = readFileSync(file);
    assert.equal(text.length, 9 + big.length + 4);
    assert.equal(text.subarray(0, 9).toString(), 'head\none\n');
    assert.ok(text.subarray(9, 9 + big.length).equals(big));
    assert.equal(text.subarray(9 + big.length).toString(), '€\n');
  } finally {
    await fh.close();
  }
});

test('durable write: a missing file is refused, not created (the writer opens files the store made)', async () => {
  await assert.rejects(openForCommits(join(tmpdir(), `omnisep-absent-${process.pid}-${Date.now()}`)), { code: 'ENOENT' });
});
