import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand, readCaFile } from '../../src/cli/base-command.js';
import { OperationalError, RejectedError, UnavailableError, UsageError, type CliError } from '../../src/cli/errors.js';
import { GLOBAL_GROUP } from '../../src/cli/flags.js';
import { loadSimsFrom, optionsFromFlags } from '../../src/ue/options.js';
import { renderLoad, renderSteps } from '../../src/ue/render.js';
import { simFromCsv, simsFromCsv } from '../../src/ue/command-line.js';
import { loadEapAka, simulateEapAka, type LoadSim, type SimulateOptions } from '../../src/ue/run.js';
import { imsiFlag } from '../../src/cli/args.js';

type Report = Awaited<ReturnType<typeof simulateEapAka>>;
type LoadReport = Awaited<ReturnType<typeof loadEapAka>>;
type Result = { mode: 'single'; report: Report } | { mode: 'load'; report: LoadReport; url: string };

export default class SimulateEapAka extends BaseCommand<typeof SimulateEapAka, Result> {
  static override summary = 'Play a phone against a TS.43 entitlement server: EAP-AKA with a software USIM, entitlements, token re-auth.';
  static override description = `Walks the TS.43 flow exactly as Android's entitlement client does (GET with EAP_ID, POST of the EAP-Response to the bare URL with the first response's cookies, configuration document in the last answer, then GET with IMSI + token) against any server URL, ours or another's. The USIM verifies AUTN (MAC-A, SQN freshness), answers AKA-Synchronization-Failure with AT_AUTS when the network's SQN is stale and AKA-Authentication-Reject on a bad MAC-A.

Prints each step (HTTP status, decoded EAP packets, the USIM's verdict and SQN_MS, timings), the entitlements and the outcome. --json prints one JSON document (the same report).

Exit codes: 0 authenticated; 3 rejected by the network (HTTP 4xx such as 403, EAP-Failure: wrong keys, unknown IMSI); 69 server not reached (connection refused, DNS, timeout, TLS check failed, or HTTP 503 back-end unavailable); 1 anything else (a 5xx, an answer the phone cannot read); 2 bad flags. A TLS check failure says so and hints at --cacert FILE and --insecure.

--count N (>1) switches to load mode: N full authentications, at most --concurrency at once, then throughput and latency percentiles (p50/p90/p99).

--fast-reauth plays an RFC 4187 peer that keeps the pseudonym and fast re-authentication identity the server issues (in AT_ENCR_DATA, in memory for this run): a full authentication, then a second one presenting the re-auth identity as EAP_ID (AKA-Reauthentication: AT_COUNTER, AT_NONCE_S and AT_MAC checked, AT_COUNTER_TOO_SMALL on a stale counter). When the server asks for more (AT_FULLAUTH_ID_REQ after an unknown re-auth identity, …) it answers with its pseudonym or permanent identity and falls back to a full authentication. Each authentication is printed as full or fast re-auth. With --count N it is one chain: the first run is full, each next one presents what the previous left (--concurrency 1). Android never does this (its EAP_ID is always the permanent identity); omnisep serves it with eap_aka.backend swm (docs/eap-aka.md).

Ki and OPc are read from OMNISEP_KI / OMNISEP_OPC when the flags are omitted (flag values are visible in the process list). They are never printed; nor is the token.`;
  static override examples = [
    {
      description: 'Against the local daemon, with the first lab subscriber (TS 35.208 test set 1 keys)',
      command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --opc cd63cb71954a9f4e48a5994e37a02baf',
    },
    {
      description: "EAP-AKA', POST mode, JSON answers, against another server",
      command: '<%= config.bin %> <%= command.id %> --url https://aes.example.net/ --imsi 001010000000001 --ki ... --op ... --aka-prime --post --accept json',
    },
    {
      description: 'Full authentication, then fast re-authentication with the identity the AAA issued (eap_aka.backend swm)',
      command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --sim-file fixtures/subscribers/lab.csv --fast-reauth',
    },
    {
      description: 'Load over every SIM of a subscriber file (a re-authentication storm of many subscribers)',
      command: '<%= config.bin %> <%= command.id %> --sim-file sims.csv --each-sim --count 10000 --concurrency 64',
    },
    {
      description: 'Load: 1000 authentications, 32 in flight, machine output',
      command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --ki ... --opc ... --count 1000 --concurrency 32 --json',
    },
  ];

