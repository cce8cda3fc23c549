/**
 * Every field of one record, flattened to `key  value` lines. Secrets never
 * show: the contracts carry none, and any field named like one (token value,
 * keys, Authorization, Cookie, PIN, password) is masked here as well. Pure.
 */
import { Box, Text } from 'ink';
import { fit } from '../layout.js';
import type { PaneId, Row } from '../monitor-state.js';

/** Field names that hold secrets (never shown even if a daemon sent one). */
const SECRET_KEY = /^(token|temporary_token|notif_token|access_token|authorization|proxy-authorization|cookie|set-cookie|ki|opc?|ck|ik|msk|emsk|k_?aut|k_?encr|k_?re|res|xres|pin|password|passwd|secret|signing_secret)$/i;
export const MASK = '[REDACTED]';

/** `[dotted.key, text]` for every leaf of `row`, secrets masked. */
export function detailLines(row: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (prefix: string, key: string, v: unknown): void => {
    if (key && SECRET_KEY.test(key)) {
      out.push([prefix, MASK]);
      return;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0 && prefix) out.push([prefix, '{}']);
      for (const [k, sub] of entries) walk(prefix ? `${prefix}.${k}` : k, k, sub);
    } else if (Array.isArray(v)) {
      out.push([prefix, v.length ? v.map((x) => (x && typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : '[]']);
    } else out.push([prefix, v === null || v === undefined ? '-' : String(v)]);
  };
  walk('', '', row);
  return out;
}

const TITLE: Record<PaneId, string> = { activity: 'Activity record', sessions: 'EAP session', tokens: 'Token', peers: 'Diameter peer' };

export function DetailView({ pane, row, width, height }: { pane: PaneId; row: Row | null; width: number; height: number }) {
  if (!row) {
    return (
      <Box flexDirection="column" width={width}>
        <Text bold>{TITLE[pane]}</Text>
        <Text dimColor>this record has left the buffer — Esc to go back</Text>
      </Box>
    );
  }
  const lines = detailLines(row);
  const keyWidth = Math.min(34, Math.max(...lines.map(([k]) => k.length)));
  // The title and (when cut) the "more" line share the pane's height + 1 lines.
  const visible = lines.length <= height ? lines : lines.slice(0, Math.max(1, height - 1));
  const more = lines.length - visible.length;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        {fit(`${TITLE[pane]} — Esc back`, width)}
      </Text>
      {visible.map(([k, v]) => (
        <Text key={k} wrap="truncate">
          <Text color="cyan">{fit(k, keyWidth)}</Text>
          <Text>{`  ${fit(v.replace(/\s+/g, ' '), Math.max(1, width - keyWidth - 2))}`}</Text>
        </Text>
      ))}
      {more > 0 ? <Text dimColor>{`… ${more} more field(s) — enlarge the terminal to see them`}</Text> : null}
    </Box>
  );
}
