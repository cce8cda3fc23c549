/**
 * One pane as a table: a header line and the visible window of rows, the
 * selected one inverted. Every line is fitted to the width (layout.ts), so a
 * resize reflows and nothing wraps. Pure.
 */
import { Box, Text } from 'ink';
import { fitColumns, formatHeader, formatRow, outcomeOf, OUTCOME_COLOR, PANE_COLUMNS, stateColor, tokenState, windowStart } from '../layout.js';
import type { ActivityRecord } from '../../contracts/activity.js';
import type { PaneId, Row, TokenRow } from '../monitor-types.js';

/** Colour of a row: activity by outcome, the rest by their state word. */
export function rowColor(pane: PaneId, row: Row, now = 0): string | undefined {
  switch (pane) {
    case 'activity':
      return OUTCOME_COLOR[outcomeOf(row as ActivityRecord)];
    case 'sessions':
      return stateColor((row as { state: string }).state);
    case 'tokens':
      return stateColor(tokenState(row as TokenRow, now));
    case 'peers':
      return stateColor((row as { status: string }).status);
  }
}

const EMPTY: Record<PaneId, string> = {
  activity: 'no activity yet — requests appear here as the daemon answers them',
  sessions: 'no EAP sessions',
  tokens: 'no tokens',
  peers: 'no Diameter peers',
};

export interface TablePaneProps {
  pane: PaneId;
  rows: readonly Row[];
  selected: number;
  now: number;
  width: number;
  height: number;
  filtered: boolean;
}

export function TablePane({ pane, rows, selected, now, width, height, filtered }: TablePaneProps) {
  const cols = fitColumns(PANE_COLUMNS[pane], width);
  const start = windowStart(selected, rows.length, height);
  const shown = rows.slice(start, start + height);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        {formatHeader(cols, width)}
      </Text>
      {shown.length === 0 ? (
        <Text dimColor wrap="truncate">
          {filtered ? 'nothing matches the filter (Esc clears it)' : EMPTY[pane]}
        </Text>
      ) : (
        shown.map((row, i) => {
          const line = formatRow(cols, row, now, width);
          const isSel = start + i === selected;
          return (
            <Text key={`${start + i}`} wrap="truncate" color={rowColor(pane, row, now)} inverse={isSel}>
              {line}
            </Text>
          );
        })
      )}
    </Box>
  );
}
