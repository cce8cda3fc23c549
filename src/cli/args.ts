/**
 * Custom oclif Args and Flags for the values every command takes: IMSI, TS.43
 * app id, MSISDN, hex keys, ids, times. Validation is declared on the
 * argument, not called in `run()`: oclif runs the parse function before the
 * command, and a bad value is a UsageError (exit 2) that says what would be
 * right (src/cli/validate.ts holds the checks).
 *
 *   static override args = { imsi: imsiArg({ required: true }), app: appIdArg({ required: true }) };
 *   static override flags = { imsi: imsiFlag(), ki: hexFlag(32, { required: true, summary: 'Ki' }) };
 */
import { Args, Flags } from '@oclif/core';
import type { EntitlementAppId } from '../contracts/entitlement-apps.js';
import { UsageError } from './errors.js';
import { parseActivityType, parseAppId, parseId, parseImsi, parseIntIn, parseKnownAppId, parseTime } from './validate.js';
import { parseMsisdnArg } from './xcap-render.js';
import { SUPPORTED_APP_IDS } from '../services/entitlements/catalog.js';

/** IMSI argument: exactly 15 digits (TS 23.003 §2.2). */
export const imsiArg = Args.custom<string>({
  description: 'IMSI, 15 digits',
  parse: async (raw) => parseImsi(raw),
});

/** `--imsi`: exactly 15 digits. */
export const imsiFlag = Flags.custom<string>({
  helpValue: 'IMSI',
  parse: async (raw) => parseImsi(raw, '--imsi'),
});

/** A served TS.43 app id (`ap2004`, any case). */
export const appIdArg = Args.custom<EntitlementAppId>({
  description: `TS.43 app id: ${SUPPORTED_APP_IDS.join(' ')}`,
  parse: async (raw) => parseAppId(raw),
});

/** Any app id the catalog knows, served or not (filters). */
export const knownAppIdFlag = Flags.custom<string>({
  helpValue: 'APP',
  parse: async (raw) => parseKnownAppId(raw),
});

/** MSISDN: 5 to 15 digits, a leading "+" allowed (returned without it). */
export const msisdnArg = Args.custom<string>({
  description: 'MSISDN (digits, + allowed)',
  parse: async (raw) => parseMsisdnArg(raw),
});

/** `--msisdn`: digits with an optional leading "+" (spaces, dots, dashes, brackets dropped); E.164 is made by `msisdnToSend`. */
export const msisdnFlag = Flags.custom<string>({
  helpValue: 'NUMBER',
  parse: async (raw) => {
    const compact = raw.trim().replace(/[\s\-.()/]/g, '');
    if (!/^\+?[0-9]{3,15}$/.test(compact)) throw new UsageError(`--msisdn ${JSON.stringify(raw)} is not an MSISDN; expected 3 to 15 digits with an optional leading "+", e.g. +15551230007`);
    return compact;
  },
});

/** `--country-code`: how an MSISDN without "+" is read (docs/cli.md § MSISDNs): an ISO 3166 region or a calling code. */
export const countryCodeFlag = Flags.custom<string>({
  helpValue: 'CC',
  summary: 'Read MSISDNs without "+" as national numbers of this country (US, DE, or 1, 49).',
  description: 'MSISDNs are stored in E.164. With this flag the CLI converts each number before sending it (a number it cannot convert is refused here, naming the flag or the line); without it the daemon converts with subscribers.country_code, and with that empty a number without "+" must already be E.164 digits (15551230007 = +15551230007).',
  parse: async (raw) => {
    const { countryProblem } = await import('../util/msisdn.js');
    const p = countryProblem(raw);
    if (p) throw new UsageError(`--country-code ${p}`);
    return raw.trim();
  },
});

/**
 * The MSISDN to send: E.164 when `--country-code` is given or the number already has its "+" (checked here,
 * exit 2 naming `where`), else as typed, for the daemon to read with subscribers.country_code.
 */
export async function msisdnToSend(msisdn: string, country: string | undefined, where: string): Promise<string> {
  if (!country && !msisdn.startsWith('+')) return msisdn;
  const { toE164 } = await import('../util/msisdn.js');
  const r = toE164(msisdn, country ?? '');
  if (!r.ok) throw new UsageError(`${where} ${r.error}`);
  return r.e164;
}

/** A hex key of a fixed size (Ki, OPc, OP: 32 digits; AMF: 4); spaces and colons between bytes are dropped; lower-case. */
export const hexFlag = (digits: number, example = '0123456789abcdef0123456789abcdef'.slice(0, digits)) =>
  Flags.custom<string>({
    helpValue: 'HEX',
    parse: async (raw, _ctx, opts) => {
      const hex = raw.replace(/[\s:]/g, '');
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) {
        throw new UsageError(
          `--${opts.name} must be ${digits} hex digits (${digits * 4} bits), got ${hex.length} character${hex.length === 1 ? '' : 's'}${/[^0-9a-fA-F]/.test(hex) ? ' with non-hex ones' : ''}; e.g. --${opts.name} ${example}`,
        );
      }
      return hex.toLowerCase();
    },
  });

/**
 * An id shown in a list (session_id, token_id, activity id): the whole id or a unique prefix of at least
 * 4 characters, resolved by the daemon (docs/cli.md § IDs); a trailing "…" of a cut table cell is dropped.
 */
export const idArg = (what: string) =>
  Args.custom<string>({
    parse: async (raw) => parseId(raw, what),
  });

/** The help line of an id argument: where the id comes from, and that a unique prefix will do. */
export const idHelp = (what: string, from: string) => `${what} (from ${from}), or a unique prefix of it (at least 4 characters)`;

/** The description sentence every command with an id argument adds. */
export const ID_PREFIX_NOTE = 'The id may be shortened to any unique prefix of at least 4 characters (like git\'s short hashes): a prefix that starts several ids is refused with the candidates listed (exit 3).';

/** `--since`/`--until`: unix seconds, ISO 8601, or an age (15m, 2h, 7d) → unix seconds. */
export const timeFlag = Flags.custom<number>({
  helpValue: 'TIME',
  parse: async (raw, _ctx, opts) => parseTime(raw, `--${opts.name}`),
});

/** `--type` of the activity log. */
export const activityTypeFlag = Flags.custom<string>({
  helpValue: 'TYPE',
  parse: async (raw) => parseActivityType(raw),
});

/** An integer within [min, max], with the range in the message (oclif's own says less). */
export const intFlag = (min: number, max: number) =>
  Flags.custom<number>({
    helpValue: 'N',
    parse: async (raw, _ctx, opts) => {
      const n = Number(raw.trim());
      if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${opts.name} ${JSON.stringify(raw)} is not an integer; expected ${min}–${max}`);
      return parseIntIn(n, `--${opts.name}`, min, max);
    },
  });
