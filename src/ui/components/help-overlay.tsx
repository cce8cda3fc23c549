/** The `?` overlay: every key, from the same table the key handler reads. Pure. */
import { Box, Text } from 'ink';
import { KEY_HELP } from '../keymap.js';
import { fit } from '../layout.js';

export function HelpOverlay({ width }: { width: number }) {
  const keyWidth = Math.max(...KEY_HELP.map(([k]) => k.length));
  const inner = Math.max(20, Math.min(width - 4, 76));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} width={inner + 4}>
      <Text bold>Keys — ? or Esc closes</Text>
      {KEY_HELP.map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text color="cyan" bold>
            {fit(k, keyWidth)}
          </Text>
          <Text>{`  ${fit(what, Math.max(1, inner - keyWidth - 2))}`}</Text>
        </Text>
      ))}
    </Box>
  );
}
