/**
 * `simulate eap-aka` tells transport failures from authentication results (exit 69 vs 3), hints at
 * --cacert/--insecure on a TLS failure, runs the whole TS.43 flow over HTTPS against a daemon with
 * `http.tls_cert`/`http.tls_key` and `--cacert`, honours `--accept json` in the token re-auth step,
 * and `-v` prints the raw documents with the token redacted. Real daemons, real sockets, the real CLI.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { Secret } from '../src/util/secret.js';
import { simulateEapAka, simulateOptions } from '../src/ue/run.js';
import type { SimulationReport } from '../src/ue/simulate.js';
import { runCli, parseJson } from './cli-harness.js';
import { labSims, startSimDaemon, type SimDaemon } from './simulate-daemon.js';

const SIM = labSims()[0]!;
const keyArgs = ['--imsi', SIM.imsi, '--ki', SIM.ki, '--opc', SIM.opc, '--amf', SIM.amf];
const daemons: SimDaemon[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a closed port is "cannot reach" (exit 69), not an authentication failure', async () => {
  const url = `http://127.0.0.1:${await closedPort()}/`;
  const r = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', url]);
  assert.equal(r.code, 69, r.stderr + r.stdout);
  assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+\/: connection refused \(ECONNREFUSED\)/);
  assert.doesNotMatch(r.stderr, /authentication (failed|rejected)/);
  const j = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', url, '--json']);
  assert.equal(j.code, 69);
  assert.equal(parseJson<SimulationReport>(j).failure, 'unreachable');
  const load = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', url, '--count', '3', '--json']);
  assert.equal(load.code, 69, load.stderr);
  assert.deepEqual(parseJson<{ failed_by_kind: Record<string, number> }>(load).failed_by_kind, { unreachable: 3 });
});

test('over HTTPS with a self-signed daemon certificate: 69 with the --cacert/--insecure hint, then 0 with --cacert; a wrong key exits 3', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-simtls-'));
  const now = Date.now();
  const pair = await generate([{ name: 'commonName', value: 'sim.omnisep.test' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000), notAfterDate: new Date(now + 86400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, pair.cert);
  writeFileSync(key, pair.private, { mode: 0o600 });
  const d = await startSimDaemon([`http.tls_cert=${cert}`, `http.tls_key=${key}`]);
  daemons.push(d);
  assert.match(d.url, /^https:\/\//);

  const refused = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', d.url]);
  assert.equal(refused.code, 69, refused.stderr + refused.stdout);
  assert.match(refused.stderr, /TLS check failed \([A-Z_]+\) — pass --cacert FILE .* or --insecure/);

  const ok = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', d.url, '--cacert', cert]);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /^OK {2}authenticated/m);
  const insecure = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', d.url, '--insecure']);
  assert.equal(insecure.code, 0, insecure.stderr);

  const wrong = await runCli(['simulate', 'eap-aka', '--imsi', SIM.imsi, '--ki', SIM.ki, '--opc', '00'.repeat(16), '--url', d.url, '--cacert', cert]);
  assert.equal(wrong.code, 3, wrong.stderr);
  assert.match(wrong.stderr, /authentication rejected: HTTP 403/);

  const notPem = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', d.url, '--cacert', key]);
  assert.equal(notPem.code, 2, 'a --cacert that is not a certificate is bad input');
  assert.match(notPem.stderr, /not a PEM certificate/);
});

test('--accept json: every step that may carry the document asks for JSON only and gets JSON, token re-auth included', async () => {
  const d = await startSimDaemon();
  daemons.push(d);
  const r = await simulateEapAka(
    simulateOptions(
      { url: d.url, imsi: SIM.imsi, ki: new Secret(Buffer.from(SIM.ki, 'hex')), opc: new Secret(Buffer.from(SIM.opc, 'hex')) },
      { amf: Buffer.from(SIM.amf, 'hex'), accept: 'json' },
    ),
  );
  assert.equal(r.ok, true, r.reason);
  const reauth = r.steps.find((s) => s.purpose === 'token_auth');
  assert.ok(reauth, 'a token re-auth step');
  assert.equal(reauth.document?.format, 'json');
  assert.match(reauth.content_type ?? '', /^application\/json/);
  assert.equal(r.steps.filter((s) => s.document).every((s) => s.document!.format === 'json'), true);

  // -v: the raw request and answer on stderr, the JSON document as received, no token value.
  const v = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', d.url, '--accept', 'json', '-v']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stderr, /^> GET \/\?EAP_ID=0001010000000001%40nai\.epc\.mnc001\.mcc001\.3gppnetwork\.org&terminal_id=\S+ HTTP\/1\.1$/m);
  assert.match(v.stderr, /^> Accept: application\/vnd\.gsma\.eap-relay\.v1\.0\+json$/m);
  assert.match(v.stderr, /^< HTTP\/1\.1 200$/m);
  assert.match(v.stderr, /^< \{"eap-relay-packet":"[A-Za-z0-9+/=]+"\}$/m, 'the EAP relay body as received');
  assert.match(v.stderr, /^> Cookie: [^=]+=\[REDACTED\]$/m);
  assert.match(v.stderr, /^> GET \/\?IMSI=001010000000001&token=\[REDACTED\]&/m);
  assert.match(v.stderr, /^> Accept: application\/json$/m);
  assert.match(v.stderr, /^< content-type: application\/json/m);
  assert.match(v.stderr, /^< .*"token":\s*"\[REDACTED\]"/m, 'the JSON document with its token redacted');
  // No token value anywhere: every `token=` and "token" member is followed by [REDACTED] only.
  assert.doesNotMatch(v.stderr, /token=(?!\[REDACTED\])[^&\s"]/i);
  assert.doesNotMatch(v.stderr, /"token"\s*:\s*"(?!\[REDACTED\])/i);

  const xml = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', d.url, '--show-documents', '--no-token-reauth']);
  assert.equal(xml.code, 0, xml.stderr);
  assert.match(xml.stderr, /^< <\?xml version="1\.0"/m, 'the raw XML document the phone received');
  assert.match(xml.stderr, /<parm name="token" value="\[REDACTED\]"\/>/);
  assert.doesNotMatch(xml.stderr, /name="token" value="(?!\[REDACTED\])/);

  const usage = await runCli(['simulate', 'eap-aka', ...keyArgs, '--url', d.url, '-v', '--count', '2']);
  assert.equal(usage.code, 2);
});
