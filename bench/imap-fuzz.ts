/**
 * 1,000,000 random and mutated IMAP command lines through the framer and the parser (issue 16 § Show):
 * the only acceptable outcomes are a command or a typed parse error. Reports inputs/s, how many parsed and
 * how many were parse errors; exits 1 on anything else (a throw, another error type). Deterministic: a
 * seeded xorshift generator, so a failure can be replayed with the same seed.
 *
 *   node dist/bench/imap-fuzz.js [count] [seed]
 */
import { CommandFramer } from '../src/imap/framer.js';
import { parseCommand } from '../src/imap/parser.js';
import { IMAP_FUZZ_TOKENS, IMAP_SAMPLE_LINES } from '../src/imap/sample-lines.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
let state = Number(process.argv[3] ?? 0x9e3779b9) >>> 0 || 1;
const rnd = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state; };
const pick = <T>(a: readonly T[]) => a[rnd() % a.length]!;
const seeds = IMAP_SAMPLE_LINES.map((l) => Buffer.from(l, 'latin1'));

function line(): Buffer {
  switch (rnd() % 3) {
    case 0: return Buffer.from(Array.from({ length: rnd() % 200 }, () => rnd() & 0xff));
    case 1: {
      const b = pick(seeds);
      const at = rnd() % (b.length + 1);
      const ins = Buffer.from(Array.from({ length: 1 + (rnd() % 8) }, () => rnd() & 0xff));
      return Buffer.concat([b.subarray(0, at), ins, b.subarray(Math.min(b.length, at + (rnd() % 4)))]);
    }
    default: return Buffer.from(Array.from({ length: rnd() % 40 }, () => pick(IMAP_FUZZ_TOKENS)).join(''), 'latin1');
  }
}

const framer = new CommandFramer({ maxLine: 65536, maxLiteral: 10 * 1024 * 1024 });
let parsed = 0;
let parseErrors = 0;
let framerErrors = 0;
const t0 = performance.now();
for (let i = 0; i < COUNT; i++) {
  const input = Buffer.concat([line(), Buffer.from('\r\n')]);
  let events;
  try {
    events = framer.push(input);
  } catch (e) {
    console.error(`input ${i}: the framer threw`, e, JSON.stringify(input.toString('latin1')));
    process.exit(1);
  }
  for (const ev of events) {
    if (ev.type === 'error') { framerErrors++; if (ev.fatal) framer.reset(); continue; }
    if (ev.type !== 'frame') continue;
    const r = parseCommand(ev.frame);
    if (r.ok) parsed++;
    else if (r.error.name === 'ImapParseError') parseErrors++;
    else { console.error(`input ${i}: not a parse error`, r.error); process.exit(1); }
  }
  // A literal announced by a random line would swallow the following lines as its data: start afresh.
  if (i % 64 === 63) framer.reset();
}
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ inputs: COUNT, seconds: Number(s.toFixed(2)), inputs_per_second: Math.round(COUNT / s), parsed, parse_errors: parseErrors, framer_errors: framerErrors, other_outcomes: 0 }));
