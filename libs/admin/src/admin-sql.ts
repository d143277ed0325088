import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Dialect } from '@kaosnet/database';

export interface SqlResult<Row> {
  rows: Row[];
  affected: number;
}

/**
 * Runs one statement written with PostgreSQL `$n` placeholders on either dialect: for SQLite the
 * placeholders become `?` and the parameters are laid out in order of appearance. Keeps each
 * admin statement written once when the two dialects agree on the SQL itself.
 */
export async function runSql<Row = Record<string, unknown>>(
  target: DataSource | EntityManager,
  sql: string,
  params: unknown[],
): Promise<SqlResult<Row>> {
  const dataSource = 'manager' in target ? target : target.connection;
  const dialect: Dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  let text = sql;
  let values = params;
  if (dialect === 'sqlite') {
    values = [];
    text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      values.push(params[Number(n) - 1]);
      return '?';
    });
  }
  const ownRunner = 'manager' in target || !target.queryRunner;
  const runner: QueryRunner = 'manager' in target ? target.createQueryRunner() : (target.queryRunner ?? target.connection.createQueryRunner());
  try {
    const result = await runner.query(text, values, true);
    const rows = Array.isArray(result.records) ? (result.records as Row[]) : [];
    return { rows, affected: typeof result.affected === 'number' ? result.affected : rows.length };
  } finally {
    if (ownRunner) await runner.release();
  }
}

export function dialectOfSource(dataSource: DataSource): Dialect {
  return dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
}
