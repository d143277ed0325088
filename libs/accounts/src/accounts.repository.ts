import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sql, SqlRunner, type SqlParam, type SqlWork } from '@kaosnet/database';
import type { AccountEntity } from './entities/account.entity.js';

/** An account row as the service sees it (AccountEntity's fields, plain data). */
export type AccountRow = Omit<AccountEntity, never>;

export interface NewAccount {
  id: string;
  username: string;
  email?: string;
  passwordHash?: string;
  customId?: string;
  createdAt: number;
}

/** Profile columns the service may change; `null` clears a nullable one. */
export interface ProfilePatch {
  username?: string;
  displayName?: string | null;
  avatarUrl?: string | null;
  lang?: string;
  location?: string | null;
  timezone?: string | null;
  metadata?: Record<string, unknown>;
}

export type UniqueKey = 'username' | 'email' | 'customId' | 'device';
export type LinkKind = 'device' | 'email' | 'custom';
export type UnlinkOutcome = 'ok' | 'no-account' | 'not-linked' | 'last';

const ACCOUNT_COLUMNS =
  'a.id, a.username, a.display_name, a.avatar_url, a.lang, a.location, a.timezone, a.metadata, a.email, a.password_hash, a.custom_id, a.banned_at, a.created_at, a.updated_at';

const PROFILE_COLUMNS: Record<keyof ProfilePatch, string> = {
  username: 'username',
  displayName: 'display_name',
  avatarUrl: 'avatar_url',
  lang: 'lang',
  location: 'location',
  timezone: 'timezone',
  metadata: 'metadata',
};

/**
 * All SQL of player accounts, devices, bans and email lockout, for PostgreSQL and SQLite. Writes
 * that must be atomic are SqlRunner units of work; races are left to the unique constraints.
 */
@Injectable()
export class AccountsRepository {
  readonly #db: SqlRunner;

  constructor(dataSource: DataSource) {
    this.#db = new SqlRunner(dataSource);
  }

  get dialect(): 'postgres' | 'sqlite' {
    return this.#db.dialect;
  }

  async findById(id: string): Promise<AccountRow | null> {
    return this.#one(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = ?`, id);
  }

  async findByUsername(username: string): Promise<AccountRow | null> {
    return this.#one(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a WHERE lower(a.username) = lower(?)`, username);
  }

  /** `email` must already be lowercased. */
  async findByEmail(email: string): Promise<AccountRow | null> {
    return this.#one(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a WHERE a.email = ?`, email);
  }

  async findByCustomId(customId: string): Promise<AccountRow | null> {
    return this.#one(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a WHERE a.custom_id = ?`, customId);
  }

  async findByDevice(deviceId: string): Promise<AccountRow | null> {
    return this.#one(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN account_devices d ON d.user_id = a.id WHERE d.device_id = ?`, deviceId);
  }

  async deviceOwner(deviceId: string): Promise<string | null> {
    const rows = await this.#db.rows<{ user_id: string }>('SELECT user_id FROM account_devices WHERE device_id = ?', deviceId);
    return rows[0]?.user_id ?? null;
  }

