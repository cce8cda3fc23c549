/**
 * The one error every codec throws on bad input (STYLE.md "Errors in each
 * protocol's own dialect"). Callers catch this and answer in the protocol's
 * own terms; any other exception escaping a decoder is a bug.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly protocol: 'eap' | 'diameter' | 'ts43' | 'xcap' | 'imap' | 'omtp' | 'xml' | string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${protocol}: ${reason} at offset ${offset}`);
  }
}
