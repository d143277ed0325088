import { Module } from '@nestjs/common';
import { AccountsModule } from '@kaosnet/accounts';
import { AdminModule } from '@kaosnet/admin';
import { StorageAdminController } from './storage-admin.controller.js';
import { Storage } from './storage.api.js';
import { StorageController } from './storage.controller.js';
import { StorageRepository } from './storage.repository.js';
import { StorageService } from './storage.service.js';

/**
 * Key-value and document storage. Needs, from the composition root: the TypeORM DataSource (with
 * STORAGE_SCHEMA migrated) and `Clock`; optional `STORAGE_OPTIONS` (Partial<StorageOptions>).
 * Exports StorageService (the core, Caller first) and Storage (the seed-shaped server API).
 */
@Module({
  imports: [AccountsModule, AdminModule],
  controllers: [StorageController, StorageAdminController],
  providers: [StorageRepository, StorageService, Storage],
  exports: [StorageService, Storage],
})
export class StorageModule {}
