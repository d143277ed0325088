import type { SchemaContribution } from '@kaosnet/database';
import { AccountDeviceEntity } from './entities/account-device.entity.js';
import { AccountEntity } from './entities/account.entity.js';
import { AuthRefreshTokenEntity } from './entities/auth-refresh-token.entity.js';
import { AuthSessionEntity } from './entities/auth-session.entity.js';
import { EmailLoginFailureEntity } from './entities/email-login-failure.entity.js';
import { AccountsInit1764000000000 } from './migrations/accounts-init.migration.js';

/** What libs/accounts contributes to the database: entities and migrations (never synchronize). */
export const ACCOUNTS_SCHEMA: SchemaContribution = {
  name: 'accounts',
  entities: [AccountEntity, AccountDeviceEntity, AuthSessionEntity, AuthRefreshTokenEntity, EmailLoginFailureEntity],
  migrations: [AccountsInit1764000000000],
};
