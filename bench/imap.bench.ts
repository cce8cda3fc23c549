/**
 * VVM IMAP throughput, side by side in one run with Dovecot (issue 16 § Show): LOGIN→LOGOUT sessions per
 * second and UID FETCH (BODY.PEEK[] of one voice message) per second, over loopback, `parallel` clients.
 *
 * - omnisep: `omnisep serve` as a child process on the embedded store, a data dir seeded with the same
 *   voice messages (test/vvm-imap-harness.ts).
 * - Dovecot (`/usr/sbin/dovecot -F`, installed by .ci/run): a temporary config on loopback (login processes
 *   in its high-performance mode, service_count = 0), a passwd-file
 *   user and a maildir holding the same message bytes, running as `nobody`.
 *
 * Both in plain text on the STARTTLS port (omnisep with the lab setting vvm.imap_allow_plaintext_login), so
 * TLS cost is out of the comparison. omnisep checks the PIN against a scrypt hash (cached for 10 min after a
 * good login, docs/vvm.md); Dovecot's passwd-file holds it in {PLAIN}.
 *
 * The load of a shared machine drifts within a run, so the two servers are measured in `rounds`, taking
 * turns (Dovecot first in odd rounds, omnisep first in even ones); each round prints its ratios, and the
 * last line gives the median ratio and the spread (min–max) over the rounds.
 *
 *   node dist/bench/imap.bench.js [seconds-per-case] [parallel] [rounds]
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawImap } from '../test/imap-client.js';
import { SEED_TIME, seedAudio, startVvmDaemon, VVM_IMSI, VVM_PIN } from '../test/vvm-imap-harness.js';
import { buildVoiceMessage } from '../src/imap/mime.js';
import { medianOf } from './pairs.js';

const SECONDS = Number(process.argv[2] ?? 5);
const PARALLEL = Number(process.argv[3] ?? 8);
const ROUNDS = Number(process.argv[4] ?? 1);
const MESSAGES = 20;

const freePort = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });

/** `parallel` lanes, each calling its own `once` (a lane never shares a connection) for SECONDS. */
async function loop(parallel: number, onceOf: (lane: number) => () => Promise<void>): Promise<{ perSecond: number; errors: number; firstError: string | null }> {
  let n = 0;
  let errors = 0;
  let firstError: string | null = null;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: parallel }, async (_, lane) => {
    const once = onceOf(lane);
    while (performance.now() < end) {
      try { await once(); n++; } catch (e) { errors++; firstError ??= (e as Error).message.slice(0, 200); }
    }
  }));
  return { perSecond: n / SECONDS, errors, firstError };
}

async function session(port: number, user: string): Promise<void> {
  const c = await RawImap.connect(port);
  await c.line();
  const l = await c.cmd('a', `LOGIN ${user} "${VVM_PIN}"`);
  if (!l.at(-1)!.startsWith('a OK')) throw new Error(l.join('\n'));
  await c.cmd('b', 'LOGOUT');
  c.end();
}

async function fetcher(port: number, user: string): Promise<{ once: () => Promise<void>; close: () => void }> {
  const c = await RawImap.connect(port);
  await c.line();
  await c.cmd('a', `LOGIN ${user} "${VVM_PIN}"`);
  await c.cmd('b', 'SELECT INBOX');
  let i = 0;
  return {
    async once() {
      const uid = (i++ % MESSAGES) + 1;
      const r = await c.cmd('f', `UID FETCH ${uid} (UID BODY.PEEK[])`);
      if (!r.at(-1)!.startsWith('f OK') || r.length < 2) throw new Error(r.join('\n'));
    },
    close: () => c.end(),
  };
}

async function measure(name: string, port: number, user: string) {
  const logins = await loop(PARALLEL, () => () => session(port, user));
  const fetchers = await Promise.all(Array.from({ length: PARALLEL }, () => fetcher(port, user)));
  const fetches = await loop(PARALLEL, (lane) => fetchers[lane]!.once);
  for (const f of fetchers) f.close();
  return { name, logins, fetches };
}


const DOVECOT = '/usr/sbin/dovecot';

