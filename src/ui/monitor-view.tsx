/**
 * The whole monitor screen from the state and the terminal size: header,
 * the current pane (or a record's detail, or the help overlay), footer.
 * Pure: the golden-frame tests render it from fixture events.
 */
import { Box } from 'ink';
import { DetailView } from './components/detail-view.js';
import { Footer } from './components/footer.js';
import { Header } from './components/header.js';
import { HelpOverlay } from './components/help-overlay.js';
import { TablePane } from './components/table-pane.js';
import { screenLayout } from './layout.js';
import { detailRow, paneActivity, paneGroup, visibleRows, type MonitorState } from './monitor-state.js';

export interface MonitorViewProps {
  state: MonitorState;
  columns: number | undefined;
  rows: number | undefined;
}

export function MonitorView({ state, columns, rows }: MonitorViewProps) {
  const L = screenLayout(columns, rows);
  const { ui } = state;
  const list = visibleRows(state);
  let body;
  if (ui.help) body = <HelpOverlay width={L.width} />;
  else if (ui.detail)
    body = <DetailView pane={ui.detail.pane} row={detailRow(state)} width={L.width} height={L.bodyRows} scroll={ui.detailScroll} time={state.time} />;
  else
    body = (
      <TablePane
        pane={ui.pane}
        rows={list}
        selected={ui.selected[ui.pane]}
        ctx={{ now: state.now, time: state.time }}
        width={L.width}
        height={L.bodyRows}
        filtered={Boolean(ui.filter)}
        sort={ui.sort[ui.pane]}
        strip={paneGroup(ui.pane) ? paneActivity(state, ui.pane, 8) : undefined}
      />
    );
  return (
    <Box flexDirection="column" width={L.width}>
      <Header state={state} width={L.width} />
      <Box flexDirection="column" height={L.bodyRows + 1} overflowY="hidden">
        {body}
      </Box>
      <Footer state={state} width={L.width} total={list.length} />
    </Box>
  );
}
