/**
 * The IMSI check shared by the CLI's flags and the UE simulator's options
 * (TS 23.003 §2.2: MCC (3) + MNC (2-3) + MSIN, 15 digits in all). Pure: it
 * says what is wrong and what would be right; callers throw their own error.
 */

/** Why `raw` is not an IMSI, as a sentence naming `what` (e.g. `--imsi`); undefined when it is one. */
export function imsiProblem(raw: string, what = 'IMSI'): string | undefined {
  const s = raw.trim();
  if (/^[0-9]{15}$/.test(s)) return undefined;
  const digits = s.replace(/\D/g, '');
  const why = /\D/.test(s)
    ? `contains ${JSON.stringify(s.replace(/[0-9]/g, '')[0])}, which is not a digit`
    : `has ${digits.length} digit${digits.length === 1 ? '' : 's'}`;
  return `${what} ${JSON.stringify(raw)} ${why}; expected exactly 15 digits (MCC+MNC+MSIN), e.g. 001010000000001`;
}
