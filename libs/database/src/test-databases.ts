import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { parseDatabaseUrl } from '@kaosnet/common';
import { openDataSource } from './data-source.js';
import type { Dialect, SchemaContribution } from './schema.js';

/**
 * Integration-suite support: every suite runs against a real SQLite file and a real PostgreSQL,
 * each with a fresh schema. Not a fake: `pg-mem` and mocks are not used anywhere.
 */
export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function testPostgresUrl(): string {
  return process.env.KAOS_TEST_DATABASE_URL || DEFAULT_TEST_PG_URL;
}

/** Which dialects this run covers. Set by test/support/global-setup.ts after probing PostgreSQL. */
export function testDialects(): Dialect[] {
  return process.env.KAOS_TEST_PG_AVAILABLE === '0' ? ['sqlite'] : ['sqlite', 'postgres'];
}

export interface TestDatabase {
  dialect: Dialect;
  dataSource: DataSource;
  /** The URL a whole server can be started with to reach this same fresh database. */
  url: string;
  pgSchema?: string;
  close(): Promise<void>;
}

export async function openTestDatabase(dialect: Dialect, schemas: SchemaContribution[]): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kaos-sqlite-'));
    const url = `sqlite:${join(dir, 'test.sqlite')}`;
    const dataSource = await openDataSource(parseDatabaseUrl('test', url), schemas);
    return {
      dialect,
      dataSource,
      url,
      close: async () => {
        await dataSource.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = testPostgresUrl();
  const pgSchema = `kt_${randomBytes(6).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
  await admin.initialize();
  await admin.query(`CREATE SCHEMA "${pgSchema}"`);
  await admin.destroy();
  const dataSource = await openDataSource(parseDatabaseUrl('test', url), schemas, { pgSchema, poolSize: 10 });
  return {
    dialect,
    dataSource,
    url,
    pgSchema,
    close: async () => {
      await dataSource.destroy();
      const cleanup = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
      await cleanup.initialize();
      await cleanup.query(`DROP SCHEMA "${pgSchema}" CASCADE`);
      await cleanup.destroy();
    },
  };
}
