/** The loopback SMS gateway and daemon set-up shared by the VVM SMS tests (test/vvm-sms*.test.ts). */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { startTestDaemon, testConfig, type TestDaemon } from './daemon-helpers.js';
import { runCliFed } from './cli-harness.js';

export interface Received { headers: IncomingMessage['headers']; body: { to: string; from: string; text: string; port: number } }

/** A loopback SMS gateway: records every POST; `mode` decides the answer (200, 500, or never). */
export class Gateway {
  readonly received: Received[] = [];
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  #server: Server;
  #waiters: Array<() => void> = [];
  #hung: Array<() => void> = [];
  constructor() {
    this.#server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: JSON.parse(data) as Received['body'] });
        for (const w of this.#waiters.splice(0)) w();
        if (this.mode === 'hang') return void this.#hung.push(() => res.destroy());
        res.writeHead(this.mode === 'ok' ? 200 : 500, { 'content-type': 'application/json' }).end(this.mode === 'ok' ? '{"status":"queued"}' : '{"error":"boom"}');
      });
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/send`;
  }
  /** Waits (generously) until `n` requests have arrived. */
  async waitFor(n: number, ms = 20_000): Promise<Received[]> {
    const until = Date.now() + ms;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`gateway: ${this.received.length} of ${n} requests after ${ms} ms`);
      await new Promise<void>((r) => { this.#waiters.push(r); setTimeout(r, 200); });
    }
    return this.received;
  }
  async close(): Promise<void> {
    for (const h of this.#hung.splice(0)) h();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

export const IMSI = '505010000000001';
export const PHONE = '+61400123456';

export const vvmSets = (gatewayUrl: string, extra: string[] = []) => [
  'vvm.enabled=true', `vvm.sms_gateway=${gatewayUrl}`, 'vvm.sms_gateway_auth=Bearer gw-secret-123456', 'vvm.sms_gateway_timeout_ms=1500',
  'vvm.sms_gateway_backoff_ms=50', 'vvm.sms_gateway_max_attempts=3', ...imapPortSets(), ...extra,
];
/** The IMAP listeners (when this build has them) on free ports. */
export function imapPortSets(): string[] {
  const keys = Object.keys(testConfig('/tmp').vvm);
  return ['imap_port', 'imaps_port'].filter((k) => keys.includes(k)).map((k) => `vvm.${k}=0`);
}

/** The exact STATUS of a ready account with the default vvm.* settings, for a given password. */
export const readyStatus = (ipt: number, pw: string) =>
  `//VVM:STATUS:st=R;rc=0;srv=vvm.example.com;tui=*86;dn=+61400000000;ipt=${ipt};spt=587;smtp_u=${IMSI};smtp_pw=${pw};u=${IMSI};pw=${pw};lang=1;g_len=60;vs_len=60;pw_len=4-15;pm=N;gm=N;vtc=A`;

export async function withSetup(fn: (d: TestDaemon, gw: Gateway) => Promise<void>, extra: string[] = []): Promise<void> {
  const gw = new Gateway();
  const url = await gw.listen();
  const d = await startTestDaemon(vvmSets(url, extra));
  try {
    await fn(d, gw);
  } finally {
    await d.stop();
    await gw.close();
  }
}

/** Python's imaplib as the phone: STARTTLS, LOGIN, SELECT INBOX, UID SEARCH, UID FETCH of the first message. */
export function imaplibFetch(port: number, cafile: string, user: string, pw: string): Promise<{ uids: string[]; body: string }> {
  const script = [
    'import imaplib, json, ssl, sys',
    'port, cafile, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]',
    "M = imaplib.IMAP4('127.0.0.1', port)",
    'M.starttls(ssl_context=ssl.create_default_context(cafile=cafile))',
    'M.login(user, pw)',
    'M.select(\'"INBOX"\')',
    "typ, data = M.uid('SEARCH', '1:*', 'NOT', 'DELETED')",
    'uids = data[0].split()',
    "typ, d = M.uid('FETCH', uids[0], '(BODY.PEEK[])')",
    "print(json.dumps({'uids': [u.decode() for u in uids], 'body': d[0][1].decode('latin1')}))",
    'M.logout()',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, String(port), cafile, user, pw], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as { uids: string[]; body: string });
      } catch {
        reject(new Error(`imaplib exit ${code}: ${err || out}`));
      }
    });
  });
}

/** The CLI with a given stdin (set-pin reads the PIN there). */
export function runWithStdin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCliFed(args, (write) => write(input));
}
