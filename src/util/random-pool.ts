/**
 * Random bytes drawn from the kernel in blocks (issue 14, docs/performance.md § Third round): one EAP-AKA
 * authentication asks for random bytes about ten times (RAND, session id and cookie secret, pseudonym and re-auth
 * identities, IVs and nonces, seal nonces), and each `randomBytes(n)` is one trip into OpenSSL's DRBG (≈ 6 µs on
 * the 2-core machine). Node's own `randomUUID` keeps a buffer the same way. The bytes are the same CSPRNG output
 * (`randomFillSync`), handed out once each and never reused: every call returns a fresh copy, and the block is
 * overwritten with the next draw when used up. Calls asking for more than a quarter of a block draw directly.
 */
import { randomFillSync } from 'node:crypto';

export function pooledRandomBytes(blockBytes = 4096): (n: number) => Buffer {
  const block = Buffer.alloc(blockBytes);
  let used = blockBytes; // empty: the first call fills it
  return (n: number): Buffer => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`random: ${n} is not a byte count`);
    if (n > blockBytes >> 2) return randomFillSync(Buffer.alloc(n));
    if (used + n > blockBytes) { randomFillSync(block); used = 0; }
    const out = Buffer.from(block.subarray(used, used + n));
    block.fill(0, used, used + n); // handed out: not kept in the block
    used += n;
    return out;
  };
}
