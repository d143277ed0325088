import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { KaosConfig } from '@kaosnet/common';
import { buildDataSourceOptions, type SchemaContribution } from '@kaosnet/database';

/**
 * The app's one DataSource. Migrations run at start (never `synchronize`), so a fresh SQLite
 * file or an empty PostgreSQL database is ready on first boot.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: KaosConfig, schemas: SchemaContribution[], pgSchema?: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...buildDataSourceOptions(config.database, schemas, { pgSchema }),
            migrationsRun: true,
            migrationsTransactionMode: 'each',
          }),
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
