import { isPlainObject } from '@kaosnet/common';
import { StorageErrors } from '../storage.errors.js';
import type { JsonValue, StorageOptions } from '../storage.types.js';
import type { ComparisonOp, FieldPath, QueryNode, SortSpec } from './query-ast.js';

/**
 * A path segment: an identifier. Strict on purpose: it is what makes every path safe to bind and
 * unambiguous (no numeric array indexes, no quoting, nothing SQL-shaped).
 */
export const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_OPERAND_STRING = 4096;

type Limits = Pick<StorageOptions, 'maxQueryDepth' | 'maxQueryClauses' | 'maxPathSegments' | 'maxSortFields' | 'maxValueDepth'>;

export function parsePath(where: string, raw: unknown, maxSegments: number): FieldPath {
  if (typeof raw !== 'string' || raw.length === 0) throw StorageErrors.invalidPath(where, 'a field path must be a non-empty string');
  const segments = raw.split('.');
  if (segments.length > maxSegments) throw StorageErrors.invalidPath(where, `a field path has at most ${maxSegments} segments`);
  for (const s of segments) {
    if (!PATH_SEGMENT.test(s)) {
      throw StorageErrors.invalidPath(where, 'field path segments must be identifiers (letters, digits, _; not starting with a digit) joined by dots');
    }
  }
  return segments;
}

/** Parses a MongoDB-syntax filter into a {@link QueryNode}, enforcing depth and clause limits. */
export function parseFilter(filter: unknown, limits: Limits): QueryNode {
  let clauses = 0;
  const countClauses = (n: number) => {
    clauses += n;
    if (clauses > limits.maxQueryClauses) throw StorageErrors.queryTooComplex(`at most ${limits.maxQueryClauses} conditions`);
  };

  const checkDepth = (depth: number) => {
    if (depth > limits.maxQueryDepth) throw StorageErrors.queryTooComplex(`logical operators nest at most ${limits.maxQueryDepth} deep`);
  };

  const operand = (where: string, v: unknown): JsonValue => {
    checkJson(where, v, limits.maxValueDepth, 0);
    return v as JsonValue;
  };

  const parseDoc = (doc: unknown, where: string, depth: number): QueryNode => {
    checkDepth(depth);
    if (!isPlainObject(doc)) throw StorageErrors.invalidQuery(where, 'must be a JSON object');
    const parts: QueryNode[] = [];
    for (const [k, v] of Object.entries(doc)) {
      if (k.startsWith('$')) {
        if (k !== '$and' && k !== '$or' && k !== '$nor') throw StorageErrors.unknownOperator(where, k);
        if (!Array.isArray(v) || v.length === 0) throw StorageErrors.invalidQuery(`${where}.${k}`, 'must be a non-empty array of filters');
        const children = v.map((c, i) => parseDoc(c, `${where}.${k}[${i}]`, depth + 1));
        parts.push({ kind: k.slice(1) as 'and' | 'or' | 'nor', children });
      } else {
        const path = parsePath(`${where}.${k}`, k, limits.maxPathSegments);
        parts.push(parseField(path, v, `${where}.${k}`, depth));
      }
    }
    if (parts.length === 0) return { kind: 'true' };
    return parts.length === 1 ? parts[0] : { kind: 'and', children: parts };
  };

  const isOperatorObject = (v: unknown, where: string): v is Record<string, unknown> => {
    if (!isPlainObject(v)) return false;
    const keys = Object.keys(v);
    const ops = keys.filter((k) => k.startsWith('$')).length;
    if (ops > 0 && ops !== keys.length) throw StorageErrors.invalidQuery(where, 'cannot mix operators and plain fields in one object');
    return ops > 0;
  };

  const parseField = (path: FieldPath, v: unknown, where: string, depth: number): QueryNode => {
    if (!isOperatorObject(v, where)) {
      countClauses(1);
      return { kind: 'eq', path, value: operand(where, v) };
    }
    const parts: QueryNode[] = [];
    for (const [op, arg] of Object.entries(v)) parts.push(parseOperator(path, op, arg, `${where}.${op}`, depth));
    return parts.length === 1 ? parts[0] : { kind: 'and', children: parts };
  };

  const parseOperator = (path: FieldPath, op: string, arg: unknown, where: string, depth: number): QueryNode => {
    switch (op) {
      case '$eq':
        countClauses(1);
        return { kind: 'eq', path, value: operand(where, arg) };
      case '$ne':
        countClauses(1);
        return { kind: 'not', child: { kind: 'eq', path, value: operand(where, arg) } };
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        countClauses(1);
        return comparison(path, op.slice(1) as ComparisonOp, arg, where);
      case '$in':
      case '$nin': {
        if (!Array.isArray(arg)) throw StorageErrors.invalidQuery(where, 'must be an array');
        countClauses(Math.max(1, arg.length));
        const node: QueryNode = { kind: 'in', path, values: arg.map((x, i) => operand(`${where}[${i}]`, x)) };
        return op === '$in' ? node : { kind: 'not', child: node };
      }
      case '$exists':
        if (typeof arg !== 'boolean') throw StorageErrors.invalidQuery(where, 'must be true or false');
        countClauses(1);
        return arg ? { kind: 'exists', path } : { kind: 'not', child: { kind: 'exists', path } };
      case '$contains':
        if (typeof arg !== 'string' || arg.length > MAX_OPERAND_STRING) throw StorageErrors.invalidQuery(where, `must be a string of at most ${MAX_OPERAND_STRING} characters`);
        countClauses(1);
        return { kind: 'contains', path, value: arg };
      case '$not': {
        checkDepth(depth + 1);
        if (!isOperatorObject(arg, where)) throw StorageErrors.invalidQuery(where, 'must be an object of operators, e.g. {"$not": {"$gt": 5}}');
        const inner = parseField(path, arg, where, depth + 1);
        return { kind: 'not', child: inner };
      }
      default:
        throw StorageErrors.unknownOperator(where, op);
    }
  };

  return parseDoc(filter ?? {}, 'filter', 1);
}

