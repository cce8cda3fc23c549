/** Bottom line: the filter being typed, or the key hints and counters. Pure. */
import { Text } from 'ink';
import { fit } from '../layout.js';
import type { MonitorState } from '../monitor-state.js';

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
  const pos = total ? `${Math.min(ui.selected[ui.pane] + 1, total)}/${total}` : '0/0';
  const full = ui.detail ? 'Esc back  q quit' : '1-4/Tab pane  ↑↓ select  Enter detail  / filter  p pause  ? help  q quit';
  const right = `${pos}  events ${counters.received}`;
  const hints = width >= full.length + right.length + 1 ? full : ui.detail ? 'Esc back' : '? help  q quit';
  const gap = Math.max(1, width - hints.length - right.length);
  return (
    <Text dimColor wrap="truncate">
      {fit(`${hints}${' '.repeat(gap)}${right}`, width)}
    </Text>
  );
}
