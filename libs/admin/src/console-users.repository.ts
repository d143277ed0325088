import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '@kaosnet/database';
import type { ConsoleRole } from './admin-access.js';
import { dialectOfSource, runSql } from './admin-sql.js';
import { ConsoleUserEntity } from './entities/console-user.entity.js';

const COLUMNS = 'id, username, password_hash, role, token_version, disabled_at, created_at, updated_at';

/** An active admin is one with role admin that is not disabled: the set that must never be empty. */
const ANOTHER_ACTIVE_ADMIN = `EXISTS (SELECT 1 FROM admin_users o WHERE o.role = 'admin' AND o.disabled_at IS NULL AND o.id <> $1)`;

export type GuardedResult = 'ok' | 'not-found' | 'last-admin';

export interface ConsoleUserPatch {
  role?: ConsoleRole;
  /** null re-enables; a number disables at that time. */
  disabledAt?: number | null;
  /** A new password hash. */
  passwordHash?: string;
}

/** All SQL for console users. Usernames compare case-insensitively (see the unique index). */
@Injectable()
export class ConsoleUsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findById(id: string): Promise<ConsoleUserEntity | null> {
    const { rows } = await runSql(this.dataSource, `SELECT ${COLUMNS} FROM admin_users WHERE id = $1`, [id]);
    return rows[0] ? toEntity(rows[0]) : null;
  }

  async findByUsername(username: string): Promise<ConsoleUserEntity | null> {
    const { rows } = await runSql(this.dataSource, `SELECT ${COLUMNS} FROM admin_users WHERE lower(username) = lower($1)`, [username]);
    return rows[0] ? toEntity(rows[0]) : null;
  }

  async list(): Promise<ConsoleUserEntity[]> {
    const { rows } = await runSql(this.dataSource, `SELECT ${COLUMNS} FROM admin_users ORDER BY created_at, username`, []);
    return rows.map(toEntity);
  }

  /** Inserts; returns false when the username is taken (the unique index decides, race-free). */
  async insert(user: ConsoleUserEntity): Promise<boolean> {
    try {
      await runSql(
        this.dataSource,
        `INSERT INTO admin_users (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [user.id, user.username, user.passwordHash, user.role, user.tokenVersion, user.disabledAt, user.createdAt, user.updatedAt],
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Applies a patch, refusing it when it would leave no active admin. On PostgreSQL the active
   * admins are locked first so two concurrent demotions cannot both see "another admin exists";
   * on SQLite the single conditional statement is atomic (one writer).
   */
  async update(id: string, patch: ConsoleUserPatch, now: number): Promise<GuardedResult> {
    const sets: string[] = ['updated_at = $2'];
    const params: unknown[] = [id, now];
    if (patch.role !== undefined) sets.push(`role = $${params.push(patch.role)}`);
    if (patch.disabledAt !== undefined) sets.push(`disabled_at = $${params.push(patch.disabledAt)}`);
    if (patch.passwordHash !== undefined) sets.push(`password_hash = $${params.push(patch.passwordHash)}`);
    // Disabling or a new password ends every session; re-enabling does not revive old tokens.
    if (patch.passwordHash !== undefined || (patch.disabledAt !== undefined && patch.disabledAt !== null)) sets.push('token_version = token_version + 1');
    const removesAdmin = (patch.role !== undefined && patch.role !== 'admin') || (patch.disabledAt !== undefined && patch.disabledAt !== null);
    const guard = removesAdmin ? ` AND (role <> 'admin' OR disabled_at IS NOT NULL OR ${ANOTHER_ACTIVE_ADMIN})` : '';
    return this.#guarded(id, removesAdmin, `UPDATE admin_users SET ${sets.join(', ')} WHERE id = $1${guard}`, params);
  }

  /** Deletes, refusing to delete the last active admin. */
  async delete(id: string): Promise<GuardedResult> {
    return this.#guarded(id, true, `DELETE FROM admin_users WHERE id = $1 AND (role <> 'admin' OR disabled_at IS NOT NULL OR ${ANOTHER_ACTIVE_ADMIN})`, [id]);
  }

  async #guarded(id: string, lockAdmins: boolean, sql: string, params: unknown[]): Promise<GuardedResult> {
    const run = async (target: DataSource | import('typeorm').EntityManager): Promise<GuardedResult> => {
      const { affected } = await runSql(target, sql, params);
      if (affected > 0) return 'ok';
      const { rows } = await runSql(target, 'SELECT id FROM admin_users WHERE id = $1', [id]);
      return rows.length === 0 ? 'not-found' : 'last-admin';
    };
    if (!lockAdmins || dialectOfSource(this.dataSource) === 'sqlite') return run(this.dataSource);
    return this.dataSource.transaction(async (manager) => {
      await runSql(manager, `SELECT id FROM admin_users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`, []);
      return run(manager);
    });
  }
}

function toEntity(row: Record<string, unknown>): ConsoleUserEntity {
  const user = new ConsoleUserEntity();
  user.id = String(row.id);
  user.username = String(row.username);
  user.passwordHash = String(row.password_hash);
  user.role = row.role as ConsoleRole;
  user.tokenVersion = Number(row.token_version);
  user.disabledAt = row.disabled_at === null || row.disabled_at === undefined ? null : Number(row.disabled_at);
  user.createdAt = Number(row.created_at);
  user.updatedAt = Number(row.updated_at);
  return user;
}
