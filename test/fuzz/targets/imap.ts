/**
 * The IMAP command stream (src/imap): bytes as a client sends them go through the streaming
 * framer (literals, line and literal limits) in random-sized chunks, and every frame through the
 * parser. Framer errors are events and parse failures are results: neither may throw.
 */
import { CommandFramer } from '../../../src/imap/framer.js';
import { ImapParseError, parseCommand } from '../../../src/imap/parser.js';
import { IMAP_FUZZ_TOKENS, IMAP_SAMPLE_LINES } from '../../../src/imap/sample-lines.js';
import type { FuzzTarget } from '../engine.js';

const target: FuzzTarget = {
  name: 'imap',
  describe: 'IMAP framer (chunked, literals, limits) + parseCommand on every frame',
  seeds: () => IMAP_SAMPLE_LINES.map((l) => Buffer.from(l.endsWith('\r\n') ? l : `${l}\r\n`)),
  tokens: IMAP_FUZZ_TOKENS,
  expected: (e) => e instanceof ImapParseError,
  maxLength: 4096,
  run(input) {
    const framer = new CommandFramer({ maxLine: 1024, maxLiteral: 2048 });
    // Chunk boundaries from the input itself, so a run is deterministic.
    let at = 0;
    while (at < input.length) {
      const size = 1 + (input[at]! % 97);
      for (const ev of framer.push(input.subarray(at, at + size))) {
        if (ev.type === 'frame') {
          const r = parseCommand(ev.frame);
          if (!r.ok && !(r.error instanceof ImapParseError)) throw new Error('parseCommand returned a foreign error');
        }
      }
      at += size;
    }
  },
};
export default target;
