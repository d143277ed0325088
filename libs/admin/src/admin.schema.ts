import type { SchemaContribution } from '@kaosnet/database';
import { ApiKeyEntity } from './entities/api-key.entity.js';
import { ConsoleUserEntity } from './entities/console-user.entity.js';
import { AdminInit1767225600000 } from './migrations/admin-init.migration.js';

export const ADMIN_SCHEMA: SchemaContribution = {
  name: 'admin',
  entities: [ConsoleUserEntity, ApiKeyEntity],
  migrations: [AdminInit1767225600000],
};