  // No control socket here: the simulator talks to a TS.43 server, not to the daemon.
  static override baseFlags = {
    json: Flags.boolean({
      summary: 'Print the report (or the load summary) as one JSON document.',
      description: 'Single run: the report with every step (ok, reason, steps, entitlements, timings). Load mode: count, ok, failed, throughput and latency percentiles. Exit codes as without --json.',
      default: false,
      helpGroup: GLOBAL_GROUP,
    }),
  } as unknown as (typeof BaseCommand)['baseFlags'];

  static override flags = {
    url: Flags.string({ summary: 'TS.43 entitlement server URL.', default: 'http://127.0.0.1:9014/', helpValue: 'URL' }),
    imsi: imsiFlag({ summary: 'IMSI of the SIM, 15 digits (required unless --each-sim).' }),
    'sim-file': Flags.string({
      summary: 'Subscriber CSV (imsi,ki,opc|op,amf) to take the keys of --imsi from; --ki/--opc/--op/--amf override it.',
      description: 'The layout of fixtures/subscribers/lab.csv and of `omnisep subscriber import`. Keeps keys off the command line and out of the shell history.',
      helpValue: 'FILE',
    }),
    ki: Flags.string({ summary: 'Ki (K), 32 hex digits (or give --sim-file).', env: 'OMNISEP_KI', helpValue: 'HEX' }),
    opc: Flags.string({ summary: 'OPc, 32 hex digits (or give --op).', env: 'OMNISEP_OPC', helpValue: 'HEX' }),
    op: Flags.string({ summary: 'OP, 32 hex digits; OPc is computed from it and Ki.', helpValue: 'HEX' }),
    amf: Flags.string({ summary: 'Provisioned AMF, 4 hex digits; a challenge with another AMF is noted.', helpValue: 'HEX' }),
    sqn: Flags.string({ summary: 'SQN_MS the USIM starts from (decimal or 0x-hex).', default: '0', helpValue: 'SQN' }),
    app: Flags.string({ summary: 'App ids to ask for, comma-separated.', default: 'ap2004', helpValue: 'ap2004,ap2003' }),
    'aka-prime': Flags.boolean({ summary: "Use EAP-AKA' (identity prefix 6, AT_KDF/AT_KDF_INPUT).", default: false }),
    'network-name': Flags.string({ summary: "EAP-AKA': network name the USIM expects in AT_KDF_INPUT (default: accept the server's).", helpValue: 'NAME' }),
    post: Flags.boolean({ summary: 'First request as POST with a JSON body (Android POST mode) instead of GET.', default: false }),
    accept: Flags.string({ summary: 'Preferred document format.', options: ['xml', 'json'], default: 'xml' }),
    realm: Flags.string({ summary: 'EAP_ID realm: a prefix (nai.epc, wlan) or a whole realm.', helpValue: 'REALM' }),
    'mnc-length': Flags.integer({ summary: 'Digits of the MNC in the IMSI (2 or 3) for the realm.', default: 2, min: 2, max: 3 }),
    'terminal-id': Flags.string({ summary: 'terminal_id (IMEI or UUID).', helpValue: 'ID' }),
    'terminal-vendor': Flags.string({ summary: 'terminal_vendor (Android sends 4 characters).', helpValue: 'TEXT' }),
    'terminal-model': Flags.string({ summary: 'terminal_model (Android sends 10 characters).', helpValue: 'TEXT' }),
    'terminal-sw-version': Flags.string({ summary: 'terminal_sw_version (Android sends 20 characters).', helpValue: 'TEXT' }),
    'entitlement-version': Flags.string({ summary: 'entitlement_version to send.', default: '2.0', helpValue: 'VER' }),
    vers: Flags.string({ summary: 'vers: configuration version the device holds (0 = none).', default: '0', helpValue: 'N' }),
    'token-reauth': Flags.boolean({ summary: 'After EAP-AKA, re-authenticate once with the token (single run only).', default: true, allowNo: true }),
    'fast-reauth': Flags.boolean({
      summary: 'Keep the pseudonym and re-auth identity the server issues and re-authenticate with them (RFC 4187 §5).',
      description: 'Single run: full authentication, then fast re-authentication. With --count: one chain (--concurrency 1), full first, then re-authentications; the summary counts each kind.',
      default: false,
    }),
    'each-sim': Flags.boolean({
      summary: 'Load mode: go round every SIM of --sim-file instead of one --imsi.',
      description: 'Authentication i uses row i mod n of the file (its IMSI, Ki, OPc or OP, AMF): the re-authentication storm of many subscribers rather than one SIM authenticated over and over, which the server serialises per subscriber and whose per-IMSI session caps it must have raised. Needs --sim-file and --count; not with --imsi, --ki, --opc, --op, --amf or --fast-reauth.',
      // No `default: false`: oclif would then check dependsOn/exclusive on every run without the flag.
      dependsOn: ['sim-file'],
      // Not oclif's `exclusive` for the keys: its message would print the key's value (OMNISEP_KI included).
      exclusive: ['imsi', 'amf', 'fast-reauth'],
    }),
    count: Flags.integer({ summary: 'Load mode: number of authentications.', default: 1, min: 1 }),
    concurrency: Flags.integer({ summary: 'Load mode: authentications in flight at once.', default: 1, min: 1 }),
    insecure: Flags.boolean({ summary: 'Accept any TLS certificate on an https URL (test servers only).', default: false, exclusive: ['cacert'] }),
    cacert: Flags.string({
      summary: 'Trust this CA or certificate (PEM) for an https URL, instead of the system CAs (as curl --cacert).',
      description: "E.g. the daemon's http.tls_cert when it is self-signed. NODE_EXTRA_CA_CERTS adds a CA to the system ones instead.",
      helpValue: 'FILE',
      exclusive: ['insecure'],
    }),
    'show-documents': Flags.boolean({
      char: 'v',
      summary: 'Print each raw HTTP request and answer to stderr, like curl -v (credentials redacted).',
      description: 'Request line, headers and body after "> ", status line, headers and body (the XML or JSON document as received, gunzipped) after "< ". Token values, cookies and Authorization are replaced by [REDACTED]; EAP packets are shown, as they carry only one-time values (RAND, AUTN, RES, MACs), no long-term key. Single run only.',
      default: false,
    }),
    timeout: Flags.integer({ summary: 'Per-request timeout, ms.', default: 10000, min: 1, helpValue: 'MS' }),
  };

