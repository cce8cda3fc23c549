import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { UsageError } from '../../../src/cli/errors.js';
import { VVM_GREETING_KINDS, vvmRoutes, type VvmGreeting } from '../../../src/contracts/vvm.js';

export default class VvmGreetingSet extends BaseCommand<typeof VvmGreetingSet, VvmGreeting> {
  static override summary = 'Upload a greeting from an audio file (replaces the one of that kind and makes it active).';
  static override description = 'PUT /api/vvm/accounts/:imsi/greetings/:kind. The greeting is stored as an OMTP greeting message in the Greetings folder, at most vvm.default_max_greeting_seconds long; the phone is told with a SYNC ev=GU.';
  static override examples = [{ description: 'The normal greeting, 12 seconds', command: '<%= config.bin %> <%= command.id %> 505010000000001 normal --file greeting.amr --duration 12' }];
  static override args = {
    imsi: imsiArg({ required: true }),
    kind: Args.string({ description: `greeting kind: ${VVM_GREETING_KINDS.join(', ')}`, required: true, options: [...VVM_GREETING_KINDS] }),
  };
  static override flags = {
    file: Flags.string({ summary: 'The recording.', required: true }),
    duration: Flags.integer({ summary: 'Length in seconds.', min: 0, max: 3600 }),
    'content-type': Flags.string({ summary: 'Audio content type (default audio/amr, or audio/amr-wb for .awb, audio/wav for .wav).' }),
  };

  async run(): Promise<VvmGreeting> {
    let audio: Buffer;
    try {
      audio = readFileSync(this.flags.file);
    } catch (e) {
      throw new UsageError(`--file ${this.flags.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    if (audio.length === 0) throw new UsageError(`--file ${this.flags.file} is empty`);
    const ext = extname(this.flags.file).toLowerCase();
    const contentType = this.flags['content-type'] ?? (ext === '.awb' ? 'audio/amr-wb' : ext === '.wav' ? 'audio/wav' : 'audio/amr');
    const kind = this.args.kind as (typeof VVM_GREETING_KINDS)[number];
    return this.client.call(vvmRoutes.setGreeting, {
      params: { imsi: this.args.imsi, kind },
      body: { audio_base64: audio.toString('base64'), content_type: contentType, ...(this.flags.duration !== undefined ? { duration_s: this.flags.duration } : {}) },
    });
  }

  protected render(g: VvmGreeting): string {
    return `${this.chalk.green('set')} the ${g.kind} greeting (uid ${g.uid}, ${g.bytes} bytes${g.active ? ', active' : ''})`;
  }
}
