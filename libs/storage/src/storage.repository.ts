import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sql, SqlRunner, type SqlParam, type SqlStatement, type SqlWork } from '@kaosnet/database';
import type { SortSpec } from './query/query-ast.js';
import { POSTGRES_DIALECT, INDEX_STRING_PREFIX } from './query/query-compiler.postgres.js';
import { SQLITE_DIALECT } from './query/query-compiler.sqlite.js';
import type { QueryDialect } from './query/query-dialect.js';
import { join, raw, sq, type Frag } from './query/sql-fragment.js';
import type { StoragePosition } from './storage-cursor.js';
import type { IndexEntry } from './storage-index.js';
import type { JsonObject, StoragePermissionRead, StoragePermissionWrite } from './storage.types.js';

/** Owner column value of server-owned objects (a real value, so uniqueness holds without NULLs). */
export const SYSTEM_OWNER = '';

export interface StorageRow {
  collection: string;
  userId: string;
  key: string;
  value: JsonObject;
  version: string;
  permissionRead: StoragePermissionRead;
  permissionWrite: StoragePermissionWrite;
  createdAt: number;
  updatedAt: number;
}

export interface PreparedWrite {
  collection: string;
  userId: string;
  key: string;
  /** Canonical JSON text of the value. */
  valueJson: string;
  condition: { kind: 'none' } | { kind: 'create' } | { kind: 'version'; version: string };
  permissionRead: number;
  permissionWrite: number;
  newVersion: string;
  /** Only owner-writable objects may change (user callers). */
  requireOwnerWrite: boolean;
  /** PostgreSQL index entries; undefined = too many, mark the object partial. */
  entries: IndexEntry[] | undefined;
}

export interface PreparedDelete {
  collection: string;
  userId: string;
  key: string;
  version?: string;
  requireOwnerWrite: boolean;
}

/** Why one object of a batch failed; the service turns it into the error for that index. */
export type BatchFailure = { index: number; why: 'exists' | 'version' | 'forbidden' };
export class BatchAbort extends Error {
  constructor(readonly failure: BatchFailure) {
    super(`storage batch aborted at ${failure.index}: ${failure.why}`);
  }
}

/** Who is reading: the system sees everything, a user its own readable objects and public ones. */
export type Viewer = { kind: 'system' } | { kind: 'user'; userId: string };

export interface PageRequest {
  collection: string;
  owner?: string;
  keyPrefix?: string;
  viewer: Viewer;
  limit: number;
  after?: StoragePosition;
}

const COLUMNS =
  'o.collection, o.user_id, o.key, o.value, o.version, o.permission_read, o.permission_write, o.created_at, o.updated_at';

/** All storage SQL, for both dialects; the JSON query primitives live in query/. */
@Injectable()
export class StorageRepository {
  readonly #runner: SqlRunner;
  readonly dialect: QueryDialect;

  constructor(dataSource: DataSource) {
    this.#runner = new SqlRunner(dataSource);
    this.dialect = this.#runner.dialect === 'postgres' ? POSTGRES_DIALECT : SQLITE_DIALECT;
  }

  get isPostgres(): boolean {
    return this.dialect.name === 'postgres';
  }

