/** Bottom line: the filter being typed, or the key hints and counters. Pure. */
import { Text } from 'ink';
import { fit } from '../layout.js';
import { Line } from './line.js';
import { confirmPrompt, type MonitorState } from '../monitor-state.js';
import { zoneLabel } from '../time-format.js';

const STATUS_COLOR = { info: 'cyan', ok: 'green', error: 'red' } as const;

export function Footer({ state, width, total }: { state: MonitorState; width: number; total: number }) {
  const { ui, counters } = state;
  if (ui.filterDraft !== null) {
    return (
      <Text wrap="truncate">
        <Text color="cyan" bold>
          /
        </Text>
        <Text>{fit(`${ui.filterDraft}█  (IMSI or text; Enter apply, Esc cancel)`, width - 1)}</Text>
      </Text>
    );
  }
  if (ui.confirm) {
    return (
      <Text color="yellow" bold wrap="truncate">
        {fit(confirmPrompt(ui.confirm), width)}
      </Text>
    );
  }
  const pos = total ? `${Math.min(ui.selected[ui.pane] + 1, total)}/${total}` : '0/0';
  const right = `${pos}  events ${counters.received}  ${zoneLabel(state.time, state.now)}`;
  if (ui.status && !ui.detail) {
    // The last action's outcome replaces the key hints until the next one (? lists the keys).
    return <Line width={width} parts={[{ text: fit(ui.status.text, Math.max(1, width - right.length - 1)), color: STATUS_COLOR[ui.status.level] }, { text: ` ${right}`, dim: true }]} />;
  }
  const full = ui.detail ? 'Esc back  q quit' : '1-8/Tab pane  ↑↓ select  Enter detail  / filter  s sort  ^D delete  l activity  ? help  q quit';
  const hints = width >= full.length + right.length + 1 ? full : ui.detail ? 'Esc back' : '? help  q quit';
  const gap = Math.max(1, width - hints.length - right.length);
  return <Line width={width} parts={[{ text: fit(`${hints}${' '.repeat(gap)}${right}`, width), dim: true }]} />;
}
