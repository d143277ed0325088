import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sql, SqlRunner, type SqlWork } from '@kaosnet/database';

export interface SessionState {
  userId: string;
  revokedAt: number | null;
}

/** A refresh token looked up by hash, with what a refresh needs to decide. */
export interface RefreshTokenState {
  sessionId: string;
  userId: string;
  username: string;
  vars: Record<string, string>;
  expiresAt: number;
  usedAt: number | null;
  sessionRevokedAt: number | null;
  bannedAt: number | null;
}

/** All SQL of auth sessions and their rotating refresh tokens (PostgreSQL and SQLite). */
@Injectable()
export class AuthSessionsRepository {
  readonly #db: SqlRunner;

  constructor(dataSource: DataSource) {
    this.#db = new SqlRunner(dataSource);
  }

  /** A session and its first refresh token, in one transaction. */
  async create(s: { id: string; userId: string; vars: Record<string, string>; now: number; refreshHash: string; refreshExpiresAt: number }): Promise<void> {
    await this.#db.atomic(function* (): SqlWork<void> {
      yield sql('INSERT INTO auth_sessions (id, user_id, vars, created_at) VALUES (?, ?, ?, ?)', s.id, s.userId, JSON.stringify(s.vars), s.now);
      yield sql('INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)', s.refreshHash, s.id, s.now, s.refreshExpiresAt);
    });
  }

  async state(sessionId: string): Promise<SessionState | null> {
    const rows = await this.#db.rows<{ user_id: string; revoked_at: unknown }>('SELECT user_id, revoked_at FROM auth_sessions WHERE id = ?', sessionId);
    const r = rows[0];
    return r ? { userId: r.user_id, revokedAt: r.revoked_at === null ? null : Number(r.revoked_at) } : null;
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenState | null> {
    const rows = await this.#db.rows(
      `SELECT t.session_id, t.expires_at, t.used_at, s.user_id, s.vars, s.revoked_at, a.username, a.banned_at
       FROM auth_refresh_tokens t
       JOIN auth_sessions s ON s.id = t.session_id
       JOIN accounts a ON a.id = s.user_id
       WHERE t.token_hash = ?`,
      hash,
    );
    const r = rows[0];
    if (!r) return null;
    const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
    return {
      sessionId: r.session_id as string,
      userId: r.user_id as string,
      username: r.username as string,
      vars: (typeof r.vars === 'string' ? JSON.parse(r.vars) : r.vars ?? {}) as Record<string, string>,
      expiresAt: Number(r.expires_at),
      usedAt: n(r.used_at),
      sessionRevokedAt: n(r.revoked_at),
      bannedAt: n(r.banned_at),
    };
  }

  /**
   * Marks `oldHash` used and stores its successor, atomically. Returns false, writing nothing,
   * when the old token was already used: two concurrent refreshes with one token cannot both win.
   */
  async rotate(oldHash: string, next: { hash: string; sessionId: string; now: number; expiresAt: number }): Promise<boolean> {
    return this.#db.atomic(function* (): SqlWork<boolean> {
      const r = yield sql('UPDATE auth_refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL', next.now, oldHash);
      if (r.affected === 0) return false;
      yield sql('INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)', next.hash, next.sessionId, next.now, next.expiresAt);
      return true;
    });
  }

  /** Ends a live session; returns false when it was already ended or does not exist. */
  async revoke(sessionId: string, now: number, reason: string): Promise<boolean> {
    const r = await this.#db.exec(sql('UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL', now, reason, sessionId));
    return r.affected > 0;
  }
}
