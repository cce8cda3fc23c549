import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { parseImsi } from '../../src/cli/validate.js';
import { subscriberRoutes } from '../../src/contracts/subscribers.js';

const hex = (raw: string | undefined, flag: string, digits: number): string | undefined => {
  if (raw === undefined) return undefined;
  if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(raw)) throw new UsageError(`--${flag} must be ${digits} hex digits`);
  return raw.toLowerCase();
};

export default class SubscriberAdd extends BaseCommand {
  static override summary = 'Add a SIM to the local subscriber store (Ki, OPc or OP, AMF, SQN).';
  static override description = 'POST /api/subscribers. The built-in AAA/HSS and the local back-end authenticate this SIM with Milenage. Keys are write-only: no command or API answer ever shows them again. Give --opc, or --op (OPc is computed from it and the Ki). Keys on a command line land in shell history: prefer `subscriber import FILE` for real SIMs.';
  static override examples = [
    { description: 'TS 35.208 test set 1 as a lab SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --opc cd63cb71954a9f4e48a5994e37a02baf' },
    { description: 'With OP instead of OPc, an MSISDN and a starting SQN', command: '<%= config.bin %> <%= command.id %> 001010000000007 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --op cdc202d5123e20f62b6d676ac72cb318 --msisdn 15551230007 --sqn 64' },
  ];
  static override args = { imsi: Args.string({ description: 'IMSI, 15 digits', required: true }) };
  static override flags = {
    ki: Flags.string({ summary: 'Ki, 32 hex digits (write-only).', required: true, helpValue: 'HEX' }),
    opc: Flags.string({ summary: 'OPc, 32 hex digits (write-only).', helpValue: 'HEX', exclusive: ['op'] }),
    op: Flags.string({ summary: 'OP, 32 hex digits: OPc is computed from it (write-only).', helpValue: 'HEX', exclusive: ['opc'] }),
    amf: Flags.string({ summary: 'AMF, 4 hex digits.', default: '8000', helpValue: 'HEX' }),
    sqn: Flags.integer({ summary: 'SQN_HE to start from (48-bit).', min: 0, default: 0 }),
    msisdn: Flags.string({ summary: 'MSISDN (digits, optional +).', helpValue: 'NUMBER' }),
    replace: Flags.boolean({ summary: 'Overwrite the subscriber if it exists.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SubscriberAdd);
    this.setup(flags);
    const imsi = parseImsi(args.imsi);
    const ki = hex(flags.ki, 'ki', 32)!;
    const opc = hex(flags.opc, 'opc', 32);
    const op = hex(flags.op, 'op', 32);
    if (!opc && !op) throw new UsageError('give --opc or --op');
    const amf = hex(flags.amf, 'amf', 4)!;
    if (flags.msisdn !== undefined && !/^\+?[0-9]{3,15}$/.test(flags.msisdn)) throw new UsageError('--msisdn must be 3 to 15 digits');
    if (flags.sqn > 2 ** 48 - 1) throw new UsageError('--sqn must fit 48 bits');
    const body = await this.client.call(subscriberRoutes.addSubscriber, {
      body: { imsi, ki, amf, sqn: flags.sqn, ...(opc ? { opc } : {}), ...(op ? { op } : {}), ...(flags.msisdn ? { msisdn: flags.msisdn } : {}), ...(flags.replace ? { replace: true } : {}) },
    });
    this.output(body, () => `${this.chalk.green('added')} subscriber ${body.imsi} (OPc ${body.opc_source === 'op' ? 'computed from OP' : 'given'}, AMF ${body.amf}, SQN ${body.sqn})`);
  }
}
