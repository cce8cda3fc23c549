/**
 * The EAP relay body of TS.43 §2.8.1 (`application/vnd.gsma.eap-relay.v1.0+json`):
 * `{"eap-relay-packet": "<base64 EAP packet>"}`. Pure.
 */

/**
 * Standard base64 (RFC 4648 §4), padding optional (TS43.md: accept padding or
 * none), whitespace ignored. Anything else — base64url characters, junk,
 * impossible lengths — is refused (null): Android's decoder silently skips
 * foreign characters, so guessing would only garble a packet.
 */
export function decodeRelayPacket(text: unknown): Buffer | null {
  if (typeof text !== 'string') return null;
  const s = text.replace(/\s+/g, '');
  if (s.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null;
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  if (s.includes('=') && s.length % 4 !== 0) return null;
  return Buffer.from(bare, 'base64');
}

/** The JSON body carrying one EAP packet to the phone (standard base64, padded). */
export const encodeRelayBody = (packet: Buffer): string => JSON.stringify({ 'eap-relay-packet': packet.toString('base64') });
