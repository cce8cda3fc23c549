import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { imsiFlag } from '../src/cli/args.js';
import { UsageError } from '../src/cli/errors.js';
import { describeTarget } from '../src/client/control-client.js';
import { DEFAULT_CAPACITY, DEFAULT_SAMPLE } from '../src/ui/monitor-state.js';
import { daemonSource } from '../src/ui/daemon-source.js';
import { TIME_FORMATS, type TimeFormat } from '../src/ui/time-format.js';

/** Alternate screen on/off (like htop, k9s): the shell's scrollback is left as it was. */
const ENTER_ALT = '\u001b[?1049h\u001b[H';
const LEAVE_ALT = '\u001b[?1049l';

export default class Monitor extends BaseCommand<typeof Monitor, void> {
  static override summary = 'Watch the daemon live in an interactive terminal UI.';
  static override description = [
    'Panes: Activity (newest first, coloured by outcome), EAP sessions, tokens, Diameter peers, VVM accounts, the VVM SMS',
    'backlog, ODSA subscriptions and the push backlog (the last four with their area\'s newest activity below), under a',
    'header with the daemon\'s version, uptime, listeners, the request rate of the last minute, the error rate and the EAP',
    'success ratio. Each pane opens with recent history from the admin API (the newest --buffer records), then follows live.',
    '',
    'Keys: 1-8 or Tab switch panes, ↑↓ select, Enter opens a record (every field; secrets are never shown), Esc goes back,',
    '/ filters by IMSI or text, s sorts by the next column and S reverses it, Ctrl-D (or x) revokes the selected token or',
    'drops the selected EAP session after a y/N confirmation, l shows the activity of the selected row\'s IMSI,',
    'p pauses the activity list, ? lists the keys, q quits. The outcome of an action (or the API\'s error) shows in the',
    'status line.',
    '',
    'Times are shown one way everywhere, lists and detail: --time iso (the default, UTC, as the CLI prints them) or',
    '--time local (this terminal\'s zone, with its offset).',
    '',
    'Follows the daemon\'s live event stream (GET /api/events) and survives the daemon restarting: the header says',
    '"reconnecting…" and the monitor carries on when it is back. Needs a terminal; for pipes and logs use',
    '`omnisep activity tail --json`.',
  ].join('\n');

  static override examples = [
    { description: 'Watch the local daemon', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Start filtered on one subscriber', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001' },
    { description: 'A daemon on another socket, keeping the newest 5000 records', command: '<%= config.bin %> <%= command.id %> --socket /run/omnisep/omnisep.sock --buffer 5000' },
    { description: 'Times in this terminal\'s zone instead of UTC', command: '<%= config.bin %> <%= command.id %> --time local' },
  ];

  static override flags = {
    imsi: Flags.string({ summary: 'Start with the filter set to this IMSI (or any text); / changes it.', helpValue: 'IMSI' }),
    time: Flags.string({
      summary: 'How times are shown, in lists and detail: iso (UTC) or local (this terminal\'s zone).',
      options: [...TIME_FORMATS],
      default: 'iso',
      helpValue: 'iso|local',
    }),
    buffer: Flags.integer({
      summary: 'Newest records kept per list, and read as history on open (memory stays bounded).',
      default: DEFAULT_CAPACITY,
      min: 10,
      max: 100_000,
      helpValue: 'N',
    }),
    sample: Flags.integer({
      summary: 'Most activity records a second the daemon sends this monitor; 0 sends every one.',
      description: [
        'Past this rate the daemon sends an even sample and counts the rest; the header shows "sampled ≤N/s, M not shown".',
        'The activity log keeps every record. The / filter and --imsi apply to the records sent, so on a busy daemon some of',
        'a subscriber\'s records may not be listed: l on its row (or omnisep activity ls --imsi) reads them all from the log,',
        'and --sample 0 sends every record (the monitor then spends more CPU; docs/performance.md § Thirtieth round).',
      ].join('\n'),
      default: DEFAULT_SAMPLE,
      min: 0,
      max: 1_000_000,
      helpValue: 'N',
    }),
    fps: Flags.integer({
      summary: 'Most screen updates per second (events are batched between frames).',
      description: 'Each frame redraws the whole screen; 2 a second keeps the monitor\'s CPU low on a busy host (htop refreshes every 1.5 s).',
      default: 2,
      min: 1,
      max: 30,
      helpValue: 'N',
    }),
  };

  /** The screen is the output. */
  protected render(): string {
    return '';
  }

  async run(): Promise<void> {
    const { flags } = this;
    if (this.jsonEnabled() || !process.stdout.isTTY || !process.stdin.isTTY) {
      throw new UsageError(
        'omnisep monitor needs an interactive terminal (stdin and stdout must be a TTY) — to follow activity in a pipe or a log, use: omnisep activity tail --json',
      );
    }
    // React's development build times and diffs every commit (several times the CPU):
    // the TUI loads the production build unless NODE_ENV says otherwise, hence the late imports.
    process.env.NODE_ENV ??= 'production';
    // ink renders only the final frame when it believes it runs in CI (is-in-ci reads CI and
    // CONTINUOUS_INTEGRATION once, at import). Both ends here are a TTY, so a person is
    // watching: the monitor is interactive whatever the environment says.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const [{ render }, { createElement }, { MonitorApp }] = await Promise.all([import('ink'), import('react'), import('../src/ui/monitor-app.js')]);
    const target = this.target();
    const source = daemonSource(target, { history: flags.buffer, filter: { sample: flags.sample } });
    process.stdout.write(ENTER_ALT);
    const app = render(
      createElement(MonitorApp, { source, capacity: flags.buffer, frameMs: Math.round(1000 / flags.fps), filter: flags.imsi, target: describeTarget(target), time: flags.time as TimeFormat }),
      { maxFps: flags.fps, exitOnCtrlC: true, patchConsole: true },
    );
    try {
      await app.waitUntilExit();
    } finally {
      app.cleanup();
      process.stdout.write(LEAVE_ALT);
    }
  }
}
