/**
 * The pieces of the token query and the XCAP PUT that issue 14's third round changed, each run side by side in one
 * process against the same module of another build (docs/performance.md § Third round). In-process and
 * interleaved, so both builds see the same machine load: on a shared machine this says more about a code change
 * than two daemon runs minutes apart.
 *
 *   npx tsc && node dist/bench/ts43-parts.bench.js --root DIR [--rounds 5] [--ms 300]
 *
 * `--root DIR` is a built export of the other commit (e.g. `git archive <commit> | tar -x -C DIR`, node_modules
 * linked, `npx tsc`). Cases, each `--rounds` alternating slices of `--ms` per build; the figure is the median:
 *   1. the activity record of a token query (`ActivityService.build`: scrub, cut; the **memory**-less part only);
 *   2. the token check (`TokenService.verify` of a valid token; memory store);
 *   3. the document of a token query (`ProvisioningRenderer.renderParts`, ap2004 with the websheet link + ap2003; memory store),
 *      and its gzip (`GzipTemplate.gzip` of a 1.4 kB template with two values);
 *   4. the journal's group commit, embedded store's `JournalWriter` on a temp file: one writer awaiting each append
 *      (an XCAP client editing) and 16 writers each awaiting theirs (16 connections) — wall µs per append, CPU µs
 *      per append (this process, all threads: the fdatasync's kernel time included) and appends per fdatasync;
 *   5. the activity log's append of a token query's record (`ActivityFileLog` on a temp file, 16 writers each awaiting
 *      theirs): CPU µs per append, all threads (the record built by this build's `build` for both).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { root: { type: 'string' }, rounds: { type: 'string', default: '5' }, ms: { type: 'string', default: '300' } } });
if (!values.root) throw new Error('usage: ts43-parts.bench.js --root DIR (a built export of the other commit)');
const ROUNDS = Number(values.rounds);
const MS = Number(values.ms);
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const builds = { root: resolve(values.root, 'dist'), this: here } as const;
type Build = keyof typeof builds;
const mod = async <T>(b: Build, path: string): Promise<T> => (await import(join(builds[b], path))) as T;

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };
const cpuUs = () => { const c = process.cpuUsage(); return c.user + c.system; };

/** µs per call of an async or sync function, run for `ms`. */
async function slice(fn: () => unknown, ms: number): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
  }
  return ((performance.now() - t0) * 1000) / n;
}

const rows: string[] = [];
async function sideBySide(name: string, make: (b: Build) => Promise<() => unknown>) {
  const fns = { root: await make('root'), this: await make('this') };
  const us: Record<Build, number[]> = { root: [], this: [] };
  for (const b of ['root', 'this'] as const) await slice(fns[b], 100); // warm-up
  for (let r = 0; r < ROUNDS; r++) for (const b of ['root', 'this'] as const) us[b].push(await slice(fns[b], MS));
  const a = median(us.root);
  const t = median(us.this);
  rows.push(`| ${name} | ${a.toFixed(2)} | ${t.toFixed(2)} | ${(t / a).toFixed(2)}× |`);
}

// --- 1. activity record of a token query
const ANDROID_UA = 'PRD-TS43 term-Goog/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14';
const activityInput = {
  request_type: 'token_auth', request_method: 'GET', auth_method: 'TOKEN',
  request_path: `/?IMSI=001010000000001&token=${randomBytes(32).toString('base64url')}&terminal_id=356938035643809&app=ap2004&app=ap2003&vers=0&entitlement_version=2.0&app_name=com.google.android.ims`,
  imsi: '001010000000001', terminal_id: '356938035643809', terminal_vendor: 'Goog', terminal_model: 'Pixel 8', terminal_sw_version: null,
  client_ip: '127.0.0.1', user_agent: ANDROID_UA, app_ids: ['ap2004', 'ap2003'],
  request_headers: { host: '127.0.0.1:34567', connection: 'keep-alive', accept: 'text/vnd.wap.connectivity-xml', 'user-agent': ANDROID_UA, 'accept-encoding': 'gzip' },
  response_status: 200, response_code: 200, response_body: null,
  response_summary: { format: 'xml', vers: 3, vers_held: 0, apps: ['ap2004', 'ap2003'], token_issued: true },
};
await sideBySide('activity record build (token query)', async (b) => {
  const { ActivityService } = await mod<typeof import('../src/services/activity.js')>(b, 'src/services/activity.js');
  const svc = new ActivityService({ log: { append: async () => {} } as never, events: { emit() {} }, clock: { now: () => Date.now() }, random: { uuid: randomUUID, bytes: randomBytes } });
  return () => svc.build(activityInput);
});

