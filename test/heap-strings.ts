/** Heap-snapshot checks of which strings a process keeps (src/util/own-string.ts and the stores that use it). */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

/**
 * Every string of this process's heap (a snapshot, taken after a full collection): its node type ('string', 'sliced
 * string', 'concatenated string' …) and its text as the snapshot names it (the first 1,024 or so characters). A slice
 * is named by no text of its own: it gets its parent's.
 */
export function heapStrings(): Array<{ type: string; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-heap-strings-'));
  try {
    const h = JSON.parse(readFileSync(writeHeapSnapshot(join(dir, 'h.heapsnapshot')), 'utf8')) as {
      snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[] } }; nodes: number[]; edges: number[]; strings: string[];
    };
    const f = h.snapshot.meta.node_fields;
    const e = h.snapshot.meta.edge_fields;
    const [width, type, name, edgeCount] = [f.length, f.indexOf('type'), f.indexOf('name'), f.indexOf('edge_count')];
    const [eWidth, eName, eTo] = [e.length, e.indexOf('name_or_index'), e.indexOf('to_node')];
    const out: Array<{ type: string; text: string }> = [];
    for (let i = 0, edge = 0; i < h.nodes.length; i += width) {
      const edges = h.nodes[i + edgeCount]!;
      const t = h.snapshot.meta.node_types[0][h.nodes[i + type]!]!;
      let text = h.strings[h.nodes[i + name]!]!;
      if (t === 'sliced string') {
        for (let j = edge; j < edge + edges * eWidth; j += eWidth) if (h.strings[h.edges[j + eName]!] === 'parent') text = h.strings[h.nodes[h.edges[j + eTo]! + name]!]!;
      }
      edge += edges * eWidth;
      if (t.includes('string')) out.push({ type: t, text });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The heap's strings that hold `marker`, by node type, with their lengths (a slice where its parent holds it). */
export function stringsWith(marker: string): Array<{ type: string; length: number }> {
  return heapStrings().filter((s) => s.text.includes(marker)).map((s) => ({ type: s.type, length: s.text.length }));
}

/** How many strings of the heap (slices not counted) hold `marker` and are longer than `min` characters. */
export function bigStringsWith(marker: string, min: number): number {
  return stringsWith(marker).filter((s) => s.type !== 'sliced string' && s.length > min).length;
}

/** How many joined (cons) strings the heap holds (the snapshot is taken after a full collection). */
export function joinedStrings(): number {
  return heapStrings().filter((s) => s.type === 'concatenated string').length;
}
