import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedRootHelp, rootHelpKey, storeRootHelp } from './root-help.js';

const tty = { isTTY: true, columns: 100 };

test('root help cache: kept text comes back only for the same manifest, terminal and environment', () => {
  const root = mkdtempSync(join(tmpdir(), 'omnisep-root-help-'));
  try {
    assert.equal(rootHelpKey(root, {}, tty), null, 'no manifest: nothing to key on');
    writeFileSync(join(root, 'oclif.manifest.json'), '{}');
    writeFileSync(join(root, 'package.json'), '{}');
    const env = { TERM: 'xterm', PWD: '/a' };
    const key = rootHelpKey(root, env, tty)!;
    storeRootHelp(root, 'USAGE\n  $ omnisep [COMMAND]\n', key);
    assert.equal(cachedRootHelp(root, key), 'USAGE\n  $ omnisep [COMMAND]\n');
    assert.equal(rootHelpKey(root, { ...env, PWD: '/b', _: '/usr/bin/x', SHLVL: '3' }, tty), key, 'what a shell changes per command does not count');
    for (const [what, other] of [
      ['NO_COLOR', rootHelpKey(root, { ...env, NO_COLOR: '1' }, tty)],
      ['OCLIF_COLUMNS', rootHelpKey(root, { ...env, OCLIF_COLUMNS: '60' }, tty)],
      ['terminal width', rootHelpKey(root, env, { isTTY: true, columns: 80 })],
      ['not a terminal', rootHelpKey(root, env, { isTTY: false })],
    ] as const) {
      assert.notEqual(other, key, what);
      assert.equal(cachedRootHelp(root, other), undefined, what);
    }
    // A rebuilt manifest (new commands) misses.
    utimesSync(join(root, 'oclif.manifest.json'), new Date(), new Date(Date.now() + 5000));
    assert.notEqual(rootHelpKey(root, env, tty), key);
    assert.equal(cachedRootHelp(root, rootHelpKey(root, env, tty)), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('root help cache: a corrupt or missing file is a miss, never an error', () => {
  const root = mkdtempSync(join(tmpdir(), 'omnisep-root-help-'));
  try {
    writeFileSync(join(root, 'oclif.manifest.json'), '{}');
    const key = rootHelpKey(root, {}, tty)!;
    assert.equal(cachedRootHelp(root, key), undefined);
    writeFileSync(join(root, '.omnisep-root-help.json'), '{not json');
    assert.equal(cachedRootHelp(root, key), undefined);
    writeFileSync(join(root, '.omnisep-root-help.json'), JSON.stringify({ key, text: 42 }));
    assert.equal(cachedRootHelp(root, key), undefined);
    storeRootHelp(join(root, 'no', 'such', 'dir'), 'x', key); // unwritable: silently nothing
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
