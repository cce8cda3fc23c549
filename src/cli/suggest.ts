/**
 * "Did you mean" for a mistyped command (git's and kubectl's habit): the
 * closest command id by edit distance, word by word, keeping the words that
 * follow it as its arguments (`entitlment get 001019990000001` → `entitlement
 * get 001019990000001`: oclif folds everything before the first flag into the
 * id it looks for). Pure.
 */

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** A word is close enough when at most a third of it (at least one letter) is wrong. */
const close = (typed: string, known: string): number | undefined => {
  const d = editDistance(typed.toLowerCase(), known);
  return d <= Math.max(1, Math.floor(known.length / 3)) ? d : undefined;
};

export interface Suggestion {
  /** The command (or topic) meant, words separated by spaces. */
  command: string;
  /** The words typed after it: its arguments. */
  rest: string[];
}

/**
 * The best command or topic for what was typed (`typed` = oclif's id, words
 * joined by ":"), or undefined when nothing is close. Fewer wrong letters win;
 * on a tie the longer command (a command over its topic).
 */
export function suggestCommand(typed: string, known: readonly string[]): Suggestion | undefined {
  const words = typed.split(':').filter((w) => w !== '');
  let best: { id: string[]; distance: number } | undefined;
  for (const id of known) {
    const kw = id.split(':');
    if (kw.length > words.length) continue;
    let distance = 0;
    for (let i = 0; i < kw.length && distance !== Infinity; i++) distance += close(words[i]!, kw[i]!) ?? Infinity;
    if (distance === Infinity) continue;
    if (!best || distance < best.distance || (distance === best.distance && kw.length > best.id.length)) best = { id: kw, distance };
  }
  return best ? { command: best.id.join(' '), rest: words.slice(best.id.length) } : undefined;
}