async function startDovecot(): Promise<{ port: number; stop(): Promise<void> }> {
  // Said plainly up front, not as an unhandled spawn error after the temp dir is made.
  if (!existsSync(DOVECOT)) throw new Error(`imap.bench compares with Dovecot, which is not installed (${DOVECOT}): apt-get install dovecot-imapd (.ci/run installs it for the tests)`);
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-dovecot-'));
  const port = await freePort();
  const maildir = join(dir, 'home', 'u1', 'Maildir');
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
  for (let i = 0; i < MESSAGES; i++) {
    const raw = buildVoiceMessage({ from: i % 2 === 0 ? '+61400123456' : '', to: VVM_IMSI, domain: 'vvm.example.com', messageId: `${i + 1}.x.${VVM_IMSI}`, date: SEED_TIME + i * 60_000, audio: seedAudio(1500, i), contentType: 'audio/amr', durationS: i % 2 === 0 ? 30 : 5 });
    writeFileSync(join(maildir, 'cur', `${1737801000 + i}.M${i}P1.bench,S=${raw.length}:2,`), raw);
  }
  writeFileSync(join(dir, 'passwd'), `u1:{PLAIN}${VVM_PIN}\n`);
  for (const d of ['run', 'state']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'dovecot.conf'), `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/home/%u
}
mail_location = maildir:${dir}/home/%u/Maildir
default_internal_user = nobody
default_login_user = nobody
protocol imap {
  mail_max_userip_connections = 1000
}
# High-performance login mode (Dovecot's own recommendation for busy servers): login processes are kept
# and reused instead of one forked per connection, so the baseline is not held back by fork().
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 1000
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`);
  const chownAll = (p: string) => { chownSync(p, 65534, 65534); if (statSync(p).isDirectory()) for (const f of readdirSync(p)) chownAll(join(p, f)); };
  chownAll(join(dir, 'home'));
  chmodSync(dir, 0o755); // mkdtemp makes it 0700; the auth process runs as nobody
  const child = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { await session(port, 'u1'); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
    if (i === 99) throw new Error(`dovecot did not start: ${(() => { try { return readFileSync(join(dir, 'log'), 'utf8'); } catch { return ''; } })()}`);
  }
  return { port, async stop() { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); rmSync(dir, { recursive: true, force: true }); } };
}

const dove = await startDovecot();
const ours = await startVvmDaemon(['vvm.imap_allow_plaintext_login=true', 'vvm.login_failure_delay_ms=0', `vvm.imap_max_connections_per_ip=${PARALLEL * 4 + 16}`], { messages: MESSAGES });
try {
  console.log(`IMAP over loopback, ${PARALLEL} clients, ${SECONDS} s per case, ${ROUNDS} round(s); UID FETCH = BODY.PEEK[] of a ~2.6 KB voice message`);
  console.log(`${''.padEnd(38)} ${'logins/s'.padStart(8)} ${'fetches/s'.padStart(10)}`);
  // Warm-up, untimed: one login each (omnisep's first good login of an account pays scrypt, later ones hit the
  // 10-minute cache: the steady state of a phone syncing is what is measured) and a burst of fetches (JIT).
  for (const [port, user] of [[ours.imap, VVM_IMSI], [dove.port, 'u1']] as const) {
    await session(port, user);
    const f = await fetcher(port, user);
    for (let i = 0; i < 200; i++) await f.once();
    f.close();
  }
  const loginRatios: number[] = [];
  const fetchRatios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const runOurs = () => measure('omnisep (serve, embedded store)', ours.imap, VVM_IMSI);
    const runDove = () => measure('dovecot 2.3 (maildir, passwd-file)', dove.port, 'u1');
    let o: Awaited<ReturnType<typeof measure>>;
    let b: Awaited<ReturnType<typeof measure>>;
    if (round % 2) { b = await runDove(); o = await runOurs(); } else { o = await runOurs(); b = await runDove(); }
    const row = (r: typeof o) => `${r.name.padEnd(38)} ${r.logins.perSecond.toFixed(0).padStart(8)} ${r.fetches.perSecond.toFixed(0).padStart(10)}  errors ${r.logins.errors + r.fetches.errors}`;
    console.log(`round ${round}`);
    console.log(row(b));
    console.log(row(o));
    for (const r of [b, o]) for (const [what, x] of [['login', r.logins], ['fetch', r.fetches]] as const) if (x.firstError) console.log(`  ${r.name} ${what}: first error: ${x.firstError}`);
    loginRatios.push(o.logins.perSecond / b.logins.perSecond);
    fetchRatios.push(o.fetches.perSecond / b.fetches.perSecond);
    console.log(`  ratio omnisep/dovecot: LOGIN→LOGOUT ${loginRatios.at(-1)!.toFixed(2)}×, UID FETCH ${fetchRatios.at(-1)!.toFixed(2)}×`);
  }
  const spread = (xs: number[]) => { const m = medianOf(xs); return `median ${m.median.toFixed(2)}× (min ${m.min.toFixed(2)}, max ${m.max.toFixed(2)})`; };
  console.log(`ratio omnisep/dovecot over ${ROUNDS} round(s): LOGIN→LOGOUT ${spread(loginRatios)}, UID FETCH ${spread(fetchRatios)} (goal ≥ 0.5×)`);
} finally {
  await ours.stop();
  await dove.stop();
}
