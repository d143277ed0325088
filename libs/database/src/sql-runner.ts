import type { DataSource } from 'typeorm';
import type { Dialect } from './schema.js';

export type SqlParam = string | number | null;
export interface SqlStatement {
  sql: string;
  params: readonly SqlParam[];
}
export interface SqlResult<R = Record<string, unknown>> {
  rows: R[];
  affected: number;
}
/**
 * A unit of work written once for both dialects: it yields statements (SQL with `?` placeholders)
 * and receives their results. SqlRunner drives it inside one transaction.
 */
export type SqlWork<T> = Generator<SqlStatement, T, SqlResult>;

export function sql(text: string, ...params: SqlParam[]): SqlStatement {
  return { sql: text, params };
}

interface SqliteStatement {
  reader: boolean;
  all(...params: SqlParam[]): Record<string, unknown>[];
  run(...params: SqlParam[]): { changes: number };
}
interface SqliteTransaction<T> {
  (): T;
  immediate(): T;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  transaction<T>(fn: () => T): SqliteTransaction<T>;
}

/**
 * Runs a feature's SQL on either engine (shared by accounts, storage, …).
 *
 * Why not TypeORM transactions: TypeORM's better-sqlite3 driver shares ONE query runner and
 * connection, and `dataSource.transaction()` has no serialisation, so two concurrent transactions
 * interleave on it (the second becomes a SAVEPOINT of the first; a rollback of one undoes the
 * other). Here a SQLite unit of work runs synchronously inside better-sqlite3's own
 * `BEGIN IMMEDIATE` transaction, so nothing can interleave with it; on PostgreSQL it runs on its
 * own pooled connection in a real transaction. Races between units of work are then settled by
 * the database's unique constraints (callers retry on `isUniqueViolation`), not by JS locks.
 */
export class SqlRunner {
  readonly dialect: Dialect;
  readonly #dataSource: DataSource;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(dataSource: DataSource) {
    this.#dataSource = dataSource;
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /** One statement (autocommit). */
  async exec<R = Record<string, unknown>>(statement: SqlStatement): Promise<SqlResult<R>> {
    const result = await this.atomic(function* (): SqlWork<SqlResult> {
      return yield statement;
    });
    return result as SqlResult<R>;
  }

  /** Convenience for reads. */
  async rows<R = Record<string, unknown>>(text: string, ...params: SqlParam[]): Promise<R[]> {
    return (await this.exec<R>(sql(text, ...params))).rows;
  }

  /**
   * One read-only statement outside any explicit transaction: on PostgreSQL it goes straight to
   * the pool (no BEGIN/COMMIT round trips); on SQLite a single statement is atomic by itself.
   */
  async read<R = Record<string, unknown>>(statement: SqlStatement): Promise<R[]> {
    if (this.dialect === 'sqlite') {
      const db = (this.#dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
      return this.#runSqlite(db, statement).rows as R[];
    }
    return (await this.#dataSource.query(toPostgres(statement.sql), [...statement.params])) as R[];
  }

  /** Runs `work` as one transaction; any error rolls it back and is rethrown unchanged. */
  async atomic<T>(work: () => SqlWork<T>): Promise<T> {
    if (this.dialect === 'sqlite') {
      const db = (this.#dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
      return db
        .transaction(() => {
          const gen = work();
          let step = gen.next();
          while (!step.done) step = gen.next(this.#runSqlite(db, step.value));
          return step.value;
        })
        .immediate();
    }
    const qr = this.#dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const gen = work();
      let step = gen.next();
      while (!step.done) {
        const r = await qr.query(toPostgres(step.value.sql), [...step.value.params], true);
        step = gen.next({ rows: (r.records ?? []) as Record<string, unknown>[], affected: r.affected ?? 0 });
      }
      await qr.commitTransaction();
      return step.value;
    } catch (error) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await qr.release();
    }
  }

  #runSqlite(db: SqliteDatabase, statement: SqlStatement): SqlResult {
    let prepared = this.#statements.get(statement.sql);
    if (!prepared) {
      // Some features build SQL per request shape (storage queries): keep the cache bounded.
      if (this.#statements.size >= MAX_CACHED_STATEMENTS) this.#statements.clear();
      prepared = db.prepare(statement.sql);
      this.#statements.set(statement.sql, prepared);
    }
    if (prepared.reader) {
      // SELECT, or a write with RETURNING: the returned rows are what it touched.
      const rows = prepared.all(...statement.params);
      return { rows, affected: rows.length };
    }
    return { rows: [], affected: prepared.run(...statement.params).changes };
  }
}

const MAX_CACHED_STATEMENTS = 512;

/** `?` → `$1, $2, …` (callers never put a literal `?` in SQL text: values are always bound). */
function toPostgres(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
