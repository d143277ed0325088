import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '@kaosnet/common';
import { mergeSchemas, type SchemaContribution } from './schema.js';

export interface DataSourceExtras {
  /** PostgreSQL schema to use (tests give each suite a fresh one). */
  pgSchema?: string;
  /** Max pool size on PostgreSQL. */
  poolSize?: number;
  logging?: boolean;
}

/** One place that turns `KAOS_DATABASE_URL` into TypeORM options; used by the app and `migrate`. */
export function buildDataSourceOptions(db: DatabaseConfig, schemas: SchemaContribution[], extras: DataSourceExtras = {}): DataSourceOptions {
  const { entities, migrations } = mergeSchemas(schemas);
  const common = {
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each' as const,
    logging: extras.logging ?? false,
  };
  if (db.type === 'sqlite') {
    const path = db.sqlitePath ?? ':memory:';
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: path,
      // WAL lets readers proceed during writes; busy_timeout makes concurrent writers wait
      // instead of failing with SQLITE_BUSY.
      prepareDatabase: (sqlite: { pragma: (s: string) => unknown }) => {
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('busy_timeout = 5000');
        sqlite.pragma('foreign_keys = ON');
        sqlite.pragma('synchronous = NORMAL');
      },
    } as DataSourceOptions;
  }
  return {
    ...common,
    type: 'postgres',
    url: db.url,
    schema: extras.pgSchema,
    extra: {
      max: extras.poolSize ?? 10,
      ...(extras.pgSchema ? { options: `-c search_path=${extras.pgSchema}` } : {}),
    },
  } as DataSourceOptions;
}

/** Opens the DataSource and brings the schema up to date with the migrations. */
export async function openDataSource(db: DatabaseConfig, schemas: SchemaContribution[], extras: DataSourceExtras = {}): Promise<DataSource> {
  const dataSource = new DataSource(buildDataSourceOptions(db, schemas, extras));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
