import type { JsonValue } from '../storage.types.js';
import type { FieldPath, QueryNode } from './query-ast.js';
import { indexStr } from './query-compiler.postgres.js';
import type { QueryDialect } from './query-dialect.js';
import { FALSE, join, raw, sq, TRUE, type Frag } from './sql-fragment.js';

/**
 * Compiles a parsed filter to a SQL condition over the row `o` of storage_objects, with MongoDB's
 * semantics for paths:
 * - a path step into an array visits each element that is an object (one level: arrays nested in
 *   arrays are not entered);
 * - the values a path "reaches" are what it ends on plus, when that is an array, its elements;
 * - a leaf is true when some reached value satisfies it (same type only: type bracketing);
 * - `$ne`/`$nin`/`$not` negate the positive test, so they also match documents lacking the path;
 * - `null` equality matches a reached null, or a path that is missing without passing through an
 *   array (`{a: 3}` and `{}` match `{"a.b": null}`; `{a: [3]}` and `{a: [{}]}` do not).
 * Everything runs in the database; nothing is filtered in JS.
 */
export class QueryCompiler {
  #aliases = 0;
  constructor(private readonly dialect: QueryDialect) {}

  compile(node: QueryNode): Frag {
    switch (node.kind) {
      case 'true':
        return TRUE;
      case 'false':
        return FALSE;
      case 'and':
        return sq`(${join(node.children.map((c) => this.compile(c)), ' AND ')})`;
      case 'or':
        return sq`(${join(node.children.map((c) => this.compile(c)), ' OR ')})`;
      case 'nor':
        return sq`NOT (${join(node.children.map((c) => this.compile(c)), ' OR ')})`;
      case 'not':
        return sq`NOT (${this.compile(node.child)})`;
      case 'exists':
        return this.#exists(node.path);
      case 'eq':
        return this.#anyOf(node.path, [node.value]);
      case 'in':
        return node.values.length === 0 ? FALSE : this.#anyOf(node.path, node.values);
      case 'cmp':
        return this.#reaches(node.path, (t) => this.dialect.compare(t, node.op, node.value));
      case 'contains':
        return this.#reaches(node.path, (t) => this.dialect.contains(t, node.value));
    }
  }

  /** Equality with any of `values`; a null among them also matches a path that reaches nothing. */
  #anyOf(path: FieldPath, values: JsonValue[]): Frag {
    const hasNull = values.includes(null);
    const tests = (t: string) => join(values.map((v) => (v === null ? this.dialect.isNull(t) : this.dialect.equals(t, v))), ' OR ');
    const reached = this.#reaches(path, (t) => sq`(${tests(t)})`);
    return hasNull ? sq`(${reached} OR ${this.#missing(path)})` : reached;
  }

  /** Missing, and no array on the way (see the class comment on null). */
  #missing(path: FieldPath): Frag {
    const viaArray = path.slice(0, -1).map((_, i) => this.dialect.directIsArray(path.slice(0, i + 1)));
    const noArray = viaArray.length ? sq` AND NOT (${join(viaArray, ' OR ')})` : raw('');
    return sq`(NOT ${this.#exists(path)}${noArray})`;
  }

  /** Walks `path` from the root: the FROM items for the fan-out steps and the final JSON expression. */
  #walk(path: FieldPath): { froms: Frag[]; end: Frag } {
    const d = this.dialect;
    const froms: Frag[] = [];
    let x = d.child(d.root, path[0]);
    for (let i = 1; i < path.length; i++) {
      const alias = this.#alias('n');
      froms.push(d.fanOut(x, alias));
      x = d.child(d.nodeObject(alias), path[i]);
    }
    return { froms, end: x };
  }

  #exists(path: FieldPath): Frag {
    const { froms, end } = this.#walk(path);
    if (froms.length === 0) return sq`(${end} IS NOT NULL)`;
    return sq`EXISTS (SELECT 1 FROM ${join(froms, ', ')} WHERE ${end} IS NOT NULL)`;
  }

  #reaches(path: FieldPath, test: (alias: string) => Frag): Frag {
    const { froms, end } = this.#walk(path);
    const t = this.#alias('t');
    return sq`EXISTS (SELECT 1 FROM ${join([...froms, this.dialect.candidates(end, t)], ', ')} WHERE ${test(t)})`;
  }

  #alias(prefix: string): string {
    return `${prefix}${++this.#aliases}`;
  }
}

/**
 * PostgreSQL only: conditions implied by the filter that an index can answer, AND-ed in front of
 * the exact condition so the planner can start from storage_index_entries. Only top-level
 * conjuncts of equality/$in/range on numbers and strings qualify (see docs/storage.md).
 */
export function indexPrefilters(node: QueryNode, collection: string): Frag[] {
  const conjuncts: QueryNode[] = [];
  const flatten = (n: QueryNode) => (n.kind === 'and' ? n.children.forEach(flatten) : conjuncts.push(n));
  flatten(node);
  // Range bounds on one path and type become one index range (`num >= a AND num < b`).
  const groups = new Map<string, { path: FieldPath; conds: Frag[] }>();
  for (const c of conjuncts) {
    const f = prefilterOf(c);
    if (!f) continue;
    const id = `${pathKey(f.path)}\u0000${f.group}`;
    const g = groups.get(id) ?? { path: f.path, conds: [] };
    g.conds.push(f.cond);
    groups.set(id, g);
  }
  return [...groups.values()].map(
    (g) =>
      sq`o.id IN (SELECT e.object_id FROM storage_index_entries e WHERE e.collection = ${collection} AND e.path = ${pathKey(g.path)} AND ${join(g.conds, ' AND ')} UNION ALL SELECT p.id FROM storage_objects p WHERE p.collection = ${collection} AND p.index_partial)`,
  );
}

export function pathKey(path: FieldPath): string {
  return path.join('.');
}

function prefilterOf(node: QueryNode): { path: FieldPath; cond: Frag; group: string } | undefined {
  const eqCond = (v: JsonValue): Frag | undefined =>
    typeof v === 'number' ? sq`e.num = ${v}::float8` : typeof v === 'string' ? sq`e.str = ${indexStr(v)}` : undefined;
  if (node.kind === 'eq') {
    const cond = eqCond(node.value);
    return cond && { path: node.path, cond, group: 'eq' };
  }
  if (node.kind === 'in' && node.values.length > 0) {
    const conds = node.values.map(eqCond);
    if (conds.some((c) => c === undefined)) return undefined;
    return { path: node.path, cond: sq`(${join(conds as Frag[], ' OR ')})`, group: 'in' };
  }
  if (node.kind === 'cmp') {
    const op = raw(node.op === 'gt' || node.op === 'gte' ? '>=' : '<=');
    if (typeof node.value === 'number') return { path: node.path, group: 'num', cond: sq`e.num ${raw(node.op === 'gt' ? '>' : node.op === 'lt' ? '<' : node.op === 'gte' ? '>=' : '<=')} ${node.value}::float8` };
    // The index keeps a prefix of each string: prefix order is implied by full order, so a
    // non-strict comparison on prefixes is a sound filter.
    if (typeof node.value === 'string') return { path: node.path, group: 'str', cond: sq`e.str ${op} ${indexStr(node.value)}` };
  }
  return undefined;
}
