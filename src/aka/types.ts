import type { Secret } from '../util/secret.js';

/** One EAP-AKA authentication vector, whoever made it (local Milenage store, HSS over SWx, built-in AAA). */
export interface AuthVector {
  rand: Buffer;
  autn: Buffer;
  xres: Buffer;
  ck: Secret<Buffer>;
  ik: Secret<Buffer>;
}
