/**
 * CRC-32 (the gzip / ISO-HDLC one, reflected polynomial 0xEDB88320) of a concatenation from the CRCs of its
 * parts, without reading the parts again: crc(A‖B) = crc(A)·x^(8·|B|) mod P  ⊕  crc(B). The GzipTemplate uses it
 * so that the CRC of a document's fixed pieces is computed once, not per answer (docs/performance.md § Fifth round).
 *
 * Polynomials over GF(2) are held in the CRC's reflected bit order: bit 31 is the coefficient of x^0, bit 0 that
 * of x^31. Pure arithmetic, no I/O; node:zlib's crc32 is the reference in the tests.
 */
const POLY = 0xedb88320;
/** x^0 in reflected order. */
const ONE = 0x80000000;

/** a(x)·b(x) mod P(x), both reflected. */
function mulModP(a: number, b: number): number {
  let product = 0;
  // Walk a's coefficients from x^0 upwards; b is multiplied by x (and reduced) at each step.
  for (let bit = ONE; a !== 0 && bit !== 0; bit >>>= 1) {
    if (a & bit) {
      product ^= b;
      a = (a & ~bit) >>> 0;
    }
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** SQUARES[k] = x^(2^k) mod P: x^1 is bit 30 in reflected order; each next is the previous squared. */
const SQUARES = new Uint32Array(64);
SQUARES[0] = ONE >>> 1;
for (let k = 1; k < SQUARES.length; k++) SQUARES[k] = mulModP(SQUARES[k - 1]!, SQUARES[k - 1]!);

/** x^(8·bytes) mod P: the operator that moves a CRC past `bytes` zero bytes (bytes < 2^53). */
export function crc32Shift(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`crc32Shift: a byte count, got ${bytes}`);
  let op = ONE;
  // 8·bytes in binary, from bit 3 up: bit k of 8·bytes selects x^(2^k).
  for (let k = 3, n = bytes; n > 0; k++, n = Math.floor(n / 2)) if (n % 2 === 1) op = mulModP(op, SQUARES[k]!);
  return op;
}

/** crc(A‖B) from crc(A), crc(B) and the operator `crc32Shift(|B|)` (computed once for a fixed B). */
export function crc32Combine(crcA: number, crcB: number, shiftB: number): number {
  return (mulModP(shiftB, crcA >>> 0) ^ (crcB >>> 0)) >>> 0;
}
