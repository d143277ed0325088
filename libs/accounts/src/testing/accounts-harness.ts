import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { DEFAULT_CONFIG, ManualClock, type KaosConfig } from '@kaosnet/common';
import { openTestDatabase, type Dialect, type TestDatabase } from '@kaosnet/database';
import { AccountsRepository } from '../accounts.repository.js';
import { ACCOUNTS_SCHEMA } from '../accounts.schema.js';
import { AccountsService } from '../accounts.service.js';
import { AuthSessionsRepository } from '../auth-sessions.repository.js';
import { SessionTokens } from '../session-tokens.service.js';

/**
 * Integration-test seam: the real service graph on a real database (SQLite file or PostgreSQL
 * schema) with a manual clock. `restart()` builds a fresh service graph on the same database, as
 * a server restart would (nothing in memory survives).
 */
export interface AccountsHarness {
  db: TestDatabase;
  clock: ManualClock;
  config: KaosConfig;
  sut: AccountsService;
  tokens: SessionTokens;
  restart(): { sut: AccountsService; tokens: SessionTokens };
  close(): Promise<void>;
}

export const TEST_JWT_SECRET = 'integration-test-jwt-secret-0123456789abcdef';

export async function openAccountsHarness(dialect: Dialect, auth: Partial<KaosConfig['auth']> = {}): Promise<AccountsHarness> {
  const db = await openTestDatabase(dialect, [ACCOUNTS_SCHEMA]);
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const config = { ...structuredClone(DEFAULT_CONFIG), jwtSecret: TEST_JWT_SECRET, auth: { ...DEFAULT_CONFIG.auth, ...auth } } as KaosConfig;
  const build = () => {
    const tokens = new SessionTokens(new AuthSessionsRepository(db.dataSource), clock, config);
    return { tokens, sut: new AccountsService(new AccountsRepository(db.dataSource), tokens, clock, config) };
  };
  const first = build();
  return { db, clock, config, ...first, restart: build, close: () => db.close() };
}

/** Fresh per-test identifiers: suites share one database and never truncate. */
export function uniq(prefix = 'id'): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

export async function expectKaos(promise: Promise<unknown>, code: string, reason?: string): Promise<void> {
  await expect(promise).rejects.toMatchObject(reason === undefined ? { code } : { code, reason });
}
