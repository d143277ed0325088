import type { JsonValue } from '../storage.types.js';
import type { ComparisonOp, FieldPath, RangeOperand } from './query-ast.js';
import { canonicalJson, SQL_OP, type QueryDialect } from './query-dialect.js';
import { raw, sq } from './sql-fragment.js';

const NUMBER_TYPES = "('integer', 'real')";

/**
 * SQLite JSON1 primitives over canonical JSON text. `json_each` rows carry `type`, `atom` (the
 * SQL value of a scalar) and `value` (JSON text of a container). Text compares bytewise (BINARY).
 */
export const SQLITE_DIALECT: QueryDialect = {
  name: 'sqlite',
  root: raw('o.value'),
  child: (x, key) => sq`(${x} -> ${`$."${key}"`})`,
  fanOut: (x, alias) => sq`json_each(CASE WHEN json_type(${x}) = 'array' THEN ${x} ELSE json_array(json(${x})) END) AS ${raw(alias)}`,
  directIsArray: (path) => sq`COALESCE(json_type(o.value, ${`$.${path.map((s) => `"${s}"`).join('.')}`}), '') = 'array'`,
  nodeObject: (alias) => raw(`(CASE WHEN ${alias}.type = 'object' THEN ${alias}.value END)`),
  candidates: (x, alias) =>
    sq`json_each(CASE WHEN ${x} IS NULL THEN NULL WHEN json_type(${x}) = 'array' THEN json_insert(${x}, '$[#]', json(${x})) ELSE json_array(json(${x})) END) AS ${raw(alias)}`,
  isNull: (alias) => raw(`${alias}.type = 'null'`),
  equals: (alias, value: JsonValue) => {
    const a = raw(alias);
    if (value === null) return sq`${a}.type = 'null'`;
    if (typeof value === 'boolean') return value ? sq`${a}.type = 'true'` : sq`${a}.type = 'false'`;
    if (typeof value === 'number') return sq`(${a}.type IN ${raw(NUMBER_TYPES)} AND ${a}.atom = ${value})`;
    if (typeof value === 'string') return sq`(${a}.type = 'text' AND ${a}.atom = ${value})`;
    const type = Array.isArray(value) ? 'array' : 'object';
    return sq`(${a}.type = ${raw(`'${type}'`)} AND ${a}.value = ${canonicalJson(value)})`;
  },
  compare: (alias, op: ComparisonOp, value: RangeOperand) => {
    const a = raw(alias);
    const o = raw(SQL_OP[op]);
    if (typeof value === 'number') return sq`(${a}.type IN ${raw(NUMBER_TYPES)} AND ${a}.atom ${o} ${value})`;
    if (typeof value === 'string') return sq`(${a}.type = 'text' AND ${a}.atom ${o} ${value})`;
    return sq`(${a}.type IN ('true', 'false') AND ${a}.atom ${o} ${value ? 1 : 0})`;
  },
  contains: (alias, value) => sq`(${raw(alias)}.type = 'text' AND instr(${raw(alias)}.atom, ${value}) > 0)`,
  sortKeys: (path: FieldPath) => {
    const p = `$.${path.map((s) => `"${s}"`).join('.')}`;
    const t = sq`json_type(o.value, ${p})`;
    return {
      rank: sq`(CASE ${t} WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'true' THEN 5 WHEN 'false' THEN 5 ELSE 0 END)`,
      num: sq`(CASE ${t} WHEN 'integer' THEN json_extract(o.value, ${p}) WHEN 'real' THEN json_extract(o.value, ${p}) WHEN 'true' THEN 1 ELSE 0 END)`,
      str: sq`(CASE ${t} WHEN 'text' THEN json_extract(o.value, ${p}) ELSE '' END)`,
    };
  },
};
