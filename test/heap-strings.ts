/** Heap-snapshot checks of which strings a process keeps (src/util/own-string.ts and the stores that use it). */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

/** How many strings of the heap hold `marker` and are longer than `min` characters (a snapshot names a string by its first 1,024 or so). */
export function bigStringsWith(marker: string, min: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-heap-strings-'));
  try {
    const h = JSON.parse(readFileSync(writeHeapSnapshot(join(dir, 'h.heapsnapshot')), 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
    const f = h.snapshot.meta.node_fields;
    const [width, type, name] = [f.length, f.indexOf('type'), f.indexOf('name')];
    let n = 0;
    for (let i = 0; i < h.nodes.length; i += width) {
      if (!h.snapshot.meta.node_types[0][h.nodes[i + type]!]!.includes('string')) continue;
      const text = h.strings[h.nodes[i + name]!]!;
      if (text.length > min && text.includes(marker)) n++;
    }
    return n;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
