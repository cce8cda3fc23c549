/**
 * Man pages and the README command list cannot drift from the command
 * classes: regenerate them in memory from whatever commands exist (oclif
 * discovery over dist/commands) and compare with the committed files. Also:
 * every command is covered, and the pages render without groff warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { generateManPages, loadCliModel, renderReadmeCommands, staleFiles, type CliModel } from '../man/generate.js';
import { repoPath } from '../src/util/repo-path.js';

let model: CliModel;
const getModel = async () => (model ??= await loadCliModel());

test('committed man pages and the README command list match the generator (run: node --import tsx man/generate.ts)', async () => {
  const stale = staleFiles(await getModel());
  assert.deepEqual([...stale.keys()], [], `stale: ${[...stale.keys()].join(', ')}`);
});

test('every command appears in omnisep(1), in its group page and in the README', async () => {
  const m = await getModel();
  assert.ok(m.commands.length >= 15, `only ${m.commands.length} commands discovered`);
  const pages = generateManPages(m);
  const main = pages.get('omnisep.1')!;
  const readme = renderReadmeCommands(m);
  for (const c of m.commands) {
    const words = c.id.split(':');
    const group = pages.get(`omnisep-${words[0]}.1`);
    assert.ok(group, `no page for group ${words[0]}`);
    const roffId = words.join(' ').replace(/-/g, '\\-');
    assert.ok(group.includes(`.SS omnisep ${roffId}`), `${c.id} missing from omnisep-${words[0]}.1`);
    assert.ok(main.includes(roffId), `${c.id} missing from omnisep.1`);
    assert.ok(readme.includes(`omnisep ${words.join(' ')}`), `${c.id} missing from the README list`);
    // The examples of --help are the examples of the page.
    for (const e of c.examples ?? []) {
      const cmd = typeof e === 'string' ? e : e.command;
      const rendered = cmd.replace(/<%=\s*config\.bin\s*%>/g, 'omnisep').replace(/<%=\s*command\.id\s*%>/g, words.join(' '));
      assert.ok(group.includes(rendered.replace(/\\/g, '\\e').replace(/-/g, '\\-').split('\n')[0]!.slice(0, 40)), `${c.id}: example missing: ${rendered}`);
    }
  }
});

test('omnisep.conf(5) documents every config key with its default', async () => {
  const { describeConfig } = await import('../src/contracts/config.js');
  const conf = generateManPages(await getModel()).get('omnisep.conf.5')!;
  for (const k of describeConfig()) assert.ok(conf.includes(`\\fB${k.key.replace(/-/g, '\\-')}\\fR`), `${k.key} missing`);
  assert.match(conf, /token\.signing_secret[\s\S]*?Secret\./);
});

const KNOWN_MACROS = new Set(['TH', 'SH', 'SS', 'TP', 'PP', 'RS', 'RE', 'nf', 'fi', 'br', '\\"']);

test('the pages use only man(7) macros and render without groff warnings', () => {
  const files = readdirSync(repoPath('man')).filter((f) => /\.[1-8]$/.test(f));
  assert.ok(files.includes('omnisep.1') && files.includes('omnisep.conf.5'));
  const groff = spawnSync('groff', ['--version'], { encoding: 'utf8' });
  for (const f of files) {
    const text = readFileSync(repoPath('man', f), 'utf8');
    for (const line of text.split('\n')) {
      if (!line.startsWith('.')) continue;
      const macro = line.slice(1).split(/\s/)[0]!;
      assert.ok(KNOWN_MACROS.has(macro), `${f}: unexpected request ${line}`);
    }
    assert.doesNotMatch(text, /[^\x00-\x7f]/, `${f}: raw non-ASCII (escape as \\[uXXXX])`);
    if (groff.status === 0) {
      const r = spawnSync('groff', ['-ww', '-man', '-Tutf8', '-z', repoPath('man', f)], { encoding: 'utf8' });
      assert.equal(r.stderr, '', `${f}: groff warnings`);
      assert.equal(r.status, 0);
    }
  }
});
