import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runDialectSql } from '@kaosnet/database';

/**
 * Player accounts, their devices, auth sessions with rotating refresh tokens, and email login
 * lockout. Times are epoch milliseconds in bigint columns.
 */
export class AccountsInit1764000000000 implements MigrationInterface {
  name = 'AccountsInit1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runDialectSql(queryRunner, {
      postgres: [
        `CREATE TABLE accounts (
          id text PRIMARY KEY,
          username text NOT NULL,
          display_name text NULL,
          avatar_url text NULL,
          lang text NOT NULL DEFAULT 'en',
          location text NULL,
          timezone text NULL,
          metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
          email text NULL,
          password_hash text NULL,
          custom_id text NULL,
          banned_at bigint NULL,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL
        )`,
        `CREATE UNIQUE INDEX accounts_username_uq ON accounts (lower(username))`,
        // Prefix search (admin listing) on the lowercased username.
        `CREATE INDEX accounts_username_prefix_idx ON accounts (lower(username) text_pattern_ops)`,
        `CREATE UNIQUE INDEX accounts_email_uq ON accounts (email)`,
        `CREATE UNIQUE INDEX accounts_custom_id_uq ON accounts (custom_id)`,
        `CREATE INDEX accounts_created_idx ON accounts (created_at, id)`,
        `CREATE TABLE account_devices (
          device_id text PRIMARY KEY,
          user_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
          created_at bigint NOT NULL
        )`,
        `CREATE INDEX account_devices_user_idx ON account_devices (user_id)`,
        `CREATE TABLE auth_sessions (
          id text PRIMARY KEY,
          user_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
          vars jsonb NOT NULL DEFAULT '{}'::jsonb,
          created_at bigint NOT NULL,
          revoked_at bigint NULL,
          revoked_reason text NULL
        )`,
        `CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id)`,
        `CREATE TABLE auth_refresh_tokens (
          token_hash text PRIMARY KEY,
          session_id text NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
          created_at bigint NOT NULL,
          expires_at bigint NOT NULL,
          used_at bigint NULL
        )`,
        `CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id)`,
        `CREATE TABLE email_login_failures (
          email text PRIMARY KEY,
          failures integer NOT NULL,
          window_start bigint NOT NULL,
          locked_until bigint NULL
        )`,
      ],
      sqlite: [
        `CREATE TABLE accounts (
          id text PRIMARY KEY NOT NULL,
          username text NOT NULL,
          display_name text NULL,
          avatar_url text NULL,
          lang text NOT NULL DEFAULT 'en',
          location text NULL,
          timezone text NULL,
          metadata text NOT NULL DEFAULT '{}',
          email text NULL,
          password_hash text NULL,
          custom_id text NULL,
          banned_at integer NULL,
          created_at integer NOT NULL,
          updated_at integer NOT NULL
        )`,
        `CREATE UNIQUE INDEX accounts_username_uq ON accounts (lower(username))`,
        `CREATE UNIQUE INDEX accounts_email_uq ON accounts (email)`,
        `CREATE UNIQUE INDEX accounts_custom_id_uq ON accounts (custom_id)`,
        `CREATE INDEX accounts_created_idx ON accounts (created_at, id)`,
        `CREATE TABLE account_devices (
          device_id text PRIMARY KEY NOT NULL,
          user_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
          created_at integer NOT NULL
        )`,
        `CREATE INDEX account_devices_user_idx ON account_devices (user_id)`,
        `CREATE TABLE auth_sessions (
          id text PRIMARY KEY NOT NULL,
          user_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
          vars text NOT NULL DEFAULT '{}',
          created_at integer NOT NULL,
          revoked_at integer NULL,
          revoked_reason text NULL
        )`,
        `CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id)`,
        `CREATE TABLE auth_refresh_tokens (
          token_hash text PRIMARY KEY NOT NULL,
          session_id text NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
          created_at integer NOT NULL,
          expires_at integer NOT NULL,
          used_at integer NULL
        )`,
        `CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id)`,
        `CREATE TABLE email_login_failures (
          email text PRIMARY KEY NOT NULL,
          failures integer NOT NULL,
          window_start integer NOT NULL,
          locked_until integer NULL
        )`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const drop = ['email_login_failures', 'auth_refresh_tokens', 'auth_sessions', 'account_devices', 'accounts'].map((t) => `DROP TABLE IF EXISTS ${t}`);
    await runDialectSql(queryRunner, { postgres: drop, sqlite: drop });
  }
}
