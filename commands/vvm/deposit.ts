import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiArg } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { renderVvmSms } from '../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmDepositResult } from '../../src/contracts/vvm.js';

/** Content types by file extension (the voicemail platform's usual codecs). */
const AUDIO_TYPES: Record<string, string> = { '.amr': 'audio/amr', '.awb': 'audio/amr-wb', '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.opus': 'audio/ogg', '.m4a': 'audio/mp4', '.3gp': 'audio/3gpp' };
/** The deposit route takes 16 MiB of base64. */
const MAX_AUDIO_BYTES = 12 * 1024 * 1024;

export default class VvmDeposit extends BaseCommand<typeof VvmDeposit, VvmDepositResult> {
  static override summary = 'Deposit a voice message into a subscriber\'s INBOX, then send the SYNC SMS (ev=NM).';
  static override description =
    'POST /api/vvm/accounts/:imsi/deposit, what a voicemail platform calls after recording a caller. The message is stored as an OMTP multipart/voice-message (Content-Duration from --duration); a full mailbox refuses it. A ready account with an MSISDN then gets a SYNC SMS through the gateway: the answer says whether the gateway took it, or when it will be retried.';
  static override examples = [
    { description: 'A 30-second AMR message from +61400123456', command: '<%= config.bin %> <%= command.id %> 505010000000001 --file voice.amr --from +61400123456 --duration 30' },
    { description: 'A withheld caller', command: '<%= config.bin %> <%= command.id %> 505010000000001 --file voice.amr --from ""' },
  ];
  static override args = { imsi: imsiArg({ required: true }) };
  static override flags = {
    file: Flags.string({ summary: 'The recording (AMR, AMR-WB, WAV, ...).', required: true }),
    from: Flags.string({ summary: 'The caller\'s number (digits, optional +; "" = withheld).', required: true }),
    duration: Flags.integer({ summary: 'Length in seconds (Content-Duration; what the phone shows).', min: 0, max: 86400 }),
    'content-type': Flags.string({ summary: 'Audio content type; default from the file extension (.amr → audio/amr).' }),
  };

  async run(): Promise<VvmDepositResult> {
    const { file, from, duration } = this.flags;
    if (!/^\+?[0-9]{0,20}$/.test(from)) throw new UsageError(`--from ${JSON.stringify(from)} is not a number; expected digits with an optional leading "+", or "" for a withheld caller`);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new UsageError(`--file ${file} is not a file`);
      size = st.size;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    if (size === 0) throw new UsageError(`--file ${file} is empty`);
    if (size > MAX_AUDIO_BYTES) throw new UsageError(`--file ${file} is ${size} bytes; at most ${MAX_AUDIO_BYTES} bytes are accepted`);
    const contentType = this.flags['content-type'] ?? AUDIO_TYPES[extname(file).toLowerCase()];
    if (!contentType) throw new UsageError(`cannot tell the audio type of ${file}: give --content-type, e.g. audio/amr`);
    if (!/^audio\/[A-Za-z0-9.+-]+$/.test(contentType)) throw new UsageError(`--content-type ${contentType} is not audio/*`);
    return this.client.call(vvmRoutes.deposit, {
      params: { imsi: this.args.imsi },
      body: { from, audio_base64: readFileSync(file).toString('base64'), content_type: contentType, ...(duration !== undefined ? { duration_s: duration } : {}) },
    });
  }

  protected render(r: VvmDepositResult): string {
    const head = `${this.chalk.green('deposited')} message uid ${r.uid} for ${r.imsi} (${r.message_id})`;
    if (!r.sync) return `${head}\nno SYNC SMS: the account is not ready or has no MSISDN`;
    return `${head}\n${this.chalk.bold('SYNC SMS')}\n${renderVvmSms(r.sync, this.chalk)}`;
  }
}
