import { Type, type Static } from '@sinclair/typebox';

/** Every admin/control API error body: `{"error": "...", "code": "OMNISEP_<AREA>_<WHAT>"}`. */
export const ErrorBody = Type.Object({
  error: Type.String(),
  code: Type.Optional(Type.String()),
  /** OMNISEP_ID_AMBIGUOUS: the ids an ambiguous prefix starts (docs/cli.md § IDs). */
  candidates: Type.Optional(Type.Array(Type.String())),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const Imsi = Type.String({ pattern: '^[0-9]{15}$', description: '15 digits: MCC, MNC, MSIN' });
export const OkStatus = Type.Literal('ok');

/** Header carrying the daemon's version on every admin/control answer (defined in ./wire.ts, which needs no TypeBox). */
export { VERSION_HEADER } from './wire.js';
