import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KaosConfig } from '@kaosnet/common';
import { buildDataSourceOptions } from '@kaosnet/database';
import { KAOS_SCHEMAS } from './schemas.js';

/** `npm run migrate`: bring the configured database up to date, then exit. */
export async function runMigrations(config: KaosConfig): Promise<void> {
  const logger = new Logger('Migrate');
  const dataSource = new DataSource(buildDataSourceOptions(config.database, KAOS_SCHEMAS));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    logger.log(applied.length ? `Applied ${applied.map((m) => m.name).join(', ')}` : 'Database is up to date');
  } finally {
    await dataSource.destroy();
  }
}
