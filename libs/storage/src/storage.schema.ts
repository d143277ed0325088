import type { SchemaContribution } from '@kaosnet/database';
import { StorageObjectEntity } from './entities/storage-object.entity.js';
import { StorageInit1768000000000 } from './migrations/storage-init.migration.js';

/** What libs/storage contributes to the database. */
export const STORAGE_SCHEMA: SchemaContribution = {
  name: 'storage',
  entities: [StorageObjectEntity],
  migrations: [StorageInit1768000000000],
};
