import type { JsonValue } from '../storage.types.js';
import type { ComparisonOp, FieldPath, RangeOperand } from './query-ast.js';
import { canonicalJson, SQL_OP, type QueryDialect } from './query-dialect.js';
import { raw, sq, type Frag } from './sql-fragment.js';

/** PostgreSQL jsonb primitives. Strings compare in byte (code point) order: COLLATE "C". */
export const POSTGRES_DIALECT: QueryDialect = {
  name: 'postgres',
  root: raw('o.value'),
  child: (x, key) => sq`(${x} -> ${key}::text)`,
  fanOut: (x, alias) =>
    sq`jsonb_array_elements(CASE WHEN jsonb_typeof(${x}) = 'array' THEN ${x} ELSE jsonb_build_array(${x}) END) AS ${raw(alias)}(j)`,
  nodeObject: (alias) => raw(`${alias}.j`),
  directIsArray: (path) => sq`COALESCE(jsonb_typeof(o.value #> ${`{${path.join(',')}}`}::text[]), '') = 'array'`,
  candidates: (x, alias) =>
    sq`jsonb_array_elements(CASE WHEN ${x} IS NULL THEN NULL WHEN jsonb_typeof(${x}) = 'array' THEN ${x} || jsonb_build_array(${x}) ELSE jsonb_build_array(${x}) END) AS ${raw(alias)}(j)`,
  isNull: (alias) => raw(`jsonb_typeof(${alias}.j) = 'null'`),
  equals: (alias, value: JsonValue) => sq`${raw(alias)}.j = ${canonicalJson(value)}::jsonb`,
  compare: (alias, op: ComparisonOp, value: RangeOperand) => {
    const a = raw(alias);
    const o = raw(SQL_OP[op]);
    // CASE, not AND: PostgreSQL does not promise to test the type before evaluating the cast.
    if (typeof value === 'number') return sq`(CASE WHEN jsonb_typeof(${a}.j) = 'number' THEN (${a}.j)::numeric END) ${o} ${value}::numeric`;
    if (typeof value === 'string') return sq`(jsonb_typeof(${a}.j) = 'string' AND (${a}.j #>> '{}') COLLATE "C" ${o} ${value}::text)`;
    return sq`(CASE WHEN jsonb_typeof(${a}.j) = 'boolean' THEN (${a}.j)::boolean END) ${o} ${value ? 'true' : 'false'}::boolean`;
  },
  contains: (alias, value) => sq`(jsonb_typeof(${raw(alias)}.j) = 'string' AND strpos(${raw(alias)}.j #>> '{}', ${value}::text) > 0)`,
  sortKeys: (path: FieldPath) => {
    const x = sq`(o.value #> ${`{${path.join(',')}}`}::text[])`;
    return {
      rank: sq`(CASE jsonb_typeof(${x}) WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'boolean' THEN 5 ELSE 0 END)`,
      num: sq`(CASE jsonb_typeof(${x}) WHEN 'number' THEN (${x})::float8 WHEN 'boolean' THEN CASE WHEN (${x})::boolean THEN 1 ELSE 0 END ELSE 0 END)`,
      str: sq`(CASE jsonb_typeof(${x}) WHEN 'string' THEN ${x} #>> '{}' ELSE '' END) COLLATE "C"`,
    };
  },
};

/** Frag helper for the index prefilter: the string prefix the index keeps (see storage.repository). */
export const INDEX_STRING_PREFIX = 128;
export function indexStr(value: string): Frag {
  return sq`left(${value}::text, ${raw(String(INDEX_STRING_PREFIX))})`;
}