  /**
   * Applies the whole batch in one transaction, or nothing (throws BatchAbort). Unconditional
   * writes go in one multi-row upsert; compare-and-swap and create-only ones one by one.
   */
  async write(batch: PreparedWrite[], now: number): Promise<void> {
    const pg = this.isPostgres;
    const json = pg ? '?::jsonb' : '?';
    const partialOf = (w: PreparedWrite): SqlParam => (pg ? String(w.entries === undefined) : w.entries === undefined ? 1 : 0);
    const values = (w: PreparedWrite): SqlParam[] => [w.collection, w.userId, w.key, w.valueJson, w.newVersion, w.permissionRead, w.permissionWrite, now, now, partialOf(w)];
    const insert = 'INSERT INTO storage_objects (collection, user_id, key, value, version, permission_read, permission_write, created_at, updated_at, index_partial) VALUES ';
    const tuple = `(?, ?, ?, ${json}, ?, ?, ?, ?, ?, ?)`;
    await this.#runner.atomic(function* (): SqlWork<void> {
      const written: { id: number; w: PreparedWrite }[] = [];
      const plain = batch.map((w, index) => ({ w, index })).filter((x) => x.w.condition.kind === 'none');
      for (let i = 0; i < plain.length; i += 50) {
        const chunk = plain.slice(i, i + 50);
        // All of a batch share one caller, so one owner-write rule covers the chunk.
        const ownerOnly = chunk[0].w.requireOwnerWrite ? ' WHERE storage_objects.permission_write = 1' : '';
        const result = yield sql(
          `${insert}${chunk.map(() => tuple).join(', ')} ON CONFLICT (collection, user_id, key) DO UPDATE SET value = excluded.value,
           version = excluded.version, permission_read = excluded.permission_read, permission_write = excluded.permission_write,
           updated_at = excluded.updated_at, index_partial = excluded.index_partial${ownerOnly} RETURNING id, version`,
          ...chunk.flatMap((x) => values(x.w)),
        );
        const byVersion = new Map(result.rows.map((r) => [String(r.version), Number(r.id)]));
        for (const x of chunk) {
          const id = byVersion.get(x.w.newVersion);
          if (id === undefined) throw new BatchAbort({ index: x.index, why: 'forbidden' });
          written.push({ id, w: x.w });
        }
      }
      for (let index = 0; index < batch.length; index++) {
        const w = batch[index];
        if (w.condition.kind === 'create') {
          const result = yield sql(`${insert}${tuple} ON CONFLICT (collection, user_id, key) DO NOTHING RETURNING id`, ...values(w));
          if (result.rows.length === 0) throw new BatchAbort({ index, why: 'exists' });
          written.push({ id: Number(result.rows[0].id), w });
        } else if (w.condition.kind === 'version') {
          const ownerOnly = w.requireOwnerWrite ? ' AND permission_write = 1' : '';
          const result = yield sql(
            `UPDATE storage_objects SET value = ${json}, version = ?, permission_read = ?, permission_write = ?, updated_at = ?, index_partial = ?
             WHERE collection = ? AND user_id = ? AND key = ? AND version = ?${ownerOnly} RETURNING id`,
            w.valueJson, w.newVersion, w.permissionRead, w.permissionWrite, now, partialOf(w),
            w.collection, w.userId, w.key, w.condition.version,
          );
          if (result.rows.length === 0) {
            const found = yield sql('SELECT version FROM storage_objects WHERE collection = ? AND user_id = ? AND key = ?', w.collection, w.userId, w.key);
            const row = found.rows[0];
            throw new BatchAbort({ index, why: !row || row.version !== w.condition.version ? 'version' : 'forbidden' });
          }
          written.push({ id: Number(result.rows[0].id), w });
        }
      }
      if (pg) yield* writeEntries(written);
    });
  }

  /** Deletes the batch in one transaction; a missing object without a version is a no-op. */
  async delete(batch: PreparedDelete[]): Promise<void> {
    await this.#runner.atomic(function* (): SqlWork<void> {
      for (let index = 0; index < batch.length; index++) {
        const d = batch[index];
        const ownerOnly = d.requireOwnerWrite ? ' AND permission_write = 1' : '';
        const versionCond = d.version === undefined ? '' : ' AND version = ?';
        const params: SqlParam[] = [d.collection, d.userId, d.key, ...(d.version === undefined ? [] : [d.version])];
        const result = yield sql(`DELETE FROM storage_objects WHERE collection = ? AND user_id = ? AND key = ?${versionCond}${ownerOnly} RETURNING id`, ...params);
        if (result.rows.length > 0) continue;
        const found = yield sql('SELECT version FROM storage_objects WHERE collection = ? AND user_id = ? AND key = ?', d.collection, d.userId, d.key);
        const row = found.rows[0];
        if (!row) {
          if (d.version !== undefined) throw new BatchAbort({ index, why: 'version' });
          continue;
        }
        throw new BatchAbort({ index, why: d.version !== undefined && row.version !== d.version ? 'version' : 'forbidden' });
      }
    });
  }

  async read(ids: { collection: string; userId: string; key: string }[], viewer: Viewer): Promise<StorageRow[]> {
    if (ids.length === 0) return [];
    const match = join(
      ids.map((id) => sq`(o.collection = ${id.collection} AND o.user_id = ${id.userId} AND o.key = ${id.key})`),
      ' OR ',
    );
    const where = sq`(${match}) AND ${visibility(viewer)}`;
    const rows = await this.#runner.read(statement(sq`SELECT ${raw(COLUMNS)} FROM storage_objects o WHERE ${where}`));
    return rows.map(toRow);
  }

  /** A page ordered by owner then key. */
  async list(req: PageRequest): Promise<StorageRow[]> {
    return this.query(req, undefined, [], []);
  }

  /**
   * A page of objects matching `where` (from the query compiler), ordered by the sort paths, then
   * owner, then key; `after` continues strictly after a previous page's last row (keyset paging:
   * rows are never skipped or repeated because of writes elsewhere in the collection).
   */
  async query(req: PageRequest, where: Frag | undefined, prefilters: Frag[], sort: SortSpec[]): Promise<(StorageRow & { sortKeys: [number, number, string][] })[]> {
    const d = this.dialect;
    const conds: Frag[] = [sq`o.collection = ${req.collection}`, visibility(req.viewer)];
    if (req.owner !== undefined) conds.push(sq`o.user_id = ${req.owner}`);
    if (req.keyPrefix) conds.push(sq`substr(o.key, 1, ${req.keyPrefix.length}) = ${req.keyPrefix}`);
    conds.push(...prefilters);
    if (where) conds.push(where);

    // Order terms: per sort path (rank, number, string) in its direction, then owner and key.
    const terms: { expr: Frag; desc: boolean }[] = [];
    const selects: Frag[] = [];
    sort.forEach((s, i) => {
      const k = d.sortKeys(s.path);
      const desc = s.direction === 'desc';
      terms.push({ expr: k.rank, desc }, { expr: k.num, desc }, { expr: k.str, desc });
      selects.push(sq`${k.rank} AS ${raw(`s${i}_r`)}, ${k.num} AS ${raw(`s${i}_n`)}, ${k.str} AS ${raw(`s${i}_s`)}`);
    });
    terms.push({ expr: raw('o.user_id'), desc: false }, { expr: raw('o.key'), desc: false });
    if (req.after) {
      const values: SqlParam[] = [...req.after.sortKeys.flat(), req.after.userId, req.after.key];
      conds.push(keysetAfter(terms, values, this.isPostgres));
    }
    const select = selects.length ? sq`${raw(COLUMNS)}, ${join(selects, ', ')}` : raw(COLUMNS);
    const order = join(terms.map((t) => sq`${t.expr} ${raw(t.desc ? 'DESC' : 'ASC')}`), ', ');
    const text = sq`SELECT ${select} FROM storage_objects o WHERE ${join(conds, ' AND ')} ORDER BY ${order} LIMIT ${raw(String(req.limit))}`;
    const rows = await this.#runner.read(statement(text));
    return rows.map((r) => ({
      ...toRow(r),
      sortKeys: sort.map((_, i) => [Number(r[`s${i}_r`]), Number(r[`s${i}_n`]), String(r[`s${i}_s`])] as [number, number, string]),
    }));
  }

  /** Collections with their object counts, by name (admin). */
  async collections(limit: number, after?: string): Promise<{ collection: string; count: number }[]> {
    const cond = after === undefined ? raw('1 = 1') : sq`collection > ${after}`;
    const rows = await this.#runner.read(
      statement(sq`SELECT collection, COUNT(*) AS count FROM storage_objects WHERE ${cond} GROUP BY collection ORDER BY collection LIMIT ${raw(String(limit))}`),
    );
    return rows.map((r) => ({ collection: String(r.collection), count: Number(r.count) }));
  }
}

