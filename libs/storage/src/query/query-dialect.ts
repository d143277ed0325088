import type { JsonValue } from '../storage.types.js';
import type { ComparisonOp, FieldPath, RangeOperand } from './query-ast.js';
import type { Frag } from './sql-fragment.js';

/**
 * The JSON primitives a dialect supplies to the shared query compiler. `x` arguments are JSON
 * expressions (jsonb on PostgreSQL, JSON text on SQLite); aliases are internal names.
 */
export interface QueryDialect {
  readonly name: 'postgres' | 'sqlite';
  /** The stored value of the outer row `o`. */
  readonly root: Frag;
  /** Member `key` of `x`; SQL NULL when `x` is not an object or lacks it. */
  child(x: Frag, key: string): Frag;
  /** FROM item named `alias`: `x` itself when it is not an array, else each element (one level). */
  fanOut(x: Frag, alias: string): Frag;
  /** The value at `path` followed through objects only (no fan-out) is an array. */
  directIsArray(path: FieldPath): Frag;
  /** JSON of a fanOut row when it is an object (NULL otherwise), to step further down a path. */
  nodeObject(alias: string): Frag;
  /** FROM item named `alias`: the values a path ends on: `x`, plus its elements when it is an array. */
  candidates(x: Frag, alias: string): Frag;
  isNull(alias: string): Frag;
  /** Same type and equal (objects compared whatever their key order). */
  equals(alias: string, value: JsonValue): Frag;
  /** Same type (number, string or boolean) and ordered as asked: MongoDB type bracketing. */
  compare(alias: string, op: ComparisonOp, value: RangeOperand): Frag;
  /** A string holding `value` (case-sensitive). */
  contains(alias: string, value: string): Frag;
  /** Sort keys of the value at `path` without array fan-out: type rank, number, string. */
  sortKeys(path: FieldPath): { rank: Frag; num: Frag; str: Frag };
}

export const SQL_OP: Record<ComparisonOp, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * Stored values are canonical JSON: object keys sorted at every level. SQLite compares objects as
 * text, so operands are canonicalised the same way before binding.
 */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(canonicalize(value));
}

export function canonicalize(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const k of Object.keys(value).sort()) out[k] = canonicalize(value[k]);
    return out;
  }
  return value;
}
