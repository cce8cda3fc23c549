/** A copy of `a` with room for at least `n` entries (doubling, at least 1024), the new entries set to `fill`. */
export function grown<A extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(a: A, n: number, fill = 0): A {
  let cap = Math.max(1024, a.length * 2);
  while (cap < n) cap *= 2;
  const b = new (a.constructor as new (n: number) => A)(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
