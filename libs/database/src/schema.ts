import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a feature lib contributes to the database: its entities and its migrations.
 * Migrations are classes whose names end in a 13-digit timestamp (TypeORM orders by it).
 */
export interface SchemaContribution {
  name: string;
  entities: Function[];
  migrations: (new () => MigrationInterface)[];
}

export type Dialect = 'postgres' | 'sqlite';

export function dialectOf(queryRunner: QueryRunner): Dialect {
  return queryRunner.connection.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

/** Runs the statement list for the runner's dialect, in order. */
export async function runDialectSql(queryRunner: QueryRunner, sql: Record<Dialect, string[]>): Promise<void> {
  for (const statement of sql[dialectOf(queryRunner)]) {
    await queryRunner.query(statement);
  }
}

export function mergeSchemas(contributions: SchemaContribution[]): { entities: Function[]; migrations: (new () => MigrationInterface)[] } {
  return {
    entities: contributions.flatMap((c) => c.entities),
    migrations: contributions.flatMap((c) => c.migrations),
  };
}
