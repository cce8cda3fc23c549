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
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
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
