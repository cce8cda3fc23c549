/**
 * Keys of `omnisep monitor`, as data: the help overlay is rendered from the
 * same table that `keyToAction` reads, so the two cannot disagree.
 * Pure: ink's `useInput` hands (input, key) here and dispatches the result.
 */
import type { MonitorState, UiAction } from './monitor-state.js';
import { PANES } from './monitor-state.js';

/** The subset of ink's `Key` the monitor reads (so tests need not build a full one). */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

/** Rows one PgUp/PgDn moves (the pane height is not known here; a screenful of a small terminal). */
export const PAGE = 10;

/** Shown by `?`: keys → what they do. */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['1 2 3 4', 'Activity · Sessions · Tokens · Diameter peers'],
  ['5 6 7 8', 'VVM accounts · VVM SMS backlog · ODSA · push backlog'],
  ['Tab / Shift-Tab', 'next / previous pane'],
  ['↑ ↓  j k', 'select a row (in a record: scroll it)'],
  ['PgUp PgDn', 'scroll a page'],
  ['Home End  g G', 'newest / oldest'],
  ['Enter', 'open the selected record (every field; secrets never shown)'],
  ['Esc', 'back: close detail or help, then clear the filter'],
  ['/', 'filter by IMSI or any text (Enter apply, Esc cancel)'],
  ['p', 'pause / resume the activity list'],
  ['s / S', 'sort by the next column / reverse it (↑↓ in the header)'],
  ['Ctrl-D  x', 'revoke the token / drop the EAP session (asks y/N)'],
  ['l', 'activity of the selected row\'s IMSI (with its history)'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

/**
 * One read can hold several keys (`jjj` typed fast, pasted, or tmux `send-keys -l jjj`): ink hands
 * them over as one `input`. Plain printable characters are split so each is its own key and sees
 * the state the previous one made; anything with a modifier or a special key stays whole (ink has
 * already decoded it as one key). The filter prompt takes text chunks either way; an Enter inside the read is its
 * own key.
 */
export function splitBurst(input: string, key: KeyInfo): Array<{ input: string; key: KeyInfo }> {
  const special = key.ctrl || key.meta || key.escape || key.return || key.tab || key.backspace || key.delete
    || key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.home || key.end;
  const chars = [...input];
  if (special || chars.length < 2) return [{ input, key }];
  // Text and Enter in one read (a paste, or typing faster than the screen reads): the Enter is a key of its own, as
  // ink gives a lone Enter (no input, `return`), not a control character the filter prompt would drop. A pasted
  // line end `\r\n` is one Enter, not two (the second would act on the screen the first made).
  const keys = chars.filter((ch, i) => !(ch === '\n' && chars[i - 1] === '\r'));
  return keys.map((ch) => (ch === '\r' || ch === '\n' ? { input: '', key: { return: true } } : { input: ch, key: ch >= 'A' && ch <= 'Z' ? { shift: true } : {} }));
}

export function keyToAction(input: string, key: KeyInfo, ui: Pick<MonitorState['ui'], 'filterDraft' | 'help' | 'detail'> & Partial<Pick<MonitorState['ui'], 'confirm'>>): UiAction | null {
  // A destructive action waits for y; any other key (Esc, n, Enter, q…) says no, like `rm -i`.
  if (ui.confirm) return input === 'y' || input === 'Y' ? { type: 'confirm-yes' } : { type: 'confirm-no' };
  // Typing a filter: every printable key is text.
  if (ui.filterDraft !== null) {
    if (key.return) return { type: 'filter-apply' };
    if (key.escape) return { type: 'filter-cancel' };
    if (key.backspace || key.delete) return { type: 'filter-backspace' };
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow) return null;
    // eslint-disable-next-line no-control-regex
    const text = input.replace(/[\u0000-\u001f\u007f]/g, '');
    return text ? { type: 'filter-input', text } : null;
  }
  if (input === 'q') return { type: 'quit' };
  if (key.escape) return { type: 'back' };
  if (input === '?') return { type: 'help' };
  if (ui.help) return null;
  if (key.tab) return { type: 'next-pane', delta: key.shift ? -1 : 1 };
  const pane = PANES.find((p) => p.key === input);
  if (pane) return { type: 'pane', pane: pane.id };
  if (input === '/') return { type: 'filter-start' };
  if (input === 'p') return { type: 'pause' };
  if (ui.detail) {
    if (key.upArrow || input === 'k') return { type: 'scroll', delta: -1 };
    if (key.downArrow || input === 'j') return { type: 'scroll', delta: 1 };
    if (key.pageUp) return { type: 'scroll', delta: -PAGE };
    if (key.pageDown) return { type: 'scroll', delta: PAGE };
    if (key.home || input === 'g') return { type: 'scroll', delta: -Number.MAX_SAFE_INTEGER };
    if (key.end || input === 'G') return { type: 'scroll', delta: Number.MAX_SAFE_INTEGER };
    return null;
  }
  if (key.return) return { type: 'open' };
  if ((key.ctrl && input === 'd') || input === 'x') return { type: 'delete' };
  if (input === 'l') return { type: 'activity-of' };
  if (input === 's') return { type: 'sort-next' };
  if (input === 'S') return { type: 'sort-reverse' };
  if (key.upArrow || input === 'k') return { type: 'move', delta: -1 };
  if (key.downArrow || input === 'j') return { type: 'move', delta: 1 };
  if (key.pageUp) return { type: 'move', delta: -PAGE };
  if (key.pageDown) return { type: 'move', delta: PAGE };
  if (key.home || input === 'g') return { type: 'top' };
  if (key.end || input === 'G') return { type: 'bottom' };
  return null;
}