  async run(): Promise<Result> {
    const { flags } = this;
    const { opts, sims } = flags['each-sim'] ? this.eachSimOptions(flags['sim-file']!) : { opts: this.oneSimOptions(), sims: undefined };
    if (flags.cacert) opts.ca = readCaFile(flags.cacert);
    if (flags['show-documents'] && flags.count > 1) throw new UsageError('--show-documents (-v) prints one run; drop it or --count');
    if (flags['show-documents']) opts.transcript = (text) => process.stderr.write(`${text}\n`);
    if (flags.concurrency > 1 && flags.count === 1) throw new UsageError('--concurrency needs --count N (N > 1), e.g. --count 1000 --concurrency 16');
    if (flags['fast-reauth'] && flags.concurrency > 1) throw new UsageError('--fast-reauth runs one chain per SIM: a new re-auth identity supersedes the last one, so authentications of one SIM cannot overlap; drop --concurrency');

    if (flags.count > 1) {
      const progress = !this.jsonMode && process.stderr.isTTY;
      const report = await loadEapAka(opts, {
        count: flags.count,
        concurrency: flags.concurrency,
        sims,
        onProgress: progress ? (done, n) => (done % 50 === 0 || done === n) && process.stderr.write(`\r${done}/${n}`) : undefined,
      });
      if (progress) process.stderr.write('\r\x1b[K');
      return { mode: 'load', report, url: opts.url };
    }
    return { mode: 'single', report: await simulateEapAka(opts) };
  }

