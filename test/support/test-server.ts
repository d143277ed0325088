import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import type { KaosConfig } from '@kaosnet/common';
import { openTestDatabase, type Dialect } from '@kaosnet/database';
import { ServerBuilder } from '../../apps/server/src/server-builder.js';
import type { KaosServer, KaosServerAddresses } from '../../apps/server/src/kaos-server.js';
import { KAOS_SCHEMAS } from '../../apps/server/src/persistence/schemas.js';

export const TEST_SERVER_KEY = 'test-server-key';
export const TEST_ADMIN = { username: 'admin', password: 'test-admin-password' };

export interface TestServer extends KaosServerAddresses {
  server: KaosServer;
  dialect: Dialect;
  /** Basic auth header carrying the server key, as clients send it on authenticate calls. */
  serverKeyAuth: string;
  close(): Promise<void>;
}

/**
 * Boots the whole server on loopback, ports chosen by the OS, against a fresh database of the
 * given dialect (a temp SQLite file, or a fresh PostgreSQL schema).
 */
export async function startTestServer(opts: { dialect?: Dialect; config?: Partial<KaosConfig>; modules?: (Type | DynamicModule)[] } = {}): Promise<TestServer> {
  const dialect = opts.dialect ?? 'sqlite';
  const dataDir = mkdtempSync(join(tmpdir(), 'kaos-server-'));
  let pgSchema: string | undefined;
  let dbUrl = `sqlite:${join(dataDir, 'kaosnet.sqlite')}`;
  let dropPg: (() => Promise<void>) | undefined;
  if (dialect === 'postgres') {
    // Create the schema (and let migrations run once there), then hand the server the same schema.
    const db = await openTestDatabase('postgres', KAOS_SCHEMAS);
    pgSchema = db.pgSchema;
    dbUrl = db.url;
    await db.dataSource.destroy();
    dropPg = async () => {
      const again = await openTestDatabase('postgres', []);
      await again.dataSource.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await again.close();
    };
  }
  const builder = new ServerBuilder()
    .bind('127.0.0.1:0')
    .consoleBind('127.0.0.1:0')
    .database(dbUrl)
    .dataDir(dataDir)
    .serverKey(TEST_SERVER_KEY)
    .jwtSecret('test-jwt-secret-that-is-long-enough-0123456789')
    .admin(TEST_ADMIN.username, TEST_ADMIN.password)
    .logLevel('error')
    .with(opts.config ?? {})
    .modules(opts.modules ?? []);
  if (pgSchema) builder.postgresSchema(pgSchema);
  const server = builder.build();
  const addresses = await server.start();
  return {
    ...addresses,
    server,
    dialect,
    serverKeyAuth: `Basic ${Buffer.from(`${TEST_SERVER_KEY}:`).toString('base64')}`,
    close: async () => {
      await server.stop();
      if (dropPg) await dropPg();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
