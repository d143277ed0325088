import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runDialectSql } from '@kaosnet/database';

/**
 * Console users, API keys and the failed-login counters. Usernames are unique regardless of case
 * (an expression index), which is also what makes concurrent bootstrap of the first admin safe.
 */
export class AdminInit1767225600000 implements MigrationInterface {
  name = 'AdminInit1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runDialectSql(queryRunner, {
      postgres: [
        `CREATE TABLE admin_users (
          id uuid PRIMARY KEY,
          username varchar(64) NOT NULL,
          password_hash varchar(255) NOT NULL,
          role varchar(16) NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
          token_version integer NOT NULL DEFAULT 0,
          disabled_at bigint NULL,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL
        )`,
        `CREATE UNIQUE INDEX admin_users_username_key ON admin_users (lower(username))`,
        `CREATE TABLE admin_api_keys (
          id uuid PRIMARY KEY,
          name varchar(64) NOT NULL,
          key_hash char(64) NOT NULL,
          key_prefix varchar(16) NOT NULL,
          scopes jsonb NOT NULL,
          created_by varchar(64) NULL,
          created_at bigint NOT NULL,
          expires_at bigint NULL,
          revoked_at bigint NULL
        )`,
        `CREATE UNIQUE INDEX admin_api_keys_hash_key ON admin_api_keys (key_hash)`,
        `CREATE TABLE admin_login_failures (
          username_key varchar(64) PRIMARY KEY,
          failures integer NOT NULL,
          window_start bigint NOT NULL,
          locked_until bigint NULL
        )`,
      ],
      sqlite: [
        `CREATE TABLE admin_users (
          id varchar(36) PRIMARY KEY NOT NULL,
          username varchar(64) NOT NULL,
          password_hash varchar(255) NOT NULL,
          role varchar(16) NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
          token_version integer NOT NULL DEFAULT 0,
          disabled_at bigint NULL,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL
        )`,
        `CREATE UNIQUE INDEX admin_users_username_key ON admin_users (lower(username))`,
        `CREATE TABLE admin_api_keys (
          id varchar(36) PRIMARY KEY NOT NULL,
          name varchar(64) NOT NULL,
          key_hash varchar(64) NOT NULL,
          key_prefix varchar(16) NOT NULL,
          scopes text NOT NULL,
          created_by varchar(64) NULL,
          created_at bigint NOT NULL,
          expires_at bigint NULL,
          revoked_at bigint NULL
        )`,
        `CREATE UNIQUE INDEX admin_api_keys_hash_key ON admin_api_keys (key_hash)`,
        `CREATE TABLE admin_login_failures (
          username_key varchar(64) PRIMARY KEY NOT NULL,
          failures integer NOT NULL,
          window_start bigint NOT NULL,
          locked_until bigint NULL
        )`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const drop = ['DROP TABLE admin_login_failures', 'DROP TABLE admin_api_keys', 'DROP TABLE admin_users'];
    await runDialectSql(queryRunner, { postgres: drop, sqlite: drop });
  }
}