// --- 2. token check
const bind = { imsi: '001010000000001', terminal_id: '356938035643809', app_name: 'com.google.android.ims' };
await sideBySide('token check (verify, valid token)', async (b) => {
  const { TokenService } = await mod<typeof import('../src/services/tokens.js')>(b, 'src/services/tokens.js');
  const { createMemoryStore } = await mod<typeof import('../src/store/memory-store.js')>(b, 'src/store/memory-store.js');
  const svc = new TokenService({ store: createMemoryStore(), clock: { now: () => Date.now() }, random: { uuid: randomUUID, bytes: randomBytes }, signingSecret: 'bench-secret', validitySeconds: 86400 });
  const { token } = await svc.issue({ ...bind, auth_method: 'EAP-AKA' });
  const v = token.reveal();
  return async () => { if (!(await svc.verify(v, bind)).ok) throw new Error('token refused'); };
});

// --- 3. the document
await sideBySide('document of a token query (renderParts, ap2004+ap2003)', async (b) => {
  const { ProvisioningRenderer } = await mod<typeof import('../src/services/entitlements/provisioning.js')>(b, 'src/services/entitlements/provisioning.js');
  const { renderDocument } = await mod<typeof import('../src/codec/ts43/document.js')>(b, 'src/codec/ts43/document.js');
  const { createMemoryStore } = await mod<typeof import('../src/store/memory-store.js')>(b, 'src/store/memory-store.js');
  const { SubscriberService } = await mod<typeof import('../src/services/subscribers.js')>(b, 'src/services/subscribers.js');
  const { EntitlementService } = await mod<typeof import('../src/services/entitlements/overrides.js')>(b, 'src/services/entitlements/overrides.js');
  const { WebsheetGrants } = await mod<typeof import('../src/services/entitlements/websheet-grants.js')>(b, 'src/services/entitlements/websheet-grants.js');
  const { Secret } = await mod<typeof import('../src/util/secret.js')>(b, 'src/util/secret.js');
  const store = createMemoryStore();
  const clock = { now: () => Date.now() };
  const subscribers = new SubscriberService(store, clock);
  await subscribers.add({ imsi: bind.imsi, msisdn: '+15551234567', ki: '465b5ce8b199b49faa5f0a2ee238a6bc', opc: '465b5ce8b199b49faa5f0a2ee238a6bc' });
  const src = { entitlements: new EntitlementService(store, clock), subscribers, websheetGrants: new WebsheetGrants(store, clock, randomUUID) };
  const r = new ProvisioningRenderer(renderDocument);
  const secret = new Secret('bench-secret');
  const defaults = {}; // one object: the renderer keys its templates by the identity of the configured defaults
  return () => r.renderParts(src, { imsi: bind.imsi, apps: ['ap2004', 'ap2003'], defaults, versValidity: 86400, websheetBase: 'https://sep.example.com/websheet',
    signingSecret: secret, nowMs: Date.now(), token: { value: 'x'.repeat(43), validity: 3600 } }, 'xml');
});

// --- 3b. the gzip of a token query's answer (fixed pieces compressed once; per answer: stored blocks and the CRC)
await sideBySide('gzip of a token query answer (GzipTemplate.gzip, 1.4 kB)', async (b) => {
  const { GzipTemplate } = await mod<typeof import('../src/codec/gzip-parts.js')>(b, 'src/codec/gzip-parts.js');
  const app = '<characteristic type="APPLICATION"><parm name="AppID" value="ap2004"/><parm name="Name" value="VoWiFi"/></characteristic>';
  const t = new GzipTemplate(['<?xml version="1.0"?><wap-provisioningdoc version="1.1"><characteristic type="TOKEN"><parm name="token" value="',
    '"/><parm name="validity" value="', `"/></characteristic>${app.repeat(10)}</wap-provisioningdoc>`]);
  const values = [randomBytes(32).toString('base64url'), '3599'];
  return () => t.gzip(values);
});

