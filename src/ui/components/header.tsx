/**
 * The monitor's header: who and where (version, uptime, connection,
 * listeners), the last minute of request rate as a sparkline, error rate,
 * EAP success ratio, and the pane tabs. Pure: props in, elements out.
 */
import { Box, Text } from 'ink';
import { Line } from './line.js';
import { age } from '../../util/age.js';
import { fit, sparkline } from '../layout.js';
import { eapSuccessRatio, PANES, RATE_WINDOW, type MonitorState } from '../monitor-state.js';

const CONNECTION_LABEL: Record<MonitorState['connection']['state'], [string, string]> = {
  connecting: ['connecting…', 'yellow'],
  connected: ['connected', 'green'],
  reconnecting: ['reconnecting…', 'yellow'],
  closed: ['disconnected', 'red'],
};

const last = (xs: readonly number[]): number => (xs.length ? xs[xs.length - 1]! : 0);
const rate = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

export function Header({ state, width }: { state: MonitorState; width: number }) {
  const { hello, connection, rates, counters, ui } = state;
  const [label, color] = CONNECTION_LABEL[connection.state];
  const version = hello ? `omnisep ${hello.version}` : 'omnisep';
  const uptime = hello ? `up ${age(state.now - Date.parse(hello.started_at))}` : '';
  const retry = connection.state === 'reconnecting' ? ` (attempt ${connection.attempt}: ${connection.reason ?? ''})` : '';
  const listeners = Object.entries(state.listeners)
    .map(([k, v]) => `${k} ${v}`)
    .join('  ');
  const ident = [version, uptime].filter(Boolean).join(' · ');
  const line1Rest = width - ident.length - 3 - label.length;

  const sparkWidth = Math.max(10, Math.min(RATE_WINDOW, width - 70));
  const ratio = eapSuccessRatio(state);
  const eap = ratio === null ? 'EAP ok -' : `EAP ok ${(ratio * 100).toFixed(1)}% (${rates.eap_success}/${rates.eap_success + rates.eap_failure})`;
  const errNow = last(rates.errors);
  const extras = [
    counters.dropped ? `dropped ${counters.dropped}` : '',
    // The daemon sends this TUI at most --sample activity records a second; the rest are counted, not lost.
    counters.sampled ? `sampled ≤${counters.samplePerSecond}/s, ${counters.sampled} not shown` : '',
    ui.paused ? `PAUSED${state.held.length ? ` +${state.held.length}` : ''}` : '',
  ].filter(Boolean);
  // Eight tabs and a filter do not fit a narrow terminal: then only the current tab keeps its title.
  const filter = ui.filter ? `  filter: ${ui.filter}` : '';
  const short = PANES.reduce((n, p) => n + p.key.length + p.title.length + 3, 0) + filter.length > width;

  return (
    <Box flexDirection="column" width={width}>
      <Line
        width={width}
        parts={[
          { text: ident, bold: true },
          { text: ' · ' },
          { text: label, color },
          { text: fit(`${retry}  ${listeners}`, Math.max(0, line1Rest)), dim: true },
        ]}
      />
      <Line
        width={width}
        parts={[
          { text: 'req/s ' },
          { text: rate(last(rates.requests)).padStart(5), bold: true },
          { text: ' ' },
          { text: sparkline(rates.requests, sparkWidth), color: 'cyan' },
          { text: '  err/s ' },
          { text: rate(errNow), color: errNow > 0 ? 'red' : undefined, bold: true },
          { text: `  ${eap}` },
          ...extras.map((x) => ({ text: `  ${x}`, color: x.startsWith('PAUSED') ? 'magenta' : 'yellow', bold: true })),
        ]}
      />
      <Text wrap="truncate">
        {PANES.map((p) => (
          <Text key={p.id} inverse={p.id === ui.pane} bold={p.id === ui.pane}>
            {p.id === ui.pane || !short ? ` ${p.key} ${p.title} ` : ` ${p.key} `}
          </Text>
        ))}
        <Text dimColor>{filter}</Text>
      </Text>
    </Box>
  );
}
