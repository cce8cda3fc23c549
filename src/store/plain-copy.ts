/**
 * A deep copy of a value as a JSON round trip (`JSON.parse(JSON.stringify(v))`) would give it, without making
 * the text: plain objects and arrays are copied member by member (strings are immutable and shared), `undefined`,
 * functions and symbols drop out of objects and become null in arrays, non-finite numbers become null, and
 * anything else (a Date, a Buffer, an object with `toJSON`, a class instance) goes through JSON itself, so the
 * result is always what JSON would give. A bigint or a cycle throws a TypeError, as JSON.stringify does.
 *
 * volatile-collection.ts keeps records as objects with it: 3–4× cheaper than a parse of the text and much
 * cheaper than a stringify (docs/performance.md § Ninth round).
 */

/** Deeper than this is taken for a cycle (JSON.stringify would find it, or exhaust the stack first). */
const MAX_DEPTH = 1000;

/**
 * Past this many keys an object is copied into one that V8 holds as a dictionary from the start. Filled key by key,
 * an ordinary object gets a new hidden class per key it has not seen in that order before — for a map keyed by
 * session ids (as the per-IMSI EAP slots were until docs/performance.md § Forty-second round) that is every key of every copy:
 * ≈ 23 µs a copy of 32 keys against ≈ 8 µs (bench/plain-copy.bench.ts; docs/performance.md § Tenth round). Same keys, same order, same
 * prototype: nothing a caller can tell apart.
 */
const MANY_KEYS = 16;

/** An empty plain object in dictionary mode (deleting a property that is not the last one added normalises it). */
function dictionaryObject(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 0, b: 0 };
  delete o.a;
  delete o.b;
  return o;
}

function copy(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null; // -0 is written as 0
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object': {
      if (v === null) return null;
      if (depth > MAX_DEPTH) throw new TypeError('Converting circular structure to JSON (or nested too deeply)');
      if (Array.isArray(v)) {
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = copy(v[i], depth + 1) ?? null;
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        return JSON.parse(JSON.stringify(v)) as unknown;
      }
      const keys = Object.keys(v);
      const out: Record<string, unknown> = keys.length > MANY_KEYS ? dictionaryObject() : {};
      for (const k of keys) {
        const x = copy((v as Record<string, unknown>)[k], depth + 1);
        if (x === undefined) continue;
        // JSON.parse makes "__proto__" an own property; an assignment would set the prototype instead.
        if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
        else out[k] = x;
      }
      return out;
    }
    default:
      return undefined; // undefined, a function, a symbol
  }
}

/** The value JSON.parse(JSON.stringify(v)) would give (undefined where JSON.stringify gives undefined). */
export function plainCopy<T>(v: T): T {
  return copy(v, 0) as T;
}