  async listDevices(userIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return out;
    const marks = userIds.map(() => '?').join(', ');
    const rows = await this.#db.rows<{ user_id: string; device_id: string }>(
      `SELECT user_id, device_id FROM account_devices WHERE user_id IN (${marks}) ORDER BY created_at, device_id`,
      ...userIds,
    );
    for (const r of rows) out.get(r.user_id)?.push(r.device_id);
    return out;
  }

  /**
   * Inserts an account, and its first device when given, in one transaction. A unique violation
   * is rethrown as is: use `violatedKey()` to learn which key was taken.
   */
  async create(account: NewAccount, deviceId?: string): Promise<AccountRow> {
    const t = account.createdAt;
    await this.#db.atomic(function* (): SqlWork<void> {
      yield sql(
        `INSERT INTO accounts (id, username, lang, metadata, email, password_hash, custom_id, created_at, updated_at) VALUES (?, ?, 'en', '{}', ?, ?, ?, ?, ?)`,
        account.id,
        account.username,
        account.email ?? null,
        account.passwordHash ?? null,
        account.customId ?? null,
        t,
        t,
      );
      if (deviceId !== undefined) yield sql('INSERT INTO account_devices (device_id, user_id, created_at) VALUES (?, ?, ?)', deviceId, account.id, t);
    });
    return (await this.findById(account.id))!;
  }

  /** Which unique key a failed insert or update hit (constraint names differ per engine). */
  violatedKey(error: unknown): UniqueKey | undefined {
    const e = error as { message?: string; driverError?: { constraint?: string; message?: string } };
    const text = `${e.driverError?.constraint ?? ''} ${e.driverError?.message ?? ''} ${e.message ?? ''}`;
    if (/accounts_username_uq/.test(text)) return 'username';
    if (/accounts_email_uq|accounts\.email/.test(text)) return 'email';
    if (/accounts_custom_id_uq|accounts\.custom_id/.test(text)) return 'customId';
    if (/account_devices_pkey|account_devices\.device_id/.test(text)) return 'device';
    return undefined;
  }

  /** Returns false when the account does not exist. Unique violations (username) are rethrown. */
  async updateProfile(id: string, patch: ProfilePatch, now: number): Promise<boolean> {
    const sets: string[] = [];
    const params: SqlParam[] = [];
    for (const [key, column] of Object.entries(PROFILE_COLUMNS) as [keyof ProfilePatch, string][]) {
      const value = patch[key];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(key === 'metadata' ? JSON.stringify(value) : (value as string | null));
    }
    sets.push('updated_at = ?');
    params.push(now);
    const r = await this.#db.exec(sql(`UPDATE accounts SET ${sets.join(', ')} WHERE id = ?`, ...params, id));
    return r.affected > 0;
  }

  async linkDevice(userId: string, deviceId: string, now: number): Promise<void> {
    await this.#db.atomic(function* (): SqlWork<void> {
      yield sql('INSERT INTO account_devices (device_id, user_id, created_at) VALUES (?, ?, ?)', deviceId, userId, now);
      yield sql('UPDATE accounts SET updated_at = ? WHERE id = ?', now, userId);
    });
  }

  /** Sets (or replaces) the email login. Unique violations (email taken) are rethrown. */
  async setEmail(userId: string, email: string, passwordHash: string, now: number): Promise<boolean> {
    const r = await this.#db.exec(sql('UPDATE accounts SET email = ?, password_hash = ?, updated_at = ? WHERE id = ?', email, passwordHash, now, userId));
    return r.affected > 0;
  }

  async setCustomId(userId: string, customId: string, now: number): Promise<boolean> {
    const r = await this.#db.exec(sql('UPDATE accounts SET custom_id = ?, updated_at = ? WHERE id = ?', customId, now, userId));
    return r.affected > 0;
  }

  /**
   * Removes one way in, unless it is the account's last. The account row is locked first on
   * PostgreSQL (SQLite units of work are serial), so two concurrent unlinks cannot both pass the
   * "another way remains" check.
   */
  async unlink(userId: string, kind: LinkKind, value: string, now: number): Promise<UnlinkOutcome> {
    const lock = this.dialect === 'postgres' ? ' FOR UPDATE' : '';
    return this.#db.atomic(function* (): SqlWork<UnlinkOutcome> {
      const acc = (yield sql(`SELECT email, custom_id FROM accounts WHERE id = ?${lock}`, userId)).rows[0] as
        | { email: string | null; custom_id: string | null }
        | undefined;
      if (!acc) return 'no-account';
      const devices = (yield sql('SELECT device_id FROM account_devices WHERE user_id = ?', userId)).rows.map((r) => r.device_id as string);
      const ways = devices.length + (acc.email !== null ? 1 : 0) + (acc.custom_id !== null ? 1 : 0);
      const linked = kind === 'device' ? devices.includes(value) : kind === 'email' ? acc.email === value : acc.custom_id === value;
      if (!linked) return 'not-linked';
      if (ways <= 1) return 'last';
      if (kind === 'device') yield sql('DELETE FROM account_devices WHERE device_id = ? AND user_id = ?', value, userId);
      else if (kind === 'email') yield sql('UPDATE accounts SET email = NULL, password_hash = NULL WHERE id = ?', userId);
      else yield sql('UPDATE accounts SET custom_id = NULL WHERE id = ?', userId);
      yield sql('UPDATE accounts SET updated_at = ? WHERE id = ?', now, userId);
      return 'ok';
    });
  }

  /**
   * Bans (bannedAt set) or unbans (null). A ban also ends every live session of the account in
   * the same transaction. Returns null when the account does not exist, else the ended session ids.
   */
  async setBanned(userId: string, bannedAt: number | null, now: number): Promise<string[] | null> {
    return this.#db.atomic(function* (): SqlWork<string[] | null> {
      // A second ban keeps the first ban's time.
      const r =
        bannedAt === null
          ? yield sql('UPDATE accounts SET banned_at = NULL, updated_at = ? WHERE id = ?', now, userId)
          : yield sql('UPDATE accounts SET banned_at = COALESCE(banned_at, ?), updated_at = ? WHERE id = ?', bannedAt, now, userId);
      if (r.affected === 0) return null;
      if (bannedAt === null) return [];
      const ended = yield sql(
        `UPDATE auth_sessions SET revoked_at = ?, revoked_reason = 'ban' WHERE user_id = ? AND revoked_at IS NULL RETURNING id`,
        now,
        userId,
      );
      return ended.rows.map((row) => row.id as string);
    });
  }

  /** Deletes the account; devices, sessions and refresh tokens go with it (ON DELETE CASCADE). */
  async delete(userId: string): Promise<string[] | null> {
    return this.#db.atomic(function* (): SqlWork<string[] | null> {
      const sessions = (yield sql('SELECT id FROM auth_sessions WHERE user_id = ?', userId)).rows.map((r) => r.id as string);
      const r = yield sql('DELETE FROM accounts WHERE id = ?', userId);
      return r.affected === 0 ? null : sessions;
    });
  }

  /**
   * One page, newest first, keyset-paged on (created_at, id) so pages stay stable while accounts
   * are added. `search` matches a username prefix (case-insensitive), an exact id or an exact email.
   */
  async list(q: { limit: number; after?: { createdAt: number; id: string }; search?: string }): Promise<AccountRow[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (q.search !== undefined) {
      const prefix = q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
      where.push(`(lower(a.username) LIKE ? ESCAPE '\\' OR a.id = ? OR a.email = ?)`);
      params.push(prefix, q.search, q.search.toLowerCase());
    }
    if (q.after) {
      where.push('(a.created_at < ? OR (a.created_at = ? AND a.id < ?))');
      params.push(q.after.createdAt, q.after.createdAt, q.after.id);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = await this.#db.rows(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a ${clause} ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, ...params, q.limit);
    return rows.map(toAccountRow);
  }

  // ---- email lockout -------------------------------------------------------------------------

  async emailLockedUntil(email: string): Promise<number | null> {
    const rows = await this.#db.rows<{ locked_until: string | number | null }>('SELECT locked_until FROM email_login_failures WHERE email = ?', email);
    const v = rows[0]?.locked_until;
    return v === undefined || v === null ? null : Number(v);
  }

  /**
   * Counts one failure and returns the count in the current window. A window older than
   * `windowMs` starts over. One statement, so concurrent failures are all counted.
   */
  async recordEmailFailure(email: string, now: number, windowMs: number): Promise<number> {
    const stale = now - windowMs;
    const r = await this.#db.exec<{ failures: number | string }>(
      sql(
        `INSERT INTO email_login_failures (email, failures, window_start, locked_until) VALUES (?, 1, ?, NULL)
         ON CONFLICT (email) DO UPDATE SET
           failures = CASE WHEN email_login_failures.window_start < ? THEN 1 ELSE email_login_failures.failures + 1 END,
           window_start = CASE WHEN email_login_failures.window_start < ? THEN ? ELSE email_login_failures.window_start END,
           locked_until = NULL
         RETURNING failures`,
        email,
        now,
        stale,
        stale,
        now,
      ),
    );
    return Number(r.rows[0]!.failures);
  }

  async lockEmail(email: string, until: number, now: number): Promise<void> {
    await this.#db.exec(sql('UPDATE email_login_failures SET locked_until = ?, failures = 0, window_start = ? WHERE email = ?', until, now, email));
  }

  async clearEmailFailures(email: string): Promise<void> {
    await this.#db.exec(sql('DELETE FROM email_login_failures WHERE email = ?', email));
  }

  async #one(text: string, ...params: SqlParam[]): Promise<AccountRow | null> {
    const rows = await this.#db.rows(text, ...params);
    return rows[0] ? toAccountRow(rows[0]) : null;
  }
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toAccountRow(r: Record<string, unknown>): AccountRow {
  return {
    id: r.id as string,
    username: r.username as string,
    displayName: (r.display_name as string | null) ?? null,
    avatarUrl: (r.avatar_url as string | null) ?? null,
    lang: r.lang as string,
    location: (r.location as string | null) ?? null,
    timezone: (r.timezone as string | null) ?? null,
    // jsonb arrives parsed from pg; SQLite gives the text back.
    metadata: (typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata ?? {}) as Record<string, unknown>,
    email: (r.email as string | null) ?? null,
    passwordHash: (r.password_hash as string | null) ?? null,
    customId: (r.custom_id as string | null) ?? null,
    bannedAt: numOrNull(r.banned_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}
