/**
 * `omnisep monitor` in a real terminal: tmux runs the CLI against a real
 * daemon (startDaemon, temp socket, ports 0); keys go in with `send-keys`,
 * the screen comes back with `capture-pane`. An entitlement set through the
 * control API shows on screen (typically well under a second; the time is
 * reported, not asserted: speed is measured in bench/); the filter works; a daemon restart shows
 * "reconnecting…" and then recovers without restarting the TUI; a resize
 * reflows; `q` exits 0. Also: not a TTY → a polite refusal (exit 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { startDaemon, type RunningDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { cliArgv, runCli } from './cli-harness.js';
import { testConfig } from './daemon-helpers.js';
import { repoPath } from '../src/util/repo-path.js';
import { Secret } from '../src/util/secret.js';
import { simulateOptions } from '../src/ue/run.js';
import { simulateOdsa } from '../src/ue/odsa.js';
import type { TokenList } from '../src/contracts/tokens.js';
import { labSims, startSimDaemon, type SimDaemon } from './simulate-daemon.js';
import { imapPortSets } from './vvm-sms-harness.js';

const TMUX = `omnisep-monitor-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', TMUX, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', 'mon');
const keys = (...k: string[]) => tmux('send-keys', '-t', 'mon', ...k);
/**
 * Upper bound for the screen to show what it should. Typical waits are 0.1–1 s on an idle host; a
 * busy 2-core machine running the suite can be many times slower, so the bound is 30× that: a wait
 * ends as soon as the screen shows the thing, the bound only decides when to give up.
 */
const SCREEN_WAIT_MS = 30_000;
/** A human's pause between keys (Esc and the next key in one read would be Alt+key). */
const pause = () => new Promise((r) => setTimeout(r, 150));

/** `q`, then the exit code the wrapper script wrote must be 0. */
async function quitExitsZero(exitFile: string): Promise<void> {
  keys('q');
  const end = Date.now() + SCREEN_WAIT_MS;
  while (!existsSync(exitFile) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.equal(readFileSync(exitFile, 'utf8').trim(), '0');
}

function killTmux(): void {
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
}

async function until(pred: (s: string) => boolean, what: string, ms: number): Promise<{ screen: string; ms: number }> {
  const t0 = Date.now();
  let s = '';
  for (;;) {
    // The time a capture starts is when the screen showed what it returns (spawning tmux is slow on a busy host).
    const at = Date.now() - t0;
    s = screen();
    if (pred(s)) return { screen: s, ms: at };
    if (Date.now() - t0 > ms) assert.fail(`timed out after ${ms} ms waiting for ${what}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const quiet = () => createLogger({ level: 'warn', pretty: false, destination: new Writable({ write: (_c, _e, cb) => cb() }) });

async function setEntitlement(socket: string, imsi: string): Promise<void> {
  const agent = new Agent({ connect: { socketPath: socket } });
  try {
    const r = await request(`http://localhost/api/entitlements/${imsi}`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'ap2004', entitlement: { entitlement_status: 1 } }),
    });
    const text = await r.body.text();
    assert.equal(r.statusCode, 200, text);
  } finally {
    await agent.close();
  }
}