  /** One SIM: --imsi, its keys from the flags or from --sim-file's row. */
  private oneSimOptions(): SimulateOptions {
    const { flags } = this;
    if (flags.imsi === undefined) throw new UsageError('missing --imsi (the SIM to play), e.g. --imsi 001010000000001; or --each-sim --sim-file FILE --count N for every SIM of a file');
    const f = { ...flags, imsi: flags.imsi };
    return optionsFromFlags(flags['sim-file'] ? withSimFile(f, flags['sim-file']) : f);
  }

  /** --each-sim: every SIM of the file; the shared options (URL, apps, terminal, …) from the flags, the first SIM's keys. */
  private eachSimOptions(file: string): { opts: SimulateOptions; sims: LoadSim[] } {
    const { flags } = this;
    if (flags.ki !== undefined || flags.opc !== undefined || flags.op !== undefined) {
      throw new UsageError('--each-sim takes every key from --sim-file: drop --ki, --opc and --op (and unset OMNISEP_KI and OMNISEP_OPC)');
    }
    if (flags.count < 2) throw new UsageError('--each-sim is load mode: give --count N (N > 1), e.g. --count 10000 --concurrency 64');
    const rows = simsFromCsv(readSimFile(file));
    if (rows.length === 0) throw new UsageError(`--sim-file ${file} has no usable SIM row (imsi, ki and opc or op); expected a CSV like fixtures/subscribers/lab.csv`);
    const first = rows[0]!;
    return {
      opts: optionsFromFlags({ ...flags, imsi: first.imsi, ki: first.ki, opc: first.opc, op: first.opc ? undefined : first.op, amf: first.amf }),
      sims: loadSimsFrom(rows, file),
    };
  }

  /** With --json the report itself (it holds ok:false and the reason), as before the base command. */
  override toSuccessJson(result: Result): unknown {
    return result.report;
  }

  protected render(r: Result): string {
    return r.mode === 'load' ? renderLoad(r.report, this.chalk, r.url) : renderSteps(r.report, this.chalk);
  }

  /**
   * A failed authentication exits with the code of its kind: 69 not reached, 3 rejected, 1 other.
   * Load mode: 1 if any run failed otherwise, else 69 if any was not reached, else 3.
   */
  protected override failure(r: Result): CliError | undefined {
    if (r.mode === 'load') {
      const { failed, count, failed_by_kind: k } = r.report;
      if (failed === 0) return undefined;
      const text = `${failed} of ${count} authentications failed (${Object.entries(k).map(([kind, n]) => `${n} ${kind}`).join(', ')})`;
      if (k.error) return new OperationalError(text);
      return k.unreachable ? new UnavailableError(text) : new RejectedError(text);
    }
    const { ok, reason = 'unknown reason', failure } = r.report;
    if (ok) return undefined;
    if (failure === 'unreachable') return new UnavailableError(reason);
    if (failure === 'rejected') return new RejectedError(`authentication rejected: ${reason}`);
    return new OperationalError(`authentication failed: ${reason}`);
  }
}

/** Fill the key flags the user left out from the subscriber CSV's row for --imsi. */
function withSimFile<F extends { imsi: string; ki?: string; opc?: string; op?: string; amf?: string }>(flags: F, file: string): F {
  const sim = simFromCsv(readSimFile(file), flags.imsi);
  if (!sim) throw new UsageError(`--sim-file ${file} has no row for IMSI ${flags.imsi} with ki and opc (or op)`);
  const own = flags.opc !== undefined || flags.op !== undefined;
  return { ...flags, ki: flags.ki ?? sim.ki, opc: own ? flags.opc : sim.opc, op: own ? flags.op : sim.op, amf: flags.amf ?? sim.amf };
}

function readSimFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--sim-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected a CSV like fixtures/subscribers/lab.csv`);
  }
}
