import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KaosError, SYSTEM_CALLER, userCaller, type Caller } from '@kaosnet/common';
import { testDialects, type TestDatabase } from '@kaosnet/database';
import { Query, QueryOp } from './query/query-builder.js';
import { Storage } from './storage.api.js';
import { StorageService } from './storage.service.js';
import type { StorageObject } from './storage.types.js';
import { openStorage } from './testing/storage-test-kit.js';

const SQL_SHAPED = ["'; DROP TABLE storage_objects; --", '" OR 1=1 --', 'a\') OR (1=1', '$."x"', '?'];

async function rejects(p: Promise<unknown>, code: string, reason?: string): Promise<KaosError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KaosError);
  expect((e as KaosError).code).toBe(code);
  if (reason) expect((e as KaosError).reason).toBe(reason);
  return e as KaosError;
}

describe.each(testDialects())(`${StorageService.name} on %s`, (dialect) => {
  let db: TestDatabase;
  let sut: StorageService;
  const alice = userCaller('alice');
  const bob = userCaller('bob');
  let n = 0;
  const col = () => `c${++n}`;

  beforeAll(async () => {
    ({ db, sut } = await openStorage(dialect, { maxValueBytes: 2048, maxBatch: 20, maxQueryDepth: 4, maxQueryClauses: 16 }));
  });
  afterAll(async () => {
    await db.close();
  });

  const keys = (objs: StorageObject[]) => objs.map((o) => o.key);

  describe('writes and versions', () => {
    it('writes, reads back and changes the version on every write', async () => {
      const c = col();
      const [a1] = await sut.write(alice, [{ collection: c, key: 'k', value: { n: 1 } }]);
      expect(a1).toEqual({ collection: c, key: 'k', userId: 'alice', version: expect.any(String) });
      const [a2] = await sut.write(alice, [{ collection: c, key: 'k', value: { n: 2 } }]);
      expect(a2.version).not.toBe(a1.version);
      const [obj] = await sut.read(alice, [{ collection: c, key: 'k' }]);
      expect(obj).toMatchObject({ userId: 'alice', value: { n: 2 }, version: a2.version, permissionRead: 1, permissionWrite: 1 });
    });

    it('fails a whole batch with CONFLICT on a stale version and writes nothing', async () => {
      const c = col();
      const [a] = await sut.write(alice, [{ collection: c, key: 'x', value: { n: 1 } }]);
      await sut.write(alice, [{ collection: c, key: 'x', value: { n: 2 } }]);
      await rejects(
        sut.write(alice, [
          { collection: c, key: 'new', value: { n: 1 } },
          { collection: c, key: 'x', value: { n: 3 }, version: a.version },
        ]),
        'CONFLICT',
        'STORAGE_VERSION_MISMATCH',
      );
      expect(keys(await sut.read(alice, [{ collection: c, key: 'new' }]))).toEqual([]);
      expect((await sut.read(alice, [{ collection: c, key: 'x' }]))[0].value).toEqual({ n: 2 });
    });

    it('treats "*" as create-only and a version on a missing object as CONFLICT', async () => {
      const c = col();
      await sut.write(alice, [{ collection: c, key: 'x', value: { n: 1 }, version: '*' }]);
      await rejects(sut.write(alice, [{ collection: c, key: 'x', value: { n: 2 }, version: '*' }]), 'CONFLICT', 'STORAGE_ALREADY_EXISTS');
      await rejects(sut.write(alice, [{ collection: c, key: 'nope', value: { n: 2 }, version: 'abc' }]), 'CONFLICT', 'STORAGE_VERSION_MISMATCH');
    });

    it('deletes with and without versions, atomically', async () => {
      const c = col();
      const [a, b] = await sut.write(alice, [
        { collection: c, key: 'a', value: {} },
        { collection: c, key: 'b', value: {} },
      ]);
      await rejects(
        sut.delete(alice, [
          { collection: c, key: 'a', version: a.version },
          { collection: c, key: 'b', version: 'stale' },
        ]),
        'CONFLICT',
      );
      expect(await sut.read(alice, [{ collection: c, key: 'a' }])).toHaveLength(1);
      await sut.delete(alice, [{ collection: c, key: 'a', version: a.version }, { collection: c, key: 'b', version: b.version }, { collection: c, key: 'never' }]);
      expect(await sut.read(alice, [{ collection: c, key: 'a' }, { collection: c, key: 'b' }])).toEqual([]);
    });

    it('N concurrent writers doing M compare-and-swap increments end at exactly N×M', async () => {
      const c = col();
      await sut.write(SYSTEM_CALLER, [{ collection: c, key: 'counter', value: { n: 0 } }]);
      const N = 8;
      const M = 12;
      let conflicts = 0;
      const writer = async () => {
        for (let i = 0; i < M; i++) {
          for (;;) {
            const [cur] = await sut.read(SYSTEM_CALLER, [{ collection: c, key: 'counter' }]);
            try {
              await sut.write(SYSTEM_CALLER, [{ collection: c, key: 'counter', value: { n: (cur.value.n as number) + 1 }, version: cur.version }]);
              break;
            } catch (e) {
              if (!(e instanceof KaosError) || e.code !== 'CONFLICT') throw e;
              conflicts++;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: N }, writer));
      const [final] = await sut.read(SYSTEM_CALLER, [{ collection: c, key: 'counter' }]);
      expect(final.value.n).toBe(N * M);
      expect(conflicts).toBeGreaterThanOrEqual(0);
    }, 60_000);

    it('a create-only race has exactly one winner', async () => {
      const c = col();
      const results = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) => sut.write(SYSTEM_CALLER, [{ collection: c, key: 'only', value: { by: i }, version: '*' }])),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost.every((r) => (r.reason as KaosError).code === 'CONFLICT')).toBe(true);
    }, 30_000);
  });

  describe('permissions matrix', () => {
    // Objects of alice's with every read/write permission, and a server-owned one of each.
    const cases: { read: 0 | 1 | 2; write: 0 | 1 }[] = [0, 1, 2].flatMap((read) => [0, 1].map((write) => ({ read: read as 0 | 1 | 2, write: write as 0 | 1 })));
    const key = (c: { read: number; write: number }) => `r${c.read}w${c.write}`;
    let c: string;
    beforeAll(async () => {
      c = col();
      await sut.write(
        SYSTEM_CALLER,
        cases.flatMap((p) => [
          { collection: c, key: key(p), userId: 'alice', value: { p: key(p) }, permissionRead: p.read, permissionWrite: p.write },
          { collection: c, key: key(p), userId: null, value: { p: key(p) }, permissionRead: p.read, permissionWrite: p.write },
        ]),
      );
    });

    const canRead = (who: 'owner' | 'other' | 'system', read: number) => who === 'system' || read === 2 || (who === 'owner' && read >= 1);
    const canWrite = (who: 'owner' | 'other' | 'system', write: number) => who === 'system' || (who === 'owner' && write === 1);
    const callers: Record<'owner' | 'other' | 'system', Caller> = { owner: alice, other: bob, system: SYSTEM_CALLER };

    for (const who of ['owner', 'other', 'system'] as const) {
      for (const p of cases) {
        it(`${who} caller, read ${p.read} write ${p.write}: read ${canRead(who, p.read) ? 'allowed' : 'hidden'}, write ${canWrite(who, p.write) ? 'allowed' : 'refused'}`, async () => {
          const caller = callers[who];
          const got = await sut.read(caller, [{ collection: c, key: key(p), userId: 'alice' }]);
          expect(got.length).toBe(canRead(who, p.read) ? 1 : 0);
          const listed = await sut.list(caller, c, { userId: 'alice', limit: 100 });
          expect(keys(listed.objects).includes(key(p))).toBe(canRead(who, p.read));
          const queried = await sut.query(caller, c, { userId: 'alice', filter: { p: key(p) } });
          expect(queried.objects.length).toBe(canRead(who, p.read) ? 1 : 0);
          // Writes: a user names only itself; the system may write anyone's.
          const write = sut.write(caller, [{ collection: c, key: key(p), userId: 'alice', value: { p: key(p) }, permissionRead: p.read, permissionWrite: p.write }]);
          if (canWrite(who, p.write)) await write;
          else await rejects(write, 'FORBIDDEN', who === 'other' ? 'STORAGE_OWNER_FORBIDDEN' : 'STORAGE_WRITE_FORBIDDEN');
          // Server-owned objects: users read only public ones and never write them.
          expect((await sut.read(caller, [{ collection: c, key: key(p), userId: null }])).length).toBe(who === 'system' || p.read === 2 ? 1 : 0);
          const sysWrite = sut.write(caller, [{ collection: c, key: key(p), userId: null, value: { p: key(p) }, permissionRead: p.read, permissionWrite: p.write }]);
          if (who === 'system') await sysWrite;
          else await rejects(sysWrite, 'FORBIDDEN', 'STORAGE_OWNER_FORBIDDEN');
        });
      }
    }

    it('a user cannot delete an object whose write permission is 0, nor anyone else’s', async () => {
      await rejects(sut.delete(alice, [{ collection: c, key: 'r1w0' }]), 'FORBIDDEN', 'STORAGE_WRITE_FORBIDDEN');
      await rejects(sut.delete(bob, [{ collection: c, key: 'r2w1', userId: 'alice' }]), 'FORBIDDEN', 'STORAGE_OWNER_FORBIDDEN');
      expect(await sut.read(alice, [{ collection: c, key: 'r1w0' }])).toHaveLength(1);
    });

    it('collections are listed for the system only', async () => {
      await rejects(sut.listCollections(alice), 'FORBIDDEN');
      expect((await sut.listCollections(SYSTEM_CALLER, { limit: 100 })).map((x) => x.collection)).toContain(c);
    });
  });

  describe('bad input is refused with a clear error and nothing is written', () => {
    const nothingWritten = async (c: string) => expect((await sut.list(SYSTEM_CALLER, c, {})).objects).toEqual([]);

    it.each([
      ['an array', [1, 2]],
      ['a string', 'x'],
      ['null', null],
      ['a number', 5],
    ])('refuses %s as a value', async (_name, value) => {
      const c = col();
      const e = await rejects(sut.write(alice, [{ collection: c, key: 'ok', value: { a: 1 } }, { collection: c, key: 'k', value }]), 'BAD_REQUEST', 'STORAGE_INVALID_VALUE');
      expect(e.message).toContain('objects[1].value');
      await nothingWritten(c);
    });

    it('refuses an oversize value (TOO_LARGE) and an oversize batch', async () => {
      const c = col();
      await rejects(sut.write(alice, [{ collection: c, key: 'big', value: { s: 'x'.repeat(4000) } }]), 'TOO_LARGE', 'STORAGE_VALUE_TOO_LARGE');
      await rejects(sut.write(alice, Array.from({ length: 21 }, (_, i) => ({ collection: c, key: `k${i}`, value: {} }))), 'TOO_LARGE', 'STORAGE_BATCH_TOO_LARGE');
      await rejects(sut.read(alice, Array.from({ length: 21 }, (_, i) => ({ collection: c, key: `k${i}` }))), 'TOO_LARGE');
      await nothingWritten(c);
    });

    it('refuses the same object twice in one batch', async () => {
      const c = col();
      await rejects(sut.write(alice, [{ collection: c, key: 'k', value: {} }, { collection: c, key: 'k', value: {} }]), 'BAD_REQUEST', 'STORAGE_DUPLICATE_ID');
      await nothingWritten(c);
    });

    it('refuses unknown operators, bad operands, over-deep and over-large queries', async () => {
      const c = col();
      await rejects(sut.query(alice, c, { filter: { a: { $where: 'sleep(1)' } } }), 'BAD_REQUEST', 'STORAGE_UNKNOWN_OPERATOR');
      await rejects(sut.query(alice, c, { filter: { $expr: {} } }), 'BAD_REQUEST', 'STORAGE_UNKNOWN_OPERATOR');
      await rejects(sut.query(alice, c, { filter: { a: { $gt: [1] } } }), 'BAD_REQUEST', 'STORAGE_INVALID_QUERY');
      await rejects(sut.query(alice, c, { filter: { a: { $in: 5 } } }), 'BAD_REQUEST', 'STORAGE_INVALID_QUERY');
      await rejects(sut.query(alice, c, { filter: { a: { $gt: 1, b: 2 } } }), 'BAD_REQUEST', 'STORAGE_INVALID_QUERY');
      await rejects(sut.query(alice, c, { filter: { $or: [] } }), 'BAD_REQUEST', 'STORAGE_INVALID_QUERY');
      const deep = { $and: [{ $or: [{ $nor: [{ $and: [{ $or: [{ a: 1 }] }] }] }] }] };
      await rejects(sut.query(alice, c, { filter: deep }), 'BAD_REQUEST', 'STORAGE_QUERY_TOO_COMPLEX');
      await rejects(sut.query(alice, c, { filter: { a: { $in: Array.from({ length: 17 }, (_, i) => i) } } }), 'BAD_REQUEST', 'STORAGE_QUERY_TOO_COMPLEX');
      await rejects(sut.query(alice, c, { filter: [] }), 'BAD_REQUEST');
      await rejects(sut.query(alice, c, { filter: {}, sort: [{ path: 'a', direction: 'up' }] }), 'BAD_REQUEST');
    });

    it.each(SQL_SHAPED)('refuses the SQL-shaped field path %j in filters and sorts', async (path) => {
      const c = col();
      // A top-level key starting with $ is read as an (unknown) operator.
      await rejects(sut.query(alice, c, { filter: { [path]: 1 } }), 'BAD_REQUEST', path.startsWith('$') ? 'STORAGE_UNKNOWN_OPERATOR' : 'STORAGE_INVALID_PATH');
      await rejects(sut.query(alice, c, { filter: {}, sort: [{ path }] }), 'BAD_REQUEST', 'STORAGE_INVALID_PATH');
    });

    it('stores SQL-shaped collections, keys, values and operands as plain data', async () => {
      const c = col();
      await sut.write(alice, SQL_SHAPED.map((k) => ({ collection: c, key: k, value: { s: k, [k]: k } })));
      const all = await sut.list(alice, c, { limit: 100 });
      expect(keys(all.objects).sort()).toEqual([...SQL_SHAPED].sort());
      for (const k of SQL_SHAPED) {
        expect(keys((await sut.query(alice, c, { filter: { s: k } })).objects)).toEqual([k]);
        expect(keys((await sut.query(alice, c, { filter: { s: { $contains: k } } })).objects)).toContain(k);
      }
      await sut.write(alice, [{ collection: SQL_SHAPED[0], key: SQL_SHAPED[1], value: { ok: true } }]);
      expect(await sut.read(alice, [{ collection: SQL_SHAPED[0], key: SQL_SHAPED[1] }])).toHaveLength(1);
    });

    it('refuses malformed and foreign cursors', async () => {
      const c = col();
      await sut.write(alice, [1, 2, 3].map((i) => ({ collection: c, key: `k${i}`, value: { i } })));
      for (const cursor of ['!!!', 'e30', Buffer.from('{"f":"x","s":[],"u":"","k":""}').toString('base64url'), 'a'.repeat(5000)]) {
        await rejects(sut.list(alice, c, { cursor }), 'BAD_REQUEST', 'STORAGE_INVALID_CURSOR');
      }
      const page = await sut.query(alice, c, { filter: {}, limit: 1 });
      await rejects(sut.query(alice, c, { filter: { i: 2 }, limit: 1, cursor: page.cursor }), 'BAD_REQUEST', 'STORAGE_INVALID_CURSOR');
      await rejects(sut.list(alice, c, { cursor: page.cursor }), 'BAD_REQUEST', 'STORAGE_INVALID_CURSOR');
    });

    it('refuses bad names, limits and permissions', async () => {
      await rejects(sut.write(alice, [{ collection: '', key: 'k', value: {} }]), 'BAD_REQUEST');
      await rejects(sut.write(alice, [{ collection: 'c', key: 'a\u0000b', value: {} }]), 'BAD_REQUEST');
      await rejects(sut.write(alice, [{ collection: 'c', key: 'k', value: {}, permissionRead: 3 }]), 'BAD_REQUEST');
      await rejects(sut.list(alice, 'c', { limit: 0 }), 'BAD_REQUEST');
      await rejects(sut.list(alice, 'c', { limit: 101 }), 'BAD_REQUEST');
      await rejects(sut.write(alice, []), 'BAD_REQUEST');
    });
  });

  describe('query semantics beyond the differential test', () => {
    let c: string;
    beforeAll(async () => {
      c = col();
      const docs: Record<string, unknown>[] = [
        { a: [[2]] }, // 0 nested array: not reached by {a: 2}
        { a: [2, 3] }, // 1
        { a: [{ y: 2 }, { y: [0] }] }, // 2 array inside object inside array
        { a: { y: [1, [5]] } }, // 3
        { a: [1, 2] }, // 4 whole-array equality
        { a: [] }, // 5
        { a: 3 }, // 6
        {}, // 7
        { a: { x: 1, y: 2 } }, // 8 object equality ignores key order
        { level: 7, name: 'Sword of Kaos' }, // 9
        { level: '9' }, // 10 a string never compares with a number
      ];
      await sut.write(SYSTEM_CALLER, docs.map((value, i) => ({ collection: c, key: `d${i}`, value })));
    });
    const q = async (filter: unknown) => keys((await sut.query(SYSTEM_CALLER, c, { filter, limit: 100 })).objects).sort();

    it('does not walk into arrays nested in arrays', async () => {
      expect(await q({ a: 2 })).toEqual(['d1', 'd4']);
      expect(await q({ a: [2] })).toEqual(['d0']);
      expect(await q({ 'a.y': 5 })).toEqual([]);
      expect(await q({ 'a.y': [5] })).toEqual(['d3']);
    });

    it('reaches arrays inside objects inside arrays', async () => {
      expect(await q({ 'a.y': { $lt: 2 } })).toEqual(['d2', 'd3']);
    });

    it('compares whole arrays and objects (key order ignored)', async () => {
      expect(await q({ a: [1, 2] })).toEqual(['d4']);
      expect(await q({ a: [] })).toEqual(['d5']);
      expect(await q({ a: { y: 2, x: 1 } })).toEqual(['d8']);
      expect(await q({ a: { $in: [[2, 3], 6] } })).toEqual(['d1']);
    });

    it('follows MongoDB on null range operands and type bracketing', async () => {
      expect(await q({ level: { $gte: 5 } })).toEqual(['d9']);
      expect(await q({ level: { $gt: null } })).toEqual([]);
      expect(await q({ level: { $gte: null } })).toEqual(expect.arrayContaining(['d0', 'd7']));
      expect(await q({ level: { $gte: null } })).not.toContain('d9');
    });

    it('matches substrings case-sensitively with $contains', async () => {
      expect(await q({ name: { $contains: 'of K' } })).toEqual(['d9']);
      expect(await q({ name: { $contains: 'kaos' } })).toEqual([]);
    });
  });

  describe('sorting and cursors', () => {
    it('sorts by paths with MongoDB type order and pages without gaps or repeats under concurrent writes', async () => {
      const c = col();
      const values: unknown[] = [5, 1, 'b', 'a', true, false, null, 2.5, { z: 1 }, [1], -3, 'A'];
      await sut.write(SYSTEM_CALLER, values.map((v, i) => ({ collection: c, key: `k${String(i).padStart(2, '0')}`, value: v === undefined ? {} : { v } })));
      await sut.write(SYSTEM_CALLER, [{ collection: c, key: 'missing', value: {} }]);
      const seen: string[] = [];
      let cursor: string | undefined;
      let i = 0;
      do {
        const page = await sut.query(SYSTEM_CALLER, c, { filter: {}, sort: [{ path: 'v', direction: 'asc' }], limit: 3, cursor });
        seen.push(...keys(page.objects));
        cursor = page.cursor;
        // A write elsewhere in the collection between pages must not disturb the walk.
        await sut.write(SYSTEM_CALLER, [{ collection: c, key: `zz-new-${i++}`, value: { v: 'zzz' } }]);
      } while (cursor);
      const orderOf = (k: string) => seen.indexOf(k);
      // null/missing < numbers < strings < objects < arrays < booleans
      expect(orderOf('k06')).toBeLessThan(orderOf('k10'));
      expect(orderOf('k10')).toBeLessThan(orderOf('k01'));
      expect(orderOf('k01')).toBeLessThan(orderOf('k07'));
      expect(orderOf('k00')).toBeLessThan(orderOf('k11'));
      expect(orderOf('k11')).toBeLessThan(orderOf('k03'));
      expect(orderOf('k03')).toBeLessThan(orderOf('k02'));
      expect(orderOf('k02')).toBeLessThan(orderOf('k08'));
      expect(orderOf('k08')).toBeLessThan(orderOf('k09'));
      expect(orderOf('k09')).toBeLessThan(orderOf('k05'));
      expect(orderOf('k05')).toBeLessThan(orderOf('k04'));
      const originals = [...values.map((_, j) => `k${String(j).padStart(2, '0')}`), 'missing'];
      for (const k of originals) expect(seen.filter((s) => s === k)).toHaveLength(1);
    });

    it('pages descending over two paths', async () => {
      const c = col();
      await sut.write(SYSTEM_CALLER, Array.from({ length: 10 }, (_, i) => ({ collection: c, key: `k${i}`, value: { g: i % 3, n: i } })));
      const seen: number[][] = [];
      let cursor: string | undefined;
      do {
        const page = await sut.query(SYSTEM_CALLER, c, { filter: { n: { $gte: 0 } }, sort: { g: -1, n: 1 }, limit: 4, cursor });
        seen.push(...page.objects.map((o) => [o.value.g as number, o.value.n as number]));
        cursor = page.cursor;
      } while (cursor);
      expect(seen).toEqual([
        [2, 2], [2, 5], [2, 8], [1, 1], [1, 4], [1, 7], [0, 0], [0, 3], [0, 6], [0, 9],
      ]);
    });
  });

  describe('the seed-shaped API', () => {
    it('sets, gets and queries with Query.new().filter(path, QueryOp.gte(5))', async () => {
      const storage = new Storage(sut);
      const c = col();
      await storage.set('user123', c, 'sword', { damage: 50, level: 10 });
      await storage.set('user123', c, 'stick', { damage: 1, level: 1 });
      expect((await storage.get('user123', c, 'sword'))?.value).toEqual({ damage: 50, level: 10 });
      const items = await storage.query('user123', c, Query.new().filter('level', QueryOp.gte(5)));
      expect(keys(items)).toEqual(['sword']);
      const either = await storage.query('user123', c, Query.or(Query.new().filter('level', 1), Query.new().filter('damage', QueryOp.gt(40))).sort('level', 'desc'));
      expect(keys(either)).toEqual(['sword', 'stick']);
      expect(keys(await storage.query('user123', c, Query.new().filter('level', QueryOp.not(QueryOp.gt(5)))))).toEqual(['stick']);
      // Bound to a user caller, its permissions apply.
      await rejects(storage.as(userCaller('other')).set('user123', c, 'sword', {}), 'FORBIDDEN');
    });
  });
});
