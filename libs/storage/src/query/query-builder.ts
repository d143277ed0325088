import type { JsonValue, StorageSortDirection, StorageSortField } from '../storage.types.js';

/** A field-level condition, built by {@link QueryOp}; its JSON is the MongoDB operator object. */
export interface FieldCondition {
  readonly toJSON: () => Record<string, JsonValue>;
}

const cond = (op: string, value: JsonValue | FieldCondition): FieldCondition => ({
  toJSON: () => ({ [op]: isCondition(value) ? value.toJSON() : value }),
});
function isCondition(v: unknown): v is FieldCondition {
  return typeof v === 'object' && v !== null && typeof (v as FieldCondition).toJSON === 'function';
}

/**
 * Field operators of the seed API (`QueryOp.gte(5)`), each the MongoDB operator of the same name.
 * @example Query.new().filter('level', QueryOp.gte(5)).filter('class', QueryOp.in(['mage', 'rogue']))
 */
export const QueryOp = {
  eq: (v: JsonValue) => cond('$eq', v),
  ne: (v: JsonValue) => cond('$ne', v),
  gt: (v: number | string | boolean) => cond('$gt', v),
  gte: (v: number | string | boolean) => cond('$gte', v),
  lt: (v: number | string | boolean) => cond('$lt', v),
  lte: (v: number | string | boolean) => cond('$lte', v),
  in: (values: JsonValue[]) => cond('$in', values),
  nin: (values: JsonValue[]) => cond('$nin', values),
  /** Substring of a string value (case-sensitive). */
  contains: (s: string) => cond('$contains', s),
  exists: (present = true) => cond('$exists', present),
  not: (c: FieldCondition) => cond('$not', c),
};

/**
 * An immutable query: AND of field conditions, with `or`/`and`/`not` combinators, sort and limit.
 * `toFilter()` is the JSON filter the REST API takes, so both surfaces share one language.
 * @example
 * const q = Query.new().filter('level', QueryOp.gte(5)).sort('level', 'desc').limit(10);
 * const items = await storage.query(userId, 'inventory', q);
 */
export class Query {
  private constructor(
    private readonly clauses: Record<string, JsonValue>[],
    readonly sortFields: StorageSortField[],
    readonly pageSize: number | undefined,
  ) {}

  static new(): Query {
    return new Query([], [], undefined);
  }

  /** Any of the queries matches (their filters; their sort and limit are ignored). */
  static or(...queries: Query[]): Query {
    return Query.new().#with({ $or: queries.map((q) => q.toFilter()) });
  }

  static and(...queries: Query[]): Query {
    return Query.new().#with({ $and: queries.map((q) => q.toFilter()) });
  }

  /** None of the queries matches. */
  static not(...queries: Query[]): Query {
    return Query.new().#with({ $nor: queries.map((q) => q.toFilter()) });
  }

  /** Adds `path` satisfying `condition` (a QueryOp, or a plain value for equality). */
  filter(path: string, condition: FieldCondition | JsonValue): Query {
    return this.#with({ [path]: isCondition(condition) ? condition.toJSON() : condition });
  }

  /** Also require another query's filter. */
  and(other: Query): Query {
    return this.#with(other.toFilter());
  }

  sort(path: string, direction: StorageSortDirection = 'asc'): Query {
    return new Query(this.clauses, [...this.sortFields, { path, direction }], this.pageSize);
  }

  limit(n: number): Query {
    return new Query(this.clauses, this.sortFields, n);
  }

  toFilter(): Record<string, JsonValue> {
    if (this.clauses.length === 0) return {};
    return this.clauses.length === 1 ? this.clauses[0] : { $and: this.clauses };
  }

  #with(clause: Record<string, JsonValue>): Query {
    return new Query([...this.clauses, clause], this.sortFields, this.pageSize);
  }
}
