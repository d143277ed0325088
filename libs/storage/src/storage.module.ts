import { Module } from '@nestjs/common';

/** Placeholder until the storage issue lands; present so the workspace layout is complete. */
@Module({})
export class StorageModule {}
