import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiFlag } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { colorEnabled, makeChalk } from '../../src/cli/output.js';
import { followEvents } from '../../src/client/event-stream.js';
import { formatActivityLine } from '../../src/ui/tail-format.js';

export default class ActivityTail extends BaseCommand<typeof ActivityTail, void> {
  static override summary = 'Follow activity live, one line per record (NDJSON with --json).';
  static override description = [
    'Prints every new activity record as the daemon writes it (GET /api/events, activity only): on a terminal one',
    'coloured line per record (outcome colours, dimmed times); with --json one activity record per line (NDJSON, the',
    'fields of `omnisep activity show --json`). Notes (records the daemon dropped for a slow reader, reconnects) go',
    'to stderr so stdout stays clean.',
    '',
    'Ctrl-C stops with exit 0. When the daemon stops, exits 1 with one line — or, with --reconnect, waits for it and',
    'carries on.',
  ].join('\n');

  static override examples = [
    { description: 'Follow everything', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One subscriber\'s entitlement queries', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001 --type entitlement_query' },
    { description: 'NDJSON into jq, surviving daemon restarts', command: '<%= config.bin %> <%= command.id %> --json --reconnect | jq -c \'{imsi, request_type, response_status}\'' },
  ];

  static override flags = {
    imsi: imsiFlag({ summary: 'Only records of this IMSI (15 digits).' }),
    type: Flags.custom<string>({
      parse: async (raw) => {
        if (!/^[a-z][a-z0-9_]*$/.test(raw)) throw new UsageError(`--type "${raw}" is not a request type: use one of entitlement_query, eap_challenge, eap_response, token_auth, xcap, websheet, admin, vvm_*`);
        return raw;
      },
    })({
      summary: 'Only records of this request type (entitlement_query, eap_challenge, eap_response, token_auth, xcap, websheet, admin, vvm_*).',
      helpValue: 'TYPE',
    }),
    reconnect: Flags.boolean({ summary: 'When the daemon stops, wait for it and carry on instead of exiting 1.', default: false }),
  };

  /** Records are printed as they arrive; nothing is left to render at the end. */
  protected render(): string {
    return '';
  }

  async run(): Promise<void> {
    const { flags } = this;

    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A closed pipe (`| head`) ends the tail quietly.
    const onPipeError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') stop();
    };
    process.stdout.on('error', onPipeError);
    const json = this.jsonMode;
    const chalk = this.chalk;
    const err = (line: string) => process.stderr.write(`${line}\n`);
    const chalkErr = makeChalk(colorEnabled({ isTTY: Boolean(process.stderr.isTTY), env: process.env }));
    let lost = false;
    try {
      for await (const item of followEvents({
        target: this.target(),
        filter: { imsi: flags.imsi, type: flags.type, kinds: ['activity'] },
        reconnect: flags.reconnect,
        signal: ac.signal,
      })) {
        if (item.type === 'event') {
          const e = item.event;
          if (e.kind === 'activity') {
            // Filter here as well: an older daemon may ignore a query parameter.
            if (flags.imsi && e.record.imsi !== flags.imsi) continue;
            if (flags.type && e.record.request_type !== flags.type) continue;
            if (!process.stdout.write(json ? `${JSON.stringify(e.record)}\n` : `${formatActivityLine(e.record, chalk)}\n`)) {
              await new Promise<void>((r) => process.stdout.once('drain', r));
            }
          } else if (e.kind === 'dropped') err(`omnisep: the daemon dropped ${e.count} event(s) for this reader (too slow)`);
        } else if (item.type === 'invalid') err(`omnisep: skipped a line: ${item.reason}`);
        else if (item.type === 'status') {
          const st = item.status;
          if (st.state === 'reconnecting' && !lost) {
            lost = true;
            err(`omnisep: lost the daemon at ${st.target} (${st.reason}) — reconnecting…`);
          } else if (st.state === 'connected' && lost) {
            lost = false;
            err(`omnisep: reconnected to ${st.target}`);
          } else if (st.state === 'closed' && !ac.signal.aborted) {
            // One line on stderr, exit 1; stdout keeps nothing but records (an NDJSON reader sees a clean end).
            err(chalkErr.red(`the daemon at ${st.target} stopped (${st.reason}) — pass --reconnect to wait for it`));
            this.exit(1);
          }
        }
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.off('error', onPipeError);
    }
  }
}
