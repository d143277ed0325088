import { DynamicModule, Global, Module, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Clock, KAOS_CONFIG, SystemClock, type KaosConfig } from '@kaosnet/common';
import { AccountsModule } from '@kaosnet/accounts';
import { AdminModule } from '@kaosnet/admin';
import { TransportModule } from '@kaosnet/transport';
import { RoomsModule } from '@kaosnet/rooms';
import { StorageModule } from '@kaosnet/storage';
import { ScriptingModule } from '@kaosnet/scripting';
import { DatabaseModule } from './persistence/database.module.js';
import { KAOS_SCHEMAS } from './persistence/schemas.js';
import { KaosExceptionFilter } from './http/kaos-exception.filter.js';
import { HealthController } from './http/health.controller.js';
import { ShutdownState } from './shutdown-state.js';

export interface AppModuleOptions {
  config: KaosConfig;
  /** Game developers' own Nest modules (match handlers, RPCs, hooks as providers). */
  modules?: (Type | DynamicModule)[];
  /** Tests: PostgreSQL schema holding a fresh database. */
  pgSchema?: string;
  clock?: Clock;
}

@Global()
@Module({})
class CoreModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: KAOS_CONFIG, useValue: options.config },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        ShutdownState,
      ],
      exports: [KAOS_CONFIG, Clock, ShutdownState],
    };
  }
}

/** The composition root: wiring only, no rules. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
        DatabaseModule.forRoot(options.config, KAOS_SCHEMAS, options.pgSchema),
        AccountsModule,
        AdminModule,
        TransportModule,
        RoomsModule,
        StorageModule,
        ScriptingModule,
        ...(options.modules ?? []),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: KaosExceptionFilter }],
    };
  }
}