test('monitor under tmux: live entitlement, filter, daemon restart, resize, q exits 0', { timeout: 600_000 }, async (t) => {
  try {
    execFileSync('tmux', ['-V']);
  } catch {
    assert.fail('tmux is not installed (the CI installs it: .ci/run); this test needs a real terminal');
  }
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-monitor-'));
  const config = testConfig(dir);
  let daemon: RunningDaemon | null = await startDaemon(config, { logger: quiet(), env: {} });
  const socket = daemon.addresses.socket.path!;
  const exitFile = join(dir, 'monitor.exit');
  const script = join(dir, 'run-monitor.sh');
  // A sample of 50 records a second: the few records set one by one below all show; the burst further down does not.
  const argv = [process.execPath, ...cliArgv(), 'monitor', '--socket', socket, '--sample', '50'].map((a) => `'${a}'`).join(' ');
  writeFileSync(script, `#!/bin/sh\ncd '${repoPath()}'\n${argv}\necho $? > '${exitFile}'\nsleep 60\n`, { mode: 0o755 });
  try {
    tmux('new-session', '-d', '-s', 'mon', '-x', '120', '-y', '32', '-e', 'NO_COLOR=', script);
    await until((s) => /omnisep \S+ · up .* · connected/.test(s) && /^TIME[↑↓]?\s+TYPE/m.test(s), 'the monitor to connect', 90_000);

    // An entitlement set through the control API shows on the Activity pane (how fast is reported, not asserted).
    await setEntitlement(socket, '001010000000123');
    const seen = await until((s) => /admin\s+001010000000123\s+200\/200/.test(s), 'the entitlement set on the Activity pane', SCREEN_WAIT_MS);
    t.diagnostic(`entitlement set on screen after ${seen.ms} ms`);
    await setEntitlement(socket, '001010000000456');
    await until((s) => s.includes('001010000000456'), 'the second set', SCREEN_WAIT_MS);

    // Keys that arrive in one read are taken one by one: `jjj` as one burst moves three rows.
    for (const i of ['111', '222', '333']) await setEntitlement(socket, `001010000000${i}`);
    await until((s) => s.includes('001010000000333') && /\b1\/([5-9]|\d{2,})\b/.test(s), 'five records, the newest selected', SCREEN_WAIT_MS);
    keys('-l', 'jjj');
    await until((s) => /\b4\/([5-9]|\d{2,})\b/.test(s), 'three rows down after one burst of jjj', SCREEN_WAIT_MS);
    keys('g');
    await until((s) => /\b1\/([5-9]|\d{2,})\b/.test(s), 'back to the newest', SCREEN_WAIT_MS);

    // Filter by IMSI.
    keys('/');
    keys('-l', '001010000000123');
    keys('Enter');
    const filtered = await until((s) => s.includes('filter: 001010000000123'), 'the filter to apply', SCREEN_WAIT_MS);
    assert.ok(!filtered.screen.includes('001010000000456'), 'the other IMSI is filtered out');
    assert.match(filtered.screen, /admin\s+001010000000123/);
    keys('Escape');
    await until((s) => !s.includes('filter:') && s.includes('001010000000456'), 'the filter to clear', SCREEN_WAIT_MS);

    // A burst of 400 records at once, past --sample 50: the daemon sends a bucket's worth (50, and what refills
    // while the burst lasts) and counts the rest; the header says how many were not shown, the log has them all.
    const BURST = 400;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: BURST }, () => daemon!.ctx.activity.record({ request_type: 'entitlement_query', imsi: '001010000000999' })));
    const burstMs = Date.now() - t0;
    // The stream may report the burst in more than one batch and a frame may fall between them: wait for a screen
    // whose header count and list agree (the five records set above plus the burst's sent ones are listed).
    const counted = /sampled ≤50\/s, (\d+) not shown/;
    const agreeing = (s: string) => {
      const m = counted.exec(s);
      return m !== null && s.includes(` 1/${5 + BURST - Number(m[1])} `);
    };
    const sampled = await until(agreeing, 'the sampled count in the header, the rest listed', SCREEN_WAIT_MS);
    const notShown = Number(counted.exec(sampled.screen)![1]);
    assert.ok(notShown >= BURST - 50 - Math.ceil((burstMs * 50) / 1000) - 50 && notShown <= BURST - 50, `${notShown} of ${BURST} not shown (burst ${burstMs} ms)`);
    t.diagnostic(`burst of ${BURST} in ${burstMs} ms: ${notShown} not shown`);
    // Every one of the burst is in the log.
    const logged = await daemon.ctx.activity.query({ imsi: '001010000000999', limit: 1 });
    assert.equal(logged.total, BURST);

    // Panes and detail.
    for (const [k, head] of [['2', /^SESSION[↑↓]?\s+IMSI\s+STATE/m], ['3', /^TOKEN[↑↓]?\s+IMSI/m], ['4', /^HOST[↑↓]?\s+STATUS/m], ['1', /^TIME[↑↓]?\s+TYPE/m]] as const) {
      keys(k);
      await until((s) => head.test(s), `pane ${k}`, SCREEN_WAIT_MS);
    }
    keys('Enter');
    await until((s) => /Activity record — Esc back/.test(s) && /^request_type\s+entitlement_query/m.test(s) && /^imsi\s+001010000000999/m.test(s), 'the detail view', SCREEN_WAIT_MS);
    keys('Escape');
    await pause();
    keys('?');
    await until((s) => s.includes('Keys — ? or Esc closes'), 'help', SCREEN_WAIT_MS);
    keys('Escape');
    await until((s) => /^TIME[↑↓]?\s+TYPE/m.test(s), 'back to the list', SCREEN_WAIT_MS);

    // The daemon stops: "reconnecting…"; it starts again: connected, and new records flow.
    await daemon.close();
    daemon = null;
    await until((s) => s.includes('reconnecting…'), 'reconnecting', SCREEN_WAIT_MS);
    daemon = await startDaemon(config, { logger: quiet(), env: {} });
    await until((s) => /· connected/.test(s) && !s.includes('reconnecting'), 'reconnected', SCREEN_WAIT_MS);
    await setEntitlement(socket, '001010000000789');
    await until((s) => s.includes('001010000000789'), 'a record after the restart', SCREEN_WAIT_MS);

    // Resize: the layout reflows to the new width; nothing wraps, the header is drawn once.
    tmux('resize-window', '-t', 'mon', '-x', '72', '-y', '20');
    const small = await until((s) => /^TIME[↑↓]?\s+TYPE\s+IMSI\s+STATUS\s+REQ/m.test(s) && !/AUTH/.test(s.split('\n')[3] ?? ''), 'the narrow layout', SCREEN_WAIT_MS);
    const lines = small.screen.split('\n');
    assert.equal(lines.filter((l) => /^ 1 Activity/.test(l)).length, 1, small.screen);
    assert.equal(lines.filter((l) => /^omnisep /.test(l)).length, 1, small.screen);
    tmux('resize-window', '-t', 'mon', '-x', '120', '-y', '32');
    await until((s) => /^TIME[↑↓]?\s+TYPE\s+IMSI\s+STATUS\s+AUTH/m.test(s), 'the wide layout again', SCREEN_WAIT_MS);

    // q quits with exit 0.
    await quitExitsZero(exitFile);
  } finally {
    killTmux();
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('monitor under tmux: history on open, sort, revoke with confirmation, VVM and ODSA panes, --time local', { timeout: 600_000 }, async (t) => {
  // A daemon as `serve` runs it (EAP-AKA over loopback Diameter to the built-in AAA) with VVM on.
  const d: SimDaemon = await startSimDaemon(['vvm.enabled=true', ...imapPortSets()]);
  const socket = d.daemon.socket;
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-monitor2-'));
  const sim = labSims()[0]!;
  const VVM_IMSI = '001010000000777';
  try {
    // Before the monitor starts: an ODSA companion flow (an ODSA subscription, a token, odsa activity),
    // a VVM account and an entitlement set (admin activity).
    const flow = await simulateOdsa({
      base: simulateOptions({ url: d.url, imsi: sim.imsi, ki: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')) }, { amf: Buffer.from(sim.amf, 'hex'), tokenReauth: false }),
      app: 'ap2006',
      operation: 'flow',
      params: {},
      device: { id: 'WATCH-TMUX', eid: '89049032000001000000000000000077', vendor: 'Omni', model: 'W1', friendlyName: 'tmux watch' },
    });
    assert.equal(flow.ok, true, flow.reason);
    const acct = await d.daemon.call('POST', '/api/vvm/accounts', { imsi: VVM_IMSI, msisdn: '+15551230777', status: 'ready' });
    assert.equal(acct.status, 201, acct.text);
    await setEntitlement(socket, '001010000000999');
    const tokenOf = async () => ((await d.daemon.call('GET', '/api/tokens')).json as TokenList).tokens.find((x) => x.imsi === sim.imsi && x.kind !== 'temporary');
    const token = await tokenOf();
    assert.ok(token, 'the flow left a token to revoke');

    const exitFile = join(dir, 'monitor.exit');
    const script = join(dir, 'run-monitor.sh');
    const argv = [process.execPath, ...cliArgv(), 'monitor', '--socket', socket, '--time', 'local'].map((a) => `'${a}'`).join(' ');
    writeFileSync(script, `#!/bin/sh\ncd '${repoPath()}'\n${argv}\necho $? > '${exitFile}'\nsleep 60\n`, { mode: 0o755 });
    tmux('new-session', '-d', '-s', 'mon', '-x', '130', '-y', '36', '-e', 'NO_COLOR=', '-e', 'TZ=Asia/Kolkata', script);

    // History on open: records made before the monitor started are on the Activity pane.
    const open = await until((s) => /· connected/.test(s) && /admin\s+001010000000999\s+200\/200/.test(s) && /^\S+\s+odsa\s+/m.test(s), 'history on the Activity pane', 90_000);
    t.diagnostic(`history on screen after ${open.ms} ms`);
    assert.match(open.screen, /\+05:30$/m, 'the footer names the local zone');

    // Sort: s picks the next column (TYPE ascending), S reverses it.
    keys('s');
    const asc = await until((s) => /^TIME\s+TYPE↑/m.test(s), 'sorted by TYPE ascending', SCREEN_WAIT_MS);
    keys('S');
    const desc = await until((s) => /^TIME\s+TYPE↓/m.test(s), 'sorted by TYPE descending', SCREEN_WAIT_MS);
    const firstType = (screen: string) => screen.split('\n').find((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l))!.split(/\s+/)[1]!;
    assert.ok(firstType(asc.screen) < firstType(desc.screen), `${firstType(asc.screen)} before ${firstType(desc.screen)}`);

    // Revoke with confirmation: n cancels (the token stays), y revokes (the API no longer lists it).
    keys('3');
    keys('/');
    keys('-l', token.token_id);
    keys('Enter');
    await until((s) => s.includes(`filter: ${token.token_id}`) && new RegExp(`^${token.token_id.slice(0, 12)}.*${sim.imsi} active`, 'm').test(s), 'the token row', SCREEN_WAIT_MS);
    keys('Enter');
    await until((s) => /^Token — Esc back/m.test(s) && /^created_at\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+05:30$/m.test(s), 'token detail in local time', SCREEN_WAIT_MS);
    keys('Escape');
    await pause();
    keys('x');
    await until((s) => s.includes(`Revoke token ${token.token_id} (IMSI ${sim.imsi})? y/N`), 'the prompt', SCREEN_WAIT_MS);
    keys('n');
    await until((s) => s.includes('cancelled: revoke token'), 'cancelled', SCREEN_WAIT_MS);
    assert.ok(await tokenOf(), 'n sent nothing: the token is still there');
    keys('x');
    await until((s) => s.includes('? y/N'), 'the prompt again', SCREEN_WAIT_MS);
    keys('y');
    await until((s) => s.includes(`revoked token ${token.token_id}`) && new RegExp(`${sim.imsi} revoked`).test(s), 'revoked on screen', SCREEN_WAIT_MS);
    assert.equal(((await d.daemon.call('GET', '/api/tokens')).json as TokenList).tokens.some((x) => x.token_id === token.token_id), false, 'the API no longer lists the token');
    keys('Escape');
    await until((s) => !s.includes('filter:'), 'the filter cleared', SCREEN_WAIT_MS);

    // The VVM and ODSA panes show what was made before the start, with their area's activity below.
    keys('5');
    await until((s) => new RegExp(`^${VVM_IMSI}\\s+\\+15551230777\\s+ready`, 'm').test(s) && s.includes('── VVM activity'), 'the VVM account', SCREEN_WAIT_MS);
    keys('7');
    await until((s) => new RegExp(`^${sim.imsi}\\s+ap2006\\s+WATCH-TMUX\\s+active`, 'm').test(s) && /── ODSA and push activity/.test(s) && /odsa\s+\d{15}/.test(s), 'the ODSA subscription', SCREEN_WAIT_MS);

    await quitExitsZero(exitFile);
  } finally {
    killTmux();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('monitor refuses politely when stdout is not a terminal, pointing at activity tail --json', async () => {
  const r = await runCli(['monitor', '--socket', '/tmp/omnisep-none.sock']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /omnisep monitor needs an interactive terminal .* use: omnisep activity tail --json/);
});
