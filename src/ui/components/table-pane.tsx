/**
 * One pane as a table: a header line and the visible window of rows, the
 * selected one inverted. Every line is fitted to the width (layout.ts), so a
 * resize reflows and nothing wraps. Pure.
 */
import { Box, Text } from 'ink';
import {
  ACTIVITY_COLUMNS, fit, fitColumns, formatHeader, formatRow, outcomeOf, OUTCOME_COLOR, PANE_COLUMNS, stateColor, tokenState, windowStart,
  type RowCtx, type SortSpec,
} from '../layout.js';
import type { ActivityRecord } from '../../contracts/activity.js';
import type { PaneId, Row, TokenRow } from '../monitor-types.js';
import { RowLine } from './line.js';

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
    case 'vvm':
      return stateColor((row as { status: string }).status);
    case 'sms':
    case 'odsa':
    case 'push':
      return stateColor((row as { state: string }).state);
  }
}

const EMPTY: Record<PaneId, string> = {
  activity: 'no activity yet — requests appear here as the daemon answers them',
  sessions: 'no EAP sessions',
  tokens: 'no tokens',
  peers: 'no Diameter peers',
  vvm: 'no VVM accounts (or VVM is off)',
  sms: 'the VVM SMS backlog is empty',
  odsa: 'no ODSA subscriptions (or ODSA is off)',
  push: 'the push backlog is empty',
};

/** Title of the activity strip under a VVM or ODSA table. */
const STRIP_TITLE: Partial<Record<PaneId, string>> = { vvm: 'VVM activity', sms: 'VVM activity', odsa: 'ODSA and push activity', push: 'ODSA and push activity' };
/** Lines the strip takes (title, column header, records) when the pane has room. */
export const stripLines = (pane: PaneId, height: number): number => (STRIP_TITLE[pane] && height >= 12 ? Math.min(8, Math.floor(height / 3)) : 0);

export interface TablePaneProps {
  pane: PaneId;
  rows: readonly Row[];
  selected: number;
  ctx: RowCtx;
  width: number;
  height: number;
  filtered: boolean;
  sort?: SortSpec;
  /** VVM/ODSA panes: the newest activity of that area, shown under the table (`stripLines` of the height). */
  strip?: readonly ActivityRecord[];
}

export function TablePane({ pane, rows, selected, ctx, width, height: full, filtered, sort, strip }: TablePaneProps) {
  const now = ctx.now;
  const cols = fitColumns(PANE_COLUMNS[pane], width);
  const stripN = strip ? stripLines(pane, full) : 0;
  const height = full - stripN;
  const start = windowStart(selected, rows.length, height);
  const shown = rows.slice(start, start + height);
  const acols = stripN ? fitColumns(ACTIVITY_COLUMNS, width) : [];
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        {formatHeader(cols, width, sort)}
      </Text>
      {shown.length === 0 ? (
        <Text dimColor wrap="truncate">
          {filtered ? 'nothing matches the filter (Esc clears it)' : EMPTY[pane]}
        </Text>
      ) : (
        shown.map((row, i) => {
          const line = formatRow(cols, row, ctx, width);
          const isSel = start + i === selected;
          return <RowLine key={`${start + i}`} text={line} color={rowColor(pane, row, now)} inverse={isSel} />;
        })
      )}
      {stripN ? (
        <Box flexDirection="column" width={width} height={stripN} marginTop={Math.max(0, height - Math.max(1, shown.length))}>
          <Text bold dimColor wrap="truncate">
            {fit(`── ${STRIP_TITLE[pane]} (newest first) ${'─'.repeat(width)}`, width + 1).slice(0, width)}
          </Text>
          {strip!.length === 0 ? (
            <Text dimColor wrap="truncate">
              {fit('none yet', width)}
            </Text>
          ) : (
            strip!.slice(0, stripN - 1).map((r) => <RowLine key={r.id} text={formatRow(acols, r, ctx, width)} color={OUTCOME_COLOR[outcomeOf(r)]} />)
          )}
        </Box>
      ) : null}
    </Box>
  );
}
