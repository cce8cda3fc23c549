/** Heap-snapshot checks of which strings a process keeps (src/util/own-string.ts and the stores that use it). */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

/**
 * The heap's strings that hold `marker`, by the snapshot's node type ('string', 'sliced string' …), with their
 * lengths (a snapshot names a string by its first 1,024 or so characters). A slice is named by no text of its own:
 * it counts as a 'sliced string' where its parent holds the marker.
 */
export function stringsWith(marker: string): Array<{ type: string; length: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-heap-strings-'));
  try {
    const h = JSON.parse(readFileSync(writeHeapSnapshot(join(dir, 'h.heapsnapshot')), 'utf8')) as {
      snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[] } }; nodes: number[]; edges: number[]; strings: string[];
    };
    const f = h.snapshot.meta.node_fields;
    const e = h.snapshot.meta.edge_fields;
    const [width, type, name, edgeCount] = [f.length, f.indexOf('type'), f.indexOf('name'), f.indexOf('edge_count')];
    const [eWidth, eName, eTo] = [e.length, e.indexOf('name_or_index'), e.indexOf('to_node')];
    const out: Array<{ type: string; length: number }> = [];
    for (let i = 0, edge = 0; i < h.nodes.length; i += width) {
      const edges = h.nodes[i + edgeCount]!;
      const t = h.snapshot.meta.node_types[0][h.nodes[i + type]!]!;
      let text = h.strings[h.nodes[i + name]!]!;
      if (t === 'sliced string') {
        for (let j = edge; j < edge + edges * eWidth; j += eWidth) if (h.strings[h.edges[j + eName]!] === 'parent') text = h.strings[h.nodes[h.edges[j + eTo]! + name]!]!;
      }
      edge += edges * eWidth;
      if (t.includes('string') && text.includes(marker)) out.push({ type: t, length: text.length });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many strings of the heap (slices not counted) hold `marker` and are longer than `min` characters. */
export function bigStringsWith(marker: string, min: number): number {
  return stringsWith(marker).filter((s) => s.type !== 'sliced string' && s.length > min).length;
}

/** How many joined (cons) strings the heap holds (the snapshot is taken after a full collection). */
export function joinedStrings(): number {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-heap-strings-'));
  try {
    const h = JSON.parse(readFileSync(writeHeapSnapshot(join(dir, 'h.heapsnapshot')), 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] };
    const f = h.snapshot.meta.node_fields;
    const [width, type] = [f.length, f.indexOf('type')];
    let n = 0;
    for (let i = 0; i < h.nodes.length; i += width) if (h.snapshot.meta.node_types[0][h.nodes[i + type]!] === 'concatenated string') n++;
    return n;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