/** PostgreSQL: replaces the index entries of the written objects (same transaction). */
function* writeEntries(written: { id: number; w: PreparedWrite }[]): SqlWork<void> {
  for (let i = 0; i < written.length; i += 500) {
    const ids = written.slice(i, i + 500).map((x) => x.id);
    yield sql(`DELETE FROM storage_index_entries WHERE object_id IN (${ids.map(() => '?').join(', ')})`, ...ids);
  }
  const rows = written.flatMap((x) => (x.w.entries ?? []).map((e) => [x.id, x.w.collection, e.path, e.num, e.str] as SqlParam[]));
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const tuples = chunk.map(() => `(?, ?, ?, ?::float8, left(?::text, ${INDEX_STRING_PREFIX}))`).join(', ');
    yield sql(`INSERT INTO storage_index_entries (object_id, collection, path, num, str) VALUES ${tuples}`, ...chunk.flat());
  }
}

function visibility(viewer: Viewer): Frag {
  if (viewer.kind === 'system') return raw('1 = 1');
  return sq`((o.user_id = ${viewer.userId} AND o.permission_read >= 1) OR o.permission_read = 2)`;
}

/** Lexicographic "row after these values" for mixed directions (row-value comparison cannot). */
function keysetAfter(terms: { expr: Frag; desc: boolean }[], values: SqlParam[], pg: boolean): Frag {
  const cast = (v: SqlParam, i: number): Frag => {
    if (!pg) return sq`${v}`;
    // Sort key triples are (rank int, number float8, string text C); owner/key are text.
    const kind = i < terms.length - 2 ? i % 3 : 2;
    return kind === 0 ? sq`${v}::int` : kind === 1 ? sq`${v}::float8` : sq`${v}::text COLLATE "C"`;
  };
  if (terms.every((t) => !t.desc)) {
    // All ascending: a row-value comparison, which both engines turn into one index range.
    return sq`((${join(terms.map((t) => t.expr), ', ')}) > (${join(values.map(cast), ', ')}))`;
  }
  const ors: Frag[] = [];
  for (let i = 0; i < terms.length; i++) {
    const eqs = terms.slice(0, i).map((t, j) => sq`${t.expr} = ${cast(values[j], j)}`);
    const cmp = sq`${terms[i].expr} ${raw(terms[i].desc ? '<' : '>')} ${cast(values[i], i)}`;
    ors.push(sq`(${join([...eqs, cmp], ' AND ')})`);
  }
  return sq`(${join(ors, ' OR ')})`;
}

function statement(f: Frag): SqlStatement {
  return { sql: f.text, params: f.params };
}

function toRow(r: Record<string, unknown>): StorageRow {
  return {
    collection: String(r.collection),
    userId: String(r.user_id),
    key: String(r.key),
    value: (typeof r.value === 'string' ? JSON.parse(r.value) : r.value) as JsonObject,
    version: String(r.version),
    permissionRead: Number(r.permission_read) as StoragePermissionRead,
    permissionWrite: Number(r.permission_write) as StoragePermissionWrite,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
