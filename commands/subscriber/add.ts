import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { countryCodeFlag, hexFlag, imsiArg, msisdnFlag, msisdnToSend } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { subscriberRoutes, type SubscriberView } from '../../src/contracts/subscribers.js';

export default class SubscriberAdd extends BaseCommand<typeof SubscriberAdd, SubscriberView> {
  static override summary = 'Add a SIM to the local subscriber store (Ki, OPc or OP, AMF, SQN).';
  static override description = 'POST /api/subscribers. The built-in AAA/HSS and the local back-end authenticate this SIM with Milenage. Keys are write-only: no command or API answer ever shows them again. Give --opc, or --op (OPc is computed from it and the Ki). Keys on a command line land in shell history: prefer `subscriber import FILE` for real SIMs.';
  static override examples = [
    { description: 'TS 35.208 test set 1 as a lab SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --opc cd63cb71954a9f4e48a5994e37a02baf' },
    { description: 'With OP instead of OPc, an MSISDN and a starting SQN', command: '<%= config.bin %> <%= command.id %> 001010000000007 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --op cdc202d5123e20f62b6d676ac72cb318 --msisdn +15551230007 --sqn 64' },
    { description: 'A national number, stored as +491701234567', command: '<%= config.bin %> <%= command.id %> 262010000000001 --ki 465b5ce8b199b49faa5f0a2ee238a6bc --opc cd63cb71954a9f4e48a5994e37a02baf --msisdn \'0170 1234567\' --country-code DE' },
  ];
  static override args = { imsi: imsiArg({ required: true }) };
  static override flags = {
    ki: hexFlag(32)({ summary: 'Ki, 32 hex digits (write-only).', required: true }),
    opc: hexFlag(32)({ summary: 'OPc, 32 hex digits (write-only).', exclusive: ['op'] }),
    op: hexFlag(32)({ summary: 'OP, 32 hex digits: OPc is computed from it (write-only).', exclusive: ['opc'] }),
    amf: hexFlag(4, '8000')({ summary: 'AMF, 4 hex digits.', default: '8000' }),
    sqn: Flags.integer({ summary: 'SQN_HE to start from (48-bit).', min: 0, max: 2 ** 48 - 1, default: 0 }),
    msisdn: msisdnFlag({ summary: 'MSISDN, stored in E.164: +15551230007, or national with --country-code.' }),
    'country-code': countryCodeFlag(),
    replace: Flags.boolean({ summary: 'Overwrite the subscriber if it exists.' }),
  };

  async run(): Promise<SubscriberView> {
    const { imsi } = this.args;
    const { ki, opc, op, amf, sqn, replace } = this.flags;
    if (!opc && !op) throw new UsageError('give --opc or --op');
    const msisdn = this.flags.msisdn === undefined ? undefined : await msisdnToSend(this.flags.msisdn, this.flags['country-code'], '--msisdn');
    return this.client.call(subscriberRoutes.addSubscriber, {
      body: { imsi, ki, amf, sqn, ...(opc ? { opc } : {}), ...(op ? { op } : {}), ...(msisdn ? { msisdn } : {}), ...(replace ? { replace: true } : {}) },
    });
  }

  protected render(body: SubscriberView): string {
    return `${this.chalk.green('added')} subscriber ${body.imsi} (OPc ${body.opc_source === 'op' ? 'computed from OP' : 'given'}, AMF ${body.amf}, SQN ${body.sqn})`;
  }
}
