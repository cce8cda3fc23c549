/** EAP / EAP-AKA / EAP-AKA' codec (RFC 3748, RFC 4187, RFC 5448, RFC 9048). Pure. */
export * from './constants.js';
export * from './packet.js';
export * from './attributes.js';
export * from './mac.js';
export * from './describe.js';
export * from './encr.js';
