#!/usr/bin/env node
// Import cycles between files of src/, daemon/ and commands/ (type-only imports included: a cycle of
// types is still two modules that cannot be understood one without the other). Prints each cycle as
// its files and exits 1 when there is one. Run by `npm run lint`; test/architecture.test.ts runs it too.
// The fix for a cycle is a module of its own for what both sides share (src/ui/monitor-types.ts).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.tsx?$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`, resolved to files. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const base = resolve(dirname(file), m[1]).replace(/\.(?:js|jsx|mjs)$/, '');
    const target = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => existsSync(p));
    if (target) found.push(target);
  }
  return found;
}

/** Strongly connected components with more than one file (Tarjan), each as repository-relative paths. */
export function importCycles(dirs = ['src', 'daemon', 'commands']) {
  const files = dirs.flatMap((d) => walk(join(root, d)));
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  let next = 0;
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), cycles = [];
  const visit = (v) => {
    index.set(v, next); low.set(v, next++); stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) cycles.push(scc.map((f) => relative(root, f)).sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return { files: files.length, cycles };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, cycles } = importCycles();
  for (const c of cycles) console.error(`import cycle: ${c.join(' → ')} → …`);
  console.log(`import-cycles: ${files} files of src/ daemon/ commands/, ${cycles.length} cycle${cycles.length === 1 ? '' : 's'}`);
  process.exit(cycles.length ? 1 : 0);
}
