/**
 * Every field of one record (detail.ts: flattened, secrets masked, long
 * values wrapped), scrolled with ↑↓ when taller than the pane. Pure.
 */
import { Box, Text } from 'ink';
import { detailDisplay, detailStart } from '../detail.js';
import { fit } from '../layout.js';
import type { PaneId, Row } from '../monitor-types.js';
import type { TimeFormat } from '../time-format.js';

const TITLE: Record<PaneId, string> = {
  activity: 'Activity record', sessions: 'EAP session', tokens: 'Token', peers: 'Diameter peer',
  vvm: 'VVM account', sms: 'VVM SMS', odsa: 'ODSA subscription', push: 'Push backlog entry',
};

export function DetailView({ pane, row, width, height, scroll = 0, time = 'iso' }: { pane: PaneId; row: Row | null; width: number; height: number; scroll?: number; time?: TimeFormat }) {
  if (!row) {
    return (
      <Box flexDirection="column" width={width}>
        <Text bold>{TITLE[pane]}</Text>
        <Text dimColor>this record has left the buffer — Esc to go back</Text>
      </Box>
    );
  }
  const { keyWidth, lines } = detailDisplay(row, width, time);
  // The title and (when it does not all fit) a position line share the pane's height + 1 lines.
  const fits = lines.length <= height;
  const room = fits ? height : Math.max(1, height - 1);
  const start = detailStart(lines.length, height, scroll);
  const visible = lines.slice(start, start + room);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        {fit(`${TITLE[pane]} — Esc back`, width)}
      </Text>
      {visible.map((l, i) => (
        <Text key={`${start + i}`} wrap="truncate">
          <Text color="cyan">{fit(l.key, keyWidth)}</Text>
          <Text>{`  ${l.text}`}</Text>
        </Text>
      ))}
      {fits ? null : (
        <Text dimColor wrap="truncate">
          {fit(`lines ${start + 1}–${start + visible.length} of ${lines.length} — ↑↓ PgUp PgDn scroll`, width)}
        </Text>
      )}
    </Box>
  );
}
