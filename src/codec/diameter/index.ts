/** The Diameter codec: constants, dictionary, message/AVP codec, stream framer (all pure). */
export * from './constants.js';
export * from './dictionary.js';
export * from './message.js';
export * from './result.js';
export * from './framer.js';
export * from './base.js';
export * from './swm.js';
export * from './swx.js';
export * from './sh.js';