/**
 * Range operands are scalars. MongoDB's null rules: `$gte`/`$lte` null mean "is null or missing",
 * `$gt`/`$lt` null match nothing.
 */
function comparison(path: FieldPath, op: ComparisonOp, arg: unknown, where: string): QueryNode {
  if (arg === null) return op === 'gte' || op === 'lte' ? { kind: 'eq', path, value: null } : { kind: 'false' };
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw StorageErrors.invalidQuery(where, 'must be a finite number');
    return { kind: 'cmp', path, op, value: arg };
  }
  if (typeof arg === 'string') {
    if (arg.length > MAX_OPERAND_STRING) throw StorageErrors.invalidQuery(where, `strings have at most ${MAX_OPERAND_STRING} characters`);
    return { kind: 'cmp', path, op, value: arg };
  }
  if (typeof arg === 'boolean') return { kind: 'cmp', path, op, value: arg };
  throw StorageErrors.invalidQuery(where, 'must be a number, string, boolean or null');
}

/** Checks that a value is plain JSON (finite numbers, no undefined/functions/classes) within a depth. */
export function checkJson(where: string, v: unknown, maxDepth: number, depth: number): void {
  if (depth > maxDepth) throw StorageErrors.invalidValue(where, `nests deeper than ${maxDepth}`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw StorageErrors.invalidValue(where, 'numbers must be finite');
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkJson(where, v[i], maxDepth, depth + 1);
    return;
  }
  if (isPlainObject(v)) {
    for (const x of Object.values(v)) checkJson(where, x, maxDepth, depth + 1);
    return;
  }
  throw StorageErrors.invalidValue(where, 'must be plain JSON');
}

/** `[{path, direction}]` or MongoDB's `{path: 1 | -1}`. */
export function parseSort(sort: unknown, limits: Limits): SortSpec[] {
  if (sort === undefined || sort === null) return [];
  let entries: [unknown, unknown][];
  if (Array.isArray(sort)) {
    entries = sort.map((s, i) => {
      if (!isPlainObject(s)) throw StorageErrors.invalidQuery(`sort[${i}]`, 'must be {path, direction}');
      return [s.path, s.direction ?? 'asc'];
    });
  } else if (isPlainObject(sort)) {
    entries = Object.entries(sort);
  } else {
    throw StorageErrors.invalidQuery('sort', 'must be an array of {path, direction} or an object of path: 1 | -1');
  }
  if (entries.length > limits.maxSortFields) throw StorageErrors.invalidQuery('sort', `at most ${limits.maxSortFields} paths`);
  return entries.map(([path, dir], i) => {
    const direction = dir === 'asc' || dir === 1 ? 'asc' : dir === 'desc' || dir === -1 ? 'desc' : undefined;
    if (!direction) throw StorageErrors.invalidQuery(`sort[${i}]`, 'direction must be "asc", "desc", 1 or -1');
    return { path: parsePath(`sort[${i}].path`, path, limits.maxPathSegments), direction };
  });
}
