import { ManualClock, newId, resolveConfig, type KaosConfig } from '@kaosnet/common';
import { openTestDatabase, type Dialect, type TestDatabase } from '@kaosnet/database';
import type { AdminPrincipal, AdminScope, ConsoleRole } from '../admin-access.js';
import { ADMIN_SCHEMA } from '../admin.schema.js';
import { AdminAuthService, type AdminAuthOptions } from '../admin-auth.service.js';
import { ApiKeysRepository } from '../api-keys.repository.js';
import { ApiKeysService } from '../api-keys.service.js';
import { ConsoleUsersRepository } from '../console-users.repository.js';
import { ConsoleUsersService } from '../console-users.service.js';
import { LoginFailuresRepository } from '../login-failures.repository.js';

export const KIT_JWT_SECRET = 'admin-test-kit-jwt-secret-0123456789abcdef';

/** The admin services wired by hand on a real, fresh database (integration tests). */
export interface AdminKit {
  db: TestDatabase;
  clock: ManualClock;
  config: KaosConfig;
  users: ConsoleUsersService;
  apiKeys: ApiKeysService;
  auth: AdminAuthService;
  usersRepository: ConsoleUsersRepository;
  close(): Promise<void>;
}

export async function openAdminKit(dialect: Dialect, opts: { admin?: { username: string; password: string }; auth?: Partial<AdminAuthOptions> } = {}): Promise<AdminKit> {
  const db = await openTestDatabase(dialect, [ADMIN_SCHEMA]);
  const clock = new ManualClock();
  const admin = opts.admin ?? { username: 'root', password: 'root-password-123' };
  const { config } = resolveConfig({ adminUsername: admin.username, adminPassword: admin.password, jwtSecret: KIT_JWT_SECRET });
  const usersRepository = new ConsoleUsersRepository(db.dataSource);
  const users = new ConsoleUsersService(usersRepository, clock, config);
  const apiKeys = new ApiKeysService(new ApiKeysRepository(db.dataSource), clock);
  const auth = new AdminAuthService(usersRepository, new LoginFailuresRepository(db.dataSource), apiKeys, clock, config, opts.auth);
  return { db, clock, config, users, apiKeys, auth, usersRepository, close: () => db.close() };
}

/** A console-user principal that need not exist in the database (for role checks). */
export function consolePrincipal(role: ConsoleRole, id: string = newId()): AdminPrincipal {
  return { kind: 'console-user', id, username: `p-${id.slice(0, 8)}`, role, actor: `console-user:${id}` };
}

export function keyPrincipal(...scopes: AdminScope[]): AdminPrincipal {
  const id = newId();
  return { kind: 'api-key', id, name: 'kit', scopes, actor: `api-key:${id}` };
}

/** A fresh username per test, so tests share one database without stepping on each other. */
export function freshUsername(prefix = 'u'): string {
  return `${prefix}_${newId().slice(0, 8)}`;
}
