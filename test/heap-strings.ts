/** Heap-snapshot checks of which strings a process keeps (src/util/own-string.ts and the stores that use it). */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

/** One node of a V8 heap snapshot: its type ('string', 'sliced string', 'object' …), name, self size; a slice's parent's name. */
export interface HeapNode { type: string; name: string; size: number; parentName?: string }

/**
 * Every node of the heap snapshot in `file` (read whole: ≈ 1 GB of heap for a daemon's ≈ 100 MB snapshot). A string's
 * name is its text as the snapshot keeps it (the first 1,024 or so characters); a slice has no text of its own, so
 * `parentName` gives its parent's. Also bench/heap-strings.ts's reader.
 */
export function* heapNodes(file: string): Generator<HeapNode> {
  const h = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[] } }; nodes: number[]; edges: number[]; strings: string[];
  };
  const f = h.snapshot.meta.node_fields;
  const e = h.snapshot.meta.edge_fields;
  const [width, type, name, size, edgeCount] = [f.length, f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size'), f.indexOf('edge_count')];
  const [eWidth, eName, eTo] = [e.length, e.indexOf('name_or_index'), e.indexOf('to_node')];
  for (let i = 0, edge = 0; i < h.nodes.length; i += width) {
    const edges = h.nodes[i + edgeCount]!;
    const node: HeapNode = { type: h.snapshot.meta.node_types[0][h.nodes[i + type]!]!, name: h.strings[h.nodes[i + name]!]!, size: h.nodes[i + size]! };
    if (node.type === 'sliced string') {
      for (let j = edge; j < edge + edges * eWidth; j += eWidth) if (h.strings[h.edges[j + eName]!] === 'parent') node.parentName = h.strings[h.nodes[h.edges[j + eTo]! + name]!]!;
    }
    edge += edges * eWidth;
    yield node;
  }
}

/**
 * Every string of this process's heap (a snapshot, taken after a full collection): its node type ('string', 'sliced
 * string', 'concatenated string' …) and its text as the snapshot names it. A slice gets its parent's text.
 */
export function heapStrings(): Array<{ type: string; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-heap-strings-'));
  try {
    const out: Array<{ type: string; text: string }> = [];
    for (const n of heapNodes(writeHeapSnapshot(join(dir, 'h.heapsnapshot')))) if (n.type.includes('string')) out.push({ type: n.type, text: n.parentName ?? n.name });
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
