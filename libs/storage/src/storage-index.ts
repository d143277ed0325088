import { isPlainObject } from '@kaosnet/common';
import type { JsonValue } from './storage.types.js';
import { PATH_SEGMENT } from './query/query-parser.js';

export interface IndexEntry {
  path: string;
  num: number | null;
  str: string | null;
}

/**
 * The numbers and strings each query path reaches in `value`, by the same traversal as the query
 * compiler (identifier keys; one level of array fan-out per step; a path's end plus its array
 * elements). PostgreSQL keeps them in storage_index_entries so equality and range filters start
 * from a B-tree. Returns undefined when there are more than `max` (the object is then marked
 * partial and every query still finds it, without the index).
 */
export function indexEntries(value: JsonValue, maxSegments: number, max: number): IndexEntry[] | undefined {
  const out: IndexEntry[] = [];
  const seen = new Set<string>();
  let overflow = false;
  const add = (path: string, v: JsonValue) => {
    let e: IndexEntry;
    if (typeof v === 'number') e = { path, num: v, str: null };
    else if (typeof v === 'string') e = { path, num: null, str: v };
    else return;
    const id = `${path}\u0000${e.num ?? ''}\u0000${e.str ?? ''}\u0000${typeof v}`;
    if (seen.has(id)) return;
    seen.add(id);
    if (out.length >= max) overflow = true;
    else out.push(e);
  };
  const visit = (node: Record<string, JsonValue>, prefix: string, depth: number) => {
    if (depth > maxSegments || overflow) return;
    for (const [k, v] of Object.entries(node)) {
      if (!PATH_SEGMENT.test(k)) continue;
      const path = prefix ? `${prefix}.${k}` : k;
      if (Array.isArray(v)) {
        for (const el of v) {
          add(path, el);
          if (isPlainObject(el)) visit(el as Record<string, JsonValue>, path, depth + 1);
        }
      } else {
        add(path, v);
        if (isPlainObject(v)) visit(v as Record<string, JsonValue>, path, depth + 1);
      }
    }
  };
  if (isPlainObject(value)) visit(value as Record<string, JsonValue>, '', 1);
  return overflow ? undefined : out;
}
