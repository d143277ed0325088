import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runSql } from './admin-sql.js';

export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

/**
 * Failed console logins per username key (lower-cased), kept in the database so a lockout holds
 * across restarts and across server instances sharing PostgreSQL.
 */
@Injectable()
export class LoginFailuresRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The time the key is locked until, or null when it is not locked at `now`. */
  async lockedUntil(key: string, now: number): Promise<number | null> {
    const { rows } = await runSql<{ locked_until: unknown }>(this.dataSource, 'SELECT locked_until FROM admin_login_failures WHERE username_key = $1', [key]);
    const until = rows[0]?.locked_until;
    if (until === null || until === undefined) return null;
    return Number(until) > now ? Number(until) : null;
  }

  /**
   * Counts one failure in the current window (a window older than `windowMs` starts over) and
   * locks the key once the count reaches the maximum. Returns the lock end when now locked.
   * The upsert is one statement, so concurrent failures are all counted.
   */
  async recordFailure(key: string, now: number, policy: LockoutPolicy): Promise<number | null> {
    const { rows } = await runSql<{ failures: unknown }>(
      this.dataSource,
      `INSERT INTO admin_login_failures (username_key, failures, window_start, locked_until) VALUES ($1, 1, $2, NULL)
       ON CONFLICT (username_key) DO UPDATE SET
         failures = CASE WHEN admin_login_failures.window_start <= $3 THEN 1 ELSE admin_login_failures.failures + 1 END,
         window_start = CASE WHEN admin_login_failures.window_start <= $3 THEN $2 ELSE admin_login_failures.window_start END
       RETURNING failures`,
      [key, now, now - policy.windowMs],
    );
    const failures = Number(rows[0]?.failures ?? 0);
    if (failures < policy.maxFailures) return null;
    const until = now + policy.lockoutMs;
    await runSql(this.dataSource, 'UPDATE admin_login_failures SET locked_until = $2 WHERE username_key = $1', [key, until]);
    return until;
  }

  async clear(key: string): Promise<void> {
    await runSql(this.dataSource, 'DELETE FROM admin_login_failures WHERE username_key = $1', [key]);
  }
}
