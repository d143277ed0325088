import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runDialectSql } from '@kaosnet/database';

/**
 * Storage objects. Owner and key compare in byte order on both engines (COLLATE "C" on
 * PostgreSQL, BINARY on SQLite) so keyset cursors order the same way everywhere.
 * PostgreSQL also gets storage_index_entries: the numbers and strings each query path reaches,
 * kept in the same transaction as the object, with B-tree indexes for equality and range filters.
 */
export class StorageInit1768000000000 implements MigrationInterface {
  name = 'StorageInit1768000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runDialectSql(queryRunner, {
      postgres: [
        `CREATE TABLE storage_objects (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          collection text COLLATE "C" NOT NULL,
          user_id text COLLATE "C" NOT NULL DEFAULT '',
          key text COLLATE "C" NOT NULL,
          value jsonb NOT NULL,
          version text NOT NULL,
          permission_read smallint NOT NULL,
          permission_write smallint NOT NULL,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL,
          index_partial boolean NOT NULL DEFAULT false
        )`,
        `CREATE UNIQUE INDEX storage_objects_owner_key_uq ON storage_objects (collection, user_id, key)`,
        `CREATE INDEX storage_objects_partial_idx ON storage_objects (collection) WHERE index_partial`,
        `CREATE TABLE storage_index_entries (
          object_id bigint NOT NULL REFERENCES storage_objects (id) ON DELETE CASCADE,
          collection text COLLATE "C" NOT NULL,
          path text COLLATE "C" NOT NULL,
          num double precision NULL,
          str text COLLATE "C" NULL
        )`,
        `CREATE INDEX storage_index_num_idx ON storage_index_entries (collection, path, num) WHERE num IS NOT NULL`,
        `CREATE INDEX storage_index_str_idx ON storage_index_entries (collection, path, str) WHERE str IS NOT NULL`,
        `CREATE INDEX storage_index_object_idx ON storage_index_entries (object_id)`,
      ],
      sqlite: [
        `CREATE TABLE storage_objects (
          id integer PRIMARY KEY,
          collection text NOT NULL,
          user_id text NOT NULL DEFAULT '',
          key text NOT NULL,
          value text NOT NULL,
          version text NOT NULL,
          permission_read integer NOT NULL,
          permission_write integer NOT NULL,
          created_at integer NOT NULL,
          updated_at integer NOT NULL,
          index_partial integer NOT NULL DEFAULT 0
        )`,
        `CREATE UNIQUE INDEX storage_objects_owner_key_uq ON storage_objects (collection, user_id, key)`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runDialectSql(queryRunner, {
      postgres: ['DROP TABLE storage_index_entries', 'DROP TABLE storage_objects'],
      sqlite: ['DROP TABLE storage_objects'],
    });
  }
}
