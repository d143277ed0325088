import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Query as MingoQuery } from 'mingo';
import { SYSTEM_CALLER } from '@kaosnet/common';
import { testDialects, type TestDatabase } from '@kaosnet/database';
import type { StorageService } from './storage.service.js';
import type { JsonValue } from './storage.types.js';
import { openStorage, seededRandom } from './testing/storage-test-kit.js';

/**
 * Differential test: random documents and random filters over every operator, answered by the
 * database (compiled SQL) and by mingo (an independent MongoDB-semantics implementation).
 * Not generated here (see docs/storage.md): arrays directly inside arrays (mingo walks into them,
 * MongoDB does not; covered by storage.service.int-spec), `$gt/$lt/$gte/$lte: null`
 * (we follow MongoDB; mingo does not), range operands that are arrays or objects (rejected).
 */
const SEED = Number(process.env.KAOS_STORAGE_DIFF_SEED ?? 20260501);
const DOCS = 240;
const QUERIES = Number(process.env.KAOS_STORAGE_DIFF_QUERIES ?? 1500);

const SCALARS: JsonValue[] = [0, 1, 2, 3, -1, 2.5, 'a', 'b', 'ab', 'ba', '', 'B', 'a b', true, false, null];
const PATHS = ['a', 'b', 'c', 'a.x', 'a.y', 'b.x', 'a.x.y', 'c.x.x', 'a.z'];
const KEYS = ['x', 'y', 'z'];

function generator(rnd: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  // Once inside an array, no more arrays: mingo walks into arrays nested in arrays, which MongoDB
  // does not (`{a: [[2]]}` does not match `{a: 2}`), and misses some arrays inside objects inside
  // arrays (`{a: [{y: 2}, {y: [0]}]}` vs `{"a.y": {$lt: 2}}`). Those shapes have their own tests.
  const value = (depth: number, inArray = false): JsonValue => {
    const r = rnd();
    if (depth >= 3 || r < 0.55) return pick(SCALARS);
    if (r < 0.78 && !inArray) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1, true));
    const o: Record<string, JsonValue> = {};
    for (const k of KEYS) if (rnd() < 0.5) o[k] = value(depth + 1, inArray);
    return o;
  };
  const doc = (): Record<string, JsonValue> => {
    const d: Record<string, JsonValue> = {};
    for (const k of ['a', 'b', 'c']) if (rnd() < 0.8) d[k] = value(0);
    return d;
  };
  const nonNullScalar = () => pick(SCALARS.filter((s) => s !== null));
  // Array operands: mingo treats `[]` as matching a missing path and does not match arrays given
  // inside $in/$nin, and compares a dotted path's fanned-out values as one array; so only
  // non-empty arrays, for $eq/$ne on undotted paths (own tests cover the rest).
  let dotted = false;
  const eqOperand = (forIn = false): JsonValue => {
    if (rnd() < 0.85) return pick(SCALARS);
    const v = value(1);
    return Array.isArray(v) && (forIn || dotted || v.length === 0) ? pick(SCALARS) : v;
  };
  const fieldCond = (depth: number): JsonValue => {
    switch (Math.floor(rnd() * 12)) {
      case 0:
        return eqOperand();
      case 1:
        return { $eq: eqOperand() };
      case 2:
        return { $ne: eqOperand() };
      case 3:
        return { $gt: nonNullScalar() };
      case 4:
        return { $gte: nonNullScalar() };
      case 5:
        return { $lt: nonNullScalar() };
      case 6:
        return { $lte: nonNullScalar() };
      case 7:
        return { $in: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => eqOperand(true)) };
      case 8:
        return { $nin: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => eqOperand(true)) };
      case 9:
        return { $exists: rnd() < 0.5 };
      case 10:
        return { $contains: pick(['a', 'b', '', ' ', 'ab']) };
      default:
        return depth < 2 ? { $not: { $gt: nonNullScalar(), ...(rnd() < 0.3 ? { $lt: nonNullScalar() } : {}) } } : { $gt: nonNullScalar() };
    }
  };
  const filter = (depth: number): Record<string, JsonValue> => {
    const r = rnd();
    if (depth < 2 && r < 0.25) {
      const op = pick(['$and', '$or', '$nor']);
      return { [op]: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => filter(depth + 1)) };
    }
    const f: Record<string, JsonValue> = {};
    const n = 1 + Math.floor(rnd() * 2);
    for (let i = 0; i < n; i++) {
      const path = pick(PATHS);
      dotted = path.includes('.');
      f[path] = fieldCond(depth);
    }
    return f;
  };
  return { doc, filter };
}

/** `$contains` is ours; for mingo it is an escaped `$regex` (which, like ours, only matches strings). */
function toMingo(f: JsonValue): JsonValue {
  if (Array.isArray(f)) return f.map(toMingo);
  if (f === null || typeof f !== 'object') return f;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(f)) {
    if (k === '$contains') out.$regex = (v as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (k === '$eq' || k === '$ne' || k === '$in' || k === '$nin') out[k] = v;
    else out[k] = toMingo(v);
  }
  return out;
}

describe.each(testDialects())('storage query language against mingo on %s', (dialect) => {
  let db: TestDatabase;
  let sut: StorageService;
  const rnd = seededRandom(SEED);
  const gen = generator(rnd);
  const docs = Array.from({ length: DOCS }, () => gen.doc());

  beforeAll(async () => {
    ({ db, sut } = await openStorage(dialect, { maxPageSize: 1000 }));
    for (let i = 0; i < docs.length; i += 100) {
      await sut.write(SYSTEM_CALLER, docs.slice(i, i + 100).map((value, j) => ({ collection: 'diff', key: String(i + j).padStart(4, '0'), value })));
    }
  });
  afterAll(async () => {
    await db.close();
  });

  async function dbAnswer(filter: JsonValue): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await sut.query(SYSTEM_CALLER, 'diff', { filter, limit: 1000, cursor });
      keys.push(...page.objects.map((o) => o.key));
      cursor = page.cursor;
    } while (cursor);
    return keys.sort();
  }

  it(`agrees with mingo on ${QUERIES} seeded random filters over ${DOCS} documents (seed ${SEED})`, async () => {
    const mismatches: string[] = [];
    const qrnd = seededRandom(SEED + (dialect === 'postgres' ? 1 : 2));
    const qgen = generator(qrnd);
    for (let q = 0; q < QUERIES && mismatches.length < 5; q++) {
      const filter = qgen.filter(0);
      const mingo = new MingoQuery(toMingo(filter) as Record<string, unknown>);
      const expected = docs.flatMap((d, i) => (mingo.test(d) ? [String(i).padStart(4, '0')] : []));
      const actual = await dbAnswer(filter);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        const onlyDb = actual.filter((k) => !expected.includes(k));
        const onlyMingo = expected.filter((k) => !actual.includes(k));
        const k = onlyDb[0] ?? onlyMingo[0];
        mismatches.push(
          `query ${JSON.stringify(filter)}\n  document ${k}: ${JSON.stringify(docs[Number(k)])}\n  database: ${onlyDb.includes(k) ? 'match' : 'no match'}, mingo: ${onlyMingo.includes(k) ? 'match' : 'no match'}` +
            `\n  (${onlyDb.length} only in database, ${onlyMingo.length} only in mingo)`,
        );
      }
    }
    if (mismatches.length) console.error(mismatches.join('\n\n'));
    expect(mismatches).toEqual([]);
  }, 120_000);
});