// --- 4. group commit
const dir = mkdtempSync(join(tmpdir(), 'omnisep-parts-'));
const commits: string[] = [];
try {
  const line = Buffer.from(`${JSON.stringify(activityInput)}\n`);
  for (const writers of [1, 16]) {
    const per: Record<Build, { wall: number[]; cpu: number[]; perSync: number[] }> = { root: { wall: [], cpu: [], perSync: [] }, this: { wall: [], cpu: [], perSync: [] } };
    for (let r = 0; r < ROUNDS; r++) {
      for (const b of ['root', 'this'] as const) {
        const { JournalWriter } = await mod<typeof import('../daemon/store/journal.js')>(b, 'daemon/store/journal.js');
        const file = join(dir, `${b}-${writers}-${r}`);
        writeFileSync(file, '');
        const w = new JournalWriter(file, 0, 2); // the default window, storage.activity_commit_interval_ms
        let n = 0;
        const end = performance.now() + MS * 2;
        const t0 = performance.now();
        const c0 = cpuUs();
        await Promise.all(Array.from({ length: writers }, async () => { while (performance.now() < end) { await w.append(line); n++; } }));
        per[b].wall.push(((performance.now() - t0) * 1000) / n * writers);
        per[b].cpu.push((cpuUs() - c0) / n);
        per[b].perSync.push(n / Math.max(1, w.syncs));
        await w.close();
      }
    }
    const m = (b: Build, k: 'wall' | 'cpu' | 'perSync') => median(per[b][k]);
    commits.push(`| ${writers} writer(s), each awaiting its append | ${m('root', 'wall').toFixed(0)} / ${m('this', 'wall').toFixed(0)} | ${m('root', 'cpu').toFixed(0)} / ${m('this', 'cpu').toFixed(0)} | ${m('root', 'perSync').toFixed(1)} / ${m('this', 'perSync').toFixed(1)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// --- 5. the activity log's append of a token query's record (ActivityFileLog on a temp file, 16 writers)
const actDir = mkdtempSync(join(tmpdir(), 'omnisep-parts-act-'));
const appends: string[] = [];
try {
  const per: Record<Build, number[]> = { root: [], this: [] };
  const { ActivityService } = await mod<typeof import('../src/services/activity.js')>('this', 'src/services/activity.js');
  const svc = new ActivityService({ log: { append: async () => {} } as never, events: { emit() {} }, clock: { now: () => Date.now() }, random: { uuid: randomUUID, bytes: randomBytes } });
  for (let r = 0; r < ROUNDS; r++) {
    for (const b of ['root', 'this'] as const) {
      const { ActivityFileLog } = await mod<typeof import('../daemon/store/activity-log.js')>(b, 'daemon/store/activity-log.js');
      const log = await ActivityFileLog.open({ file: join(actDir, `${b}-${r}.jsonl`), retentionIntervalMs: 0, maxPerSubscriber: 1_000_000 });
      let n = 0;
      const end = performance.now() + MS * 2;
      const c0 = cpuUs();
      await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() < end) { await log.append(svc.build(activityInput)); n++; } }));
      per[b].push((cpuUs() - c0) / n);
      await log.close();
    }
  }
  appends.push(`| 16 writers, each awaiting its append (record built by this build's \`build\` for both) | ${median(per.root).toFixed(1)} | ${median(per.this).toFixed(1)} | ${(median(per.this) / median(per.root)).toFixed(2)}× |`);
} finally {
  rmSync(actDir, { recursive: true, force: true });
}

console.log(`\nts43-parts bench: ${ROUNDS} alternating slices of ${MS} ms per build, node ${process.version}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`root = ${values.root}, this = ${here}\n`);
console.log('| piece (in-process, memory store, which users do not run: a code comparison, not a daemon figure) | root µs/call | this µs/call | this ÷ root |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log('\n| group commit (`JournalWriter`, temp file, 2 ms window) | wall µs per append, root / this | CPU µs per append, root / this | appends per fdatasync, root / this |');
console.log('|---|---:|---:|---:|');
for (const r of commits) console.log(r);
console.log('\n| activity log append (`ActivityFileLog`, temp file, 2 ms window) | CPU µs per append, root | this | this ÷ root |');
console.log('|---|---:|---:|---:|');
for (const r of appends) console.log(r);
