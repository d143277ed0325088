import type { JsonValue } from '../storage.types.js';

/** A validated field path: identifier segments only (`stats.level` → ['stats', 'level']). */
export type FieldPath = readonly string[];
export type ComparisonOp = 'gt' | 'gte' | 'lt' | 'lte';
export type RangeOperand = number | string | boolean;

/**
 * The parsed filter. `$ne`, `$nin`, `$exists: false` and field-level `$not` become `not` nodes, so
 * every leaf is a positive test over the values a path reaches (MongoDB's array semantics).
 */
export type QueryNode =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'and' | 'or' | 'nor'; children: QueryNode[] }
  | { kind: 'not'; child: QueryNode }
  | { kind: 'eq'; path: FieldPath; value: JsonValue }
  | { kind: 'in'; path: FieldPath; values: JsonValue[] }
  | { kind: 'cmp'; path: FieldPath; op: ComparisonOp; value: RangeOperand }
  | { kind: 'exists'; path: FieldPath }
  | { kind: 'contains'; path: FieldPath; value: string };

export interface SortSpec {
  path: FieldPath;
  direction: 'asc' | 'desc';
}
