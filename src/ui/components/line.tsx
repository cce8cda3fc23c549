/**
 * One line of the monitor as ink draws it: the same on screen as a truncated `<Text>` of coloured parts, cheaper to
 * draw, and nothing kept once the line changes (docs/performance.md § Thirtieth round).
 *
 * - ink measures a text node's width with string-width two or three times a frame, and string-width takes a fast
 *   path only for printable ASCII: a 120-column row with one `…` cut marker took ≈ 80 µs a measure against 0.4;
 * - ink 6 keeps every text it measured in a module-level map it never empties (vadimdemedes/ink#986, fixed in ink 7,
 *   which needs Node 22): every row, header and footer a busy monitor drew, ≈ 220 bytes each, for good.
 *
 * So a line whose characters are each one column wide (printable ASCII and the few symbols the monitor draws) and
 * which fits its width goes to ink as blanks of its width, one string per width, measured once; its parts, coloured,
 * replace the blanks as ink writes the line (a `Transform`). Any other line (a terminal's wide characters, a header
 * wider than a narrow terminal) is the truncated Text it always was. Pure.
 */
import chalk from 'chalk';
import { Text, Transform } from 'ink';

/**
 * Characters string-width (and so ink) counts as one column: printable ASCII, and the symbols the monitor's rows and
 * header draw (East Asian Width "ambiguous", narrow in a Western terminal as in ink's count).
 */
const ONE_COLUMN = /^[\x20-\x7e…·↑↓≤─▁▂▃▄▅▆▇█]*$/;

/** True when `text` is as many columns wide as it has UTF-16 units (the blanks stand in for it exactly). */
export const oneColumnEach = (text: string): boolean => ONE_COLUMN.test(text);

const blanks = new Map<number, string>();
/** The blank stand-in of a width: one string per width, so ink measures (and keeps) each width once. */
export function blank(width: number): string {
  let b = blanks.get(width);
  if (b === undefined) blanks.set(width, (b = ' '.repeat(width)));
  return b;
}

/** A part of a line and its style (a subset of ink's Text props). */
export interface Part {
  text: string;
  /** A chalk colour name (the monitor's are `green`, `red`, `yellow`, `cyan`, `magenta`). */
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

/** A part coloured in the order ink's Text applies its styles (dim, colour, bold, inverse), so the escape codes match. */
export function painted(p: Part): string {
  let s = p.text;
  if (p.dim) s = chalk.dim(s);
  if (p.color && p.color in chalk) s = chalk[p.color as 'green'](s);
  if (p.bold) s = chalk.bold(s);
  if (p.inverse) s = chalk.inverse(s);
  return s;
}

const textProps = (p: Part) => ({ color: p.color, bold: p.bold, dimColor: p.dim, inverse: p.inverse });

/** A line of parts, cut at `width` columns as a truncated Text would be (default: no cut needed, as a fitted row). */
export function Line({ parts, width = Infinity }: { parts: readonly Part[]; width?: number }) {
  const plain = parts.length === 1 ? parts[0]!.text : parts.map((p) => p.text).join('');
  if (oneColumnEach(plain) && plain.length <= width) {
    const out = parts.map(painted).join('');
    return <Transform transform={() => out}>{blank(plain.length)}</Transform>;
  }
  if (parts.length === 1) {
    return (
      <Text wrap="truncate" {...textProps(parts[0]!)}>
        {plain}
      </Text>
    );
  }
  return (
    <Text wrap="truncate">
      {parts.map((p, i) => (
        <Text key={i} {...textProps(p)}>
          {p.text}
        </Text>
      ))}
    </Text>
  );
}

/** A table row (fitted to the width by layout.ts): one part, its outcome's or state's colour, inverted when selected. */
export function RowLine({ text, color, inverse = false }: { text: string; color?: string; inverse?: boolean }) {
  return <Line parts={[{ text, color, inverse }]} />;
}
