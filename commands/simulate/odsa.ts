import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { OperationalError, RejectedError, UnavailableError, UsageError, type CliError } from '../../src/cli/errors.js';
import { GLOBAL_GROUP } from '../../src/cli/flags.js';
import { imsiFlag } from '../../src/cli/args.js';
import { ODSA_OPERATIONS } from '../../src/contracts/entitlement-apps.js';
import { optionsFromFlags } from '../../src/ue/options.js';
import { simulateOdsa, type OdsaSimulationReport } from '../../src/ue/odsa.js';
import { renderOdsaReport } from '../../src/ue/render-odsa.js';

export default class SimulateOdsa extends BaseCommand<typeof SimulateOdsa, OdsaSimulationReport> {
  static override summary = 'Play an ODSA device: eSIM companion activation (ap2006) or eSIM transfer (ap2009), or one ODSA operation.';
  static override description = `EAP-AKA with a software USIM (as simulate eap-aka) asking for the ODSA app, then the ODSA operations with IMSI + token, each a GET as Android's Ts43Operation sends it (TS.43 §6; docs/odsa.md).

--operation flow (the default) plays a whole flow: for ap2006 a phone activating a watch (CheckEligibility, AcquireConfiguration, ManageSubscription 0, AcquireConfiguration reporting the downloaded ICCID, ManageService 10); for ap2009 an eSIM transfer (the old phone subscribes and asks AcquireTemporaryToken, then the new device, with the temporary token alone, sends ManageSubscription 3 and AcquireConfiguration). Any other value runs that one operation with --param name=value parameters.

Prints each request with OperationResult, SubscriptionResult, ServiceStatus and ICCID. The token, the temporary token and activation codes are never printed. Exit 0 when every answer was OperationResult 1, 1 with the reason otherwise, 2 on bad flags.`;
  static override examples = [
    { description: 'A watch activated by the first lab SIM against the local daemon', command: '<%= config.bin %> <%= command.id %> --app ap2006 --imsi 001010000000001 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --opc cd63cb71954a9f4e48a5994e37a02baf' },
    { description: 'An eSIM transfer to a new phone', command: '<%= config.bin %> <%= command.id %> --app ap2009 --imsi 001010000000001 --ki ... --opc ... --device-id NEWPHONE-01' },
    { description: 'One operation', command: '<%= config.bin %> <%= command.id %> --app ap2009 --operation GetSubscriberInfo --imsi 001010000000001 --ki ... --opc ... --json' },
  ];

  // No control socket: the simulator talks to a TS.43 server, not to the daemon.
  static override baseFlags = {
    json: Flags.boolean({ summary: 'Print the report as one JSON document.', description: 'ok, reason, the EAP-AKA outcome, every ODSA request with its results, timings. Exit codes as without --json.', default: false, helpGroup: GLOBAL_GROUP }),
  } as unknown as (typeof BaseCommand)['baseFlags'];

  static override flags = {
    app: Flags.string({ summary: 'ap2006 (companion device) or ap2009 (primary device).', options: ['ap2006', 'ap2009'], required: true }),
    operation: Flags.string({ summary: 'flow (the whole flow of the app) or one operation.', options: ['flow', ...ODSA_OPERATIONS], default: 'flow', helpValue: 'NAME' }),
    param: Flags.string({ summary: 'A parameter of a single operation, name=value (repeatable), e.g. operation_type=0.', multiple: true, helpValue: 'NAME=VALUE' }),
    url: Flags.string({ summary: 'TS.43 entitlement server URL.', default: 'http://127.0.0.1:9014/', helpValue: 'URL' }),
    imsi: imsiFlag({ summary: 'IMSI of the phone\'s SIM, 15 digits.', required: true }),
    ki: Flags.string({ summary: 'Ki (K), 32 hex digits.', env: 'OMNISEP_KI', helpValue: 'HEX' }),
    opc: Flags.string({ summary: 'OPc, 32 hex digits (or give --op).', env: 'OMNISEP_OPC', helpValue: 'HEX' }),
    op: Flags.string({ summary: 'OP, 32 hex digits; OPc is computed from it and Ki.', helpValue: 'HEX' }),
    sqn: Flags.string({ summary: 'SQN_MS the USIM starts from (decimal or 0x-hex).', default: '0', helpValue: 'SQN' }),
    accept: Flags.string({ summary: 'Preferred document format (Android parses XML only).', options: ['xml', 'json'], default: 'xml' }),
    'terminal-id': Flags.string({ summary: 'terminal_id of the phone (the old device of a transfer).', helpValue: 'ID' }),
    'device-id': Flags.string({ summary: 'The companion (ap2006) or the new device of a transfer (ap2009).', default: 'SIMWATCH-0001', helpValue: 'ID' }),
    'device-eid': Flags.string({ summary: 'Its EID, 32 digits.', default: '89049032000001000000000000000001', helpValue: 'EID' }),
    'device-name': Flags.string({ summary: 'The companion\'s friendly name.', default: 'Simulated watch', helpValue: 'TEXT' }),
    'entitlement-version': Flags.string({ summary: 'entitlement_version to send.', default: '2.0', helpValue: 'VER' }),
    insecure: Flags.boolean({ summary: 'Accept a self-signed TLS certificate on an https URL.', default: false }),
    timeout: Flags.integer({ summary: 'Per-request timeout, ms.', default: 10000, min: 1, helpValue: 'MS' }),
  };

  async run(): Promise<OdsaSimulationReport> {
    const f = this.flags;
    const base = optionsFromFlags({ ...f, app: f.app, 'aka-prime': false, post: false, 'mnc-length': 2, vers: '0', 'token-reauth': false });
    const params: Record<string, string> = {};
    for (const p of f.param ?? []) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(p)}: expected name=value, e.g. operation_type=0`);
      params[p.slice(0, eq).trim()] = p.slice(eq + 1);
    }
    if (f.operation === 'flow' && Object.keys(params).length) throw new UsageError('--param is for a single --operation; the flows send their own parameters');
    return simulateOdsa({
      base,
      app: f.app as 'ap2006' | 'ap2009',
      operation: f.operation,
      params,
      device: { id: f['device-id'], eid: f['device-eid'], vendor: 'Omni', model: 'SimWatch', friendlyName: f['device-name'] },
    });
  }

  override toSuccessJson(result: OdsaSimulationReport): unknown {
    return result;
  }

  protected render(r: OdsaSimulationReport): string {
    return renderOdsaReport(r, this.chalk);
  }

  /** Exit codes as `simulate eap-aka` (docs/cli.md § Exit codes): the server said no → 3, it could not be reached → 69. */
  protected override failure(r: OdsaSimulationReport): CliError | undefined {
    if (r.ok) return undefined;
    const why = `ODSA ${r.flow} failed: ${r.reason ?? 'unknown reason'}`;
    const reason = r.reason ?? '';
    if (/cannot reach|TLS check failed|timed out|no answer/i.test(reason)) return new UnavailableError(why);
    if (/OperationResult|HTTP 4\d\d|EAP-AKA failed|no TOKEN/.test(reason)) return new RejectedError(why);
    return new OperationalError(why);
  }
}
